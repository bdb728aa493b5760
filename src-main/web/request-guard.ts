import { createHash, timingSafeEqual } from 'node:crypto';
import { hostname, networkInterfaces } from 'node:os';
import type { IncomingMessage } from 'node:http';

/**
 * Who may talk to the web host, decided from the request alone (docs/security.md):
 * the `Host` allowlist against DNS rebinding, the `Origin` check against other web pages,
 * and the access token (cookie, bearer header) for clients off loopback.
 */

export const isLoopback = (address: string | undefined): boolean =>
  !!address && (address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.') || address === 'localhost');

const wildcard = new Set(['0.0.0.0', '::', '']);

/** Split a `Host` header into a lower-case name (IPv6 kept in brackets) and a port (null when absent). */
export function parseHostHeader(value: string | undefined): { name: string; port: number | null } | null {
  if (!value || value.length > 255) return null;
  const m = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::(\d{1,5}))?$/i.exec(value.trim());
  if (!m) return null;
  const name = m[1]!.toLowerCase().replace(/\.$/, '');
  const port = m[2] === undefined ? null : Number(m[2]);
  if (port !== null && port > 65535) return null;
  return { name, port };
}

const isLoopbackName = (name: string): boolean => name === 'localhost' || name === '[::1]' || /^127(\.\d{1,3}){3}$/.test(name);

export interface HostPolicy {
  /** The port the host listens on: loopback names and the bound address must use it. */
  port: number;
  /** The address bound (`--host`); off loopback it is allowed as a name with the machine name; a wildcard allows every interface's address. */
  bound: string;
  /** Names an admin configured (`--allow-host`), any port: a reverse proxy may present them on 443. */
  allowed: readonly string[];
}

const bracketed = (address: string): string => (address.includes(':') ? `[${address.toLowerCase()}]` : address.toLowerCase());

/** Names of this host that need the listening port besides loopback: the bound address (or every interface's), the machine name. */
function boundNames(bound: string): Set<string> {
  const names = new Set<string>();
  // Off loopback, the machine's own name is how LAN browsers usually reach it.
  if (!isLoopback(bound)) names.add(hostname().toLowerCase());
  if (wildcard.has(bound)) {
    for (const list of Object.values(networkInterfaces())) for (const iface of list ?? []) names.add(bracketed(iface.address));
  } else if (!isLoopback(bound)) names.add(bracketed(bound));
  return names;
}

/** `Host` allowlist: a page on `rebind.attacker.example` that resolves to us is refused. */
export function hostChecker(policy: HostPolicy): (hostHeader: string | undefined) => boolean {
  const configured = new Set(policy.allowed.map((n) => n.trim().toLowerCase().replace(/\.$/, '')).filter(Boolean));
  const own = boundNames(policy.bound);
  return (hostHeader) => {
    const host = parseHostHeader(hostHeader);
    if (!host) return false;
    if (configured.has(host.name)) return true;
    const port = host.port ?? 80;
    return port === policy.port && (isLoopbackName(host.name) || own.has(host.name));
  };
}

/**
 * A browser page's `Origin` must name this very host. Absent (non-browser clients) is fine;
 * `null` (sandboxed frames, `data:` pages) or anything unparseable is foreign.
 */
export function sameOrigin(origin: string | undefined, hostHeader: string | undefined): boolean {
  if (origin === undefined) return true;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  return (url.protocol === 'http:' || url.protocol === 'https:') && !!hostHeader && url.host === hostHeader.trim().toLowerCase();
}

export const TOKEN_COOKIE = 'ops_console_token';

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/** Constant-time whatever the lengths: equal-length SHA-256 digests are compared. */
export function tokenMatches(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

/** The cookie's value, if the request carries it (first one wins; malformed escapes are ignored). */
export function cookieToken(req: IncomingMessage): string | null {
  const header = req.headers.cookie;
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== TOKEN_COOKIE) continue;
    try {
      return decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      return null;
    }
  }
  return null;
}

export function bearerToken(req: IncomingMessage): string | null {
  const m = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
  return m ? m[1]!.trim() : null;
}

/** Whether the request presents the access token by cookie or `Authorization: Bearer`. */
export function presentsToken(req: IncomingMessage, accessToken: string | undefined): boolean {
  if (!accessToken) return false;
  const given = [cookieToken(req), bearerToken(req)].filter((t): t is string => t !== null);
  // Both are compared, so which one matched is not visible in the timing either.
  return given.map((t) => tokenMatches(t, accessToken)).some(Boolean);
}

/** `Set-Cookie` for the page: HttpOnly (no script reads it), SameSite=Strict (no other site sends it). */
export const tokenCookie = (token: string, secure: boolean): string =>
  `${TOKEN_COOKIE}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
