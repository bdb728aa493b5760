import { chmodSync, lstatSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Owner-only modes for the data folder: it holds the PIN hash, the audit log, raw payloads and secrets. */
export const privateDirMode = 0o700;
export const privateFileMode = 0o600;

/** chmod to `mode` when the group/other bits differ; true when it changed something. Windows: no POSIX modes. */
export function tighten(path: string, mode: number): boolean {
  if (process.platform === 'win32') return false;
  const stat = lstatSync(path, { throwIfNoEntry: false });
  // Symlinks are left alone: chmod would follow them out of the folder.
  if (!stat || stat.isSymbolicLink() || (stat.mode & 0o777) === mode) return false;
  chmodSync(path, mode);
  return (stat.mode & 0o077) !== 0;
}

/**
 * At every start, whatever the umask and whoever created the folder: the data folder 0700, each
 * file in it 0600, each folder in it 0700 (which closes everything below it, e.g. Electron's
 * caches, without walking them). Returns a warning when something was open to others.
 */
export function secureDataDir(dir: string): string | null {
  mkdirSync(dir, { recursive: true, mode: privateDirMode });
  const loosened: string[] = [];
  if (tighten(dir, privateDirMode)) loosened.push('.');
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() && tighten(path, privateDirMode)) loosened.push(`${entry.name}/`);
    else if (entry.isFile() && tighten(path, privateFileMode)) loosened.push(entry.name);
  }
  if (loosened.length === 0) return null;
  const shown = loosened.slice(0, 5).join(', ') + (loosened.length > 5 ? `, … (${loosened.length} in all)` : '');
  return `Data folder ${dir} had items others could read (${shown}); they are now owner-only.`;
}
