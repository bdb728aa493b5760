import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { ModuleFactory } from './context';
import { DisposableStore } from './disposable';

/**
 * Kiosk pieces that need no window: the admin PIN (hashed, kept in the secret vault) and the
 * Linux XDG autostart entry. The Electron host (`electron/kiosk.ts`) opens the windows.
 */

export const PIN_SECRET = 'kiosk.pin';

export function hashPin(pin: string, salt = randomBytes(16)): string {
  return `scrypt:${salt.toString('base64url')}:${scryptSync(pin, salt, 32).toString('base64url')}`;
}

export function verifyPin(pin: string, stored: string | undefined): boolean {
  if (!stored) return true; // no PIN set: leaving kiosk mode is free (the settings say so)
  const [scheme, salt, hash] = stored.split(':');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const actual = scryptSync(pin, Buffer.from(salt, 'base64url'), expected.length);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

export interface XdgAutostartOptions {
  enabled: boolean;
  /** Command line to run, e.g. `/opt/Ops Console/ops-console --kiosk`. */
  exec: string[];
  name?: string;
  /** `$XDG_CONFIG_HOME` (default `~/.config`). */
  configHome?: string;
  fileName?: string;
}

/** Quote one argument for a .desktop `Exec=` line (freedesktop Desktop Entry spec). */
export function desktopExecArg(arg: string): string {
  if (!/[\s"'\\`$<>|&;()*?#~=%]/.test(arg)) return arg;
  return `"${arg.replace(/[\\"`$]/g, (c) => `\\${c}`).replace(/%/g, '%%')}"`;
}

/** Write or remove `~/.config/autostart/ops-console.desktop`; returns the file path. */
export function writeXdgAutostart(options: XdgAutostartOptions): string {
  const dir = join(options.configHome ?? process.env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'autostart');
  const file = join(dir, options.fileName ?? 'ops-console.desktop');
  if (!options.enabled) {
    if (existsSync(file)) unlinkSync(file);
    return file;
  }
  mkdirSync(dir, { recursive: true });
  const lines = [
    '[Desktop Entry]',
    'Type=Application',
    'Version=1.0',
    `Name=${(options.name ?? 'Ops Console').replace(/[\r\n]/g, ' ')}`,
    'Comment=Ops Console kiosk wallboard',
    `Exec=${options.exec.map(desktopExecArg).join(' ')}`,
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    'X-GNOME-Autostart-Delay=5',
    '',
  ];
  writeFileSync(file, lines.join('\n'), { mode: 0o644 });
  return file;
}

export interface AutostartEnv {
  platform: NodeJS.Platform;
  packaged: boolean;
  execPath: string;
  /** The app folder a development build is started with (`electron <appPath>`). */
  appPath: string;
  /** Set by an AppImage: the file to start, not the mounted binary that vanishes on exit. */
  appImage?: string;
}

/** How "start at login" is done here: OS login items on Windows/macOS, XDG autostart elsewhere. */
export type AutostartPlan = { kind: 'login-item'; openAtLogin: boolean; args: string[] } | { kind: 'xdg'; enabled: boolean; exec: string[] };

export function autostartPlan(env: AutostartEnv, enabled: boolean): AutostartPlan {
  if (env.platform === 'win32' || env.platform === 'darwin') return { kind: 'login-item', openAtLogin: enabled, args: ['--kiosk'] };
  const exec = env.packaged ? [env.appImage ?? env.execPath, '--kiosk'] : [env.execPath, env.appPath, '--kiosk'];
  return { kind: 'xdg', enabled, exec };
}

/** Why leaving kiosk mode was refused (`kiosk.exit`). */
export type KioskExitRefusal = 'wrong-pin' | 'locked-out' | 'pin-required';

/**
 * Leaving kiosk mode without a kiosk PIN: the admin PIN decides (`admin.verifyPin`'s result;
 * undefined when no admin module answered). No admin PIN at all is not a free exit: a fresh
 * install must set its first PIN (the setup step) before anyone leaves the wall.
 */
export function kioskExitByAdminPin(result: string | undefined): 'exit' | KioskExitRefusal {
  if (result === 'ok') return 'exit';
  if (result === 'wrong-pin' || result === 'locked-out') return result;
  return 'pin-required';
}

/** `kiosk.*` commands: leave kiosk mode with the PIN, set the PIN. */
export const kioskModule: ModuleFactory = (ctx) => {
  const owned = new DisposableStore();
  const commands = ctx.commands.ownedBy(owned);
  return {
    name: 'kiosk',
    start() {
      let failures = 0;
      let lockedUntil = 0;
      commands.handle('kiosk.status', () => ({ pinSet: !!ctx.secrets.get(PIN_SECRET) }));
      commands.handle('kiosk.setPin', ({ pin }) => {
        if (pin) ctx.secrets.set(PIN_SECRET, hashPin(pin));
        else ctx.secrets.clear(PIN_SECRET);
        ctx.journal.record({ upstream: 'console', type: 'kiosk.pin', level: 'info', ids: {}, summary: pin ? 'kiosk PIN set' : 'kiosk PIN cleared', raw: null });
        return { pinSet: !!pin };
      });
      commands.handle('kiosk.exit', async ({ pin }, caller) => {
        const stored = ctx.secrets.get(PIN_SECRET);
        if (!stored) {
          // No kiosk PIN: the admin PIN, with its own per-session lock-out.
          const check = await ctx.commands.dispatch('admin.verifyPin', { pin }, caller);
          const outcome = kioskExitByAdminPin(check.ok ? (check.value as { result?: string }).result : undefined);
          ctx.journal.record({ upstream: 'console', type: 'kiosk.exit', level: outcome === 'exit' ? 'info' : 'warn', ids: {}, summary: outcome === 'exit' ? 'kiosk mode left' : `kiosk exit refused (${outcome})`, raw: null });
          if (outcome !== 'exit') return { ok: false, reason: outcome };
          ctx.hub.publish('kiosk.exited', { at: Date.now() });
          return { ok: true };
        }
        // A few wrong guesses lock the PIN for a minute (someone at the wall guessing).
        if (Date.now() < lockedUntil) return { ok: false, reason: 'locked-out' as const };
        const ok = verifyPin(pin, stored);
        ctx.journal.record({ upstream: 'console', type: 'kiosk.exit', level: ok ? 'info' : 'warn', ids: {}, summary: ok ? 'kiosk mode left' : 'wrong kiosk PIN', raw: null });
        if (!ok) {
          if (++failures >= 5) {
            failures = 0;
            lockedUntil = Date.now() + 60_000;
          }
          return { ok: false, reason: 'wrong-pin' as const };
        }
        failures = 0;
        ctx.hub.publish('kiosk.exited', { at: Date.now() });
        return { ok: true };
      });
    },
    stop() {
      owned.dispose();
    },
  };
};
