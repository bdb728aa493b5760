import type { Settings } from '../contract/settings';

/**
 * What the desktop host lets its windows do, as host-free decisions (unit-tested; the Electron
 * host in `electron/windows.ts` and `electron/main.ts` only applies them). docs/security.md.
 */

const parse = (url: string): URL | null => {
  try {
    return new URL(url);
  } catch {
    return null;
  }
};

/**
 * A console window may only navigate (link, redirect, sub-frame) within its own renderer:
 * same origin as `home` and under its path. Compared parsed, not by string prefix, so
 * `http://localhost:5173.evil.example` is not "under" `http://localhost:5173`.
 */
export function mayNavigate(url: string, home: string): boolean {
  const to = parse(url);
  const base = parse(home);
  if (!to || !base) return false;
  // app:// is a registered standard scheme; URL gives it origin "null", so compare scheme + host.
  if (to.protocol !== base.protocol || to.host !== base.host) return false;
  return to.pathname.startsWith(base.pathname.endsWith('/') ? base.pathname : `${base.pathname}/`) || to.pathname === base.pathname;
}

/** Host names of the configured upstreams (any scheme: a ws:// hub's host serves its web pages too). */
export function upstreamHosts(settings: Pick<Settings, 'upstreams'>): Set<string> {
  const hosts = new Set<string>();
  for (const upstream of Object.values(settings.upstreams)) {
    const url = parse((upstream as { url?: string }).url ?? '');
    if (url?.hostname) hosts.add(url.hostname.toLowerCase());
  }
  return hosts;
}

/**
 * Links a page asks to open (download URLs, notification actions) go to the system browser
 * only when they are http(s) to a host of a configured upstream: data from an upstream cannot
 * send the operator to an arbitrary site, nor to `file:`, `smb:` or a custom scheme.
 */
export function mayOpenExternal(url: string, hosts: ReadonlySet<string>): boolean {
  const to = parse(url);
  if (!to || (to.protocol !== 'http:' && to.protocol !== 'https:')) return false;
  if (to.username || to.password) return false;
  return hosts.has(to.hostname.toLowerCase());
}

/** The tray's Quit: in kiosk mode it asks for the admin PIN (the kiosk exit prompt) first. */
export const trayQuitAction = (kioskActive: boolean): 'quit' | 'ask-pin' => (kioskCloseAction(kioskActive, false) === 'allow' ? 'quit' : 'ask-pin');

/**
 * Every other way out of a kiosk window — Alt+F4 or the window manager's close (`close`),
 * Cmd+Q and the app menu's Quit (`before-quit`): prevented in kiosk mode unless the exit was
 * confirmed with the PIN (`kiosk.exited`); the host then opens the same PIN prompt
 * (`kiosk.exitRequested`) instead.
 */
export const kioskCloseAction = (kioskActive: boolean, exitConfirmed: boolean): 'allow' | 'ask-pin' => (kioskActive && !exitConfirmed ? 'ask-pin' : 'allow');
