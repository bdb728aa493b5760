import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where the headless host keeps settings, secrets and the database. */
export function defaultDataDir(): string {
  if (process.env.OPS_CONSOLE_DATA_DIR) return resolve(process.env.OPS_CONSOLE_DATA_DIR);
  if (process.platform === 'win32') return join(process.env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'ops-console');
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'ops-console');
  return join(process.env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'ops-console');
}

/** The project (or packaged app) root: the folder holding `out/` and `resources/`. */
export function appRoot(fromUrl: string): string {
  let dir = dirname(fileURLToPath(fromUrl));
  while (dir !== dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    dir = dirname(dir);
  }
  return process.cwd();
}
