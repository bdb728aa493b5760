import { createReadStream, existsSync, statSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.wav': 'audio/wav',
  '.mp3': 'audio/mpeg',
  '.ogg': 'audio/ogg',
  '.woff2': 'font/woff2',
};

/** The same policy as the renderer's meta tag, sent as a header too. */
export const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "media-src 'self' blob: data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const securityHeaders: Record<string, string> = {
  'Content-Security-Policy': contentSecurityPolicy,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'X-Frame-Options': 'DENY',
};

/** A request path that cannot name a file (bad percent-encoding, NUL): the caller answers 400. */
export class BadPath extends Error {}

/** Decode a URL path; `%E0%A4%A` and friends throw `BadPath` instead of a `URIError`. */
export function decodePath(pathname: string): string {
  let path: string;
  try {
    path = decodeURIComponent(pathname);
  } catch {
    throw new BadPath('bad percent-encoding');
  }
  if (path.includes('\0')) throw new BadPath('NUL in path');
  return path;
}

/** Serve a built folder; unknown paths fall back to index.html (client-side routes). */
export function serveStatic(root: string, pathname: string, res: ServerResponse, mounts: Record<string, string> = {}): void {
  let base = root;
  let path = decodePath(pathname);
  for (const [prefix, dir] of Object.entries(mounts)) {
    if (path.startsWith(prefix)) {
      base = dir;
      path = path.slice(prefix.length - 1);
    }
  }
  const file = normalize(join(base, path));
  if (file !== base && !file.startsWith(base + sep)) return void res.writeHead(403).end();
  const target = existsSync(file) && statSync(file).isFile() ? file : base === root ? join(root, 'index.html') : null;
  if (!target || !existsSync(target)) return void res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
  const immutable = target.includes(`${sep}assets${sep}`);
  res.writeHead(200, {
    ...securityHeaders,
    'Content-Type': types[extname(target)] ?? 'application/octet-stream',
    'Cache-Control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
  });
  // A file removed or unreadable mid-stream ends this response, not the process.
  createReadStream(target)
    .on('error', () => res.destroy())
    .pipe(res);
}
