import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pkg from '../../package.json';
import { provisionRequest } from '../admin/provision';
import { createConsole } from '../composition';
import { installLastResort } from '../core/last-resort';
import { appRoot, defaultDataDir } from '../core/paths';
import { KeyFileCipher } from '../secrets/cipher';
import { readConfigFile, SettingsError } from '../settings/settings-store';
import { startWebHost } from './web-host';

export const DEFAULT_PORT = 7420;

const usage = `usage: npm run serve -- [--port N] [--host ADDR] [--allow-host NAME]... [--config FILE] [--demo] [--seed-only] [--data-dir DIR]

  --port N        port to listen on (default ${DEFAULT_PORT}; 0 picks a free one)
  --host ADDR     address to bind (default 127.0.0.1; others need OPS_CONSOLE_ACCESS_TOKEN)
  --allow-host NAME
                  a host name browsers may use to reach the console besides loopback and the
                  bound address (repeatable; e.g. the name a reverse proxy forwards)
  --config FILE   settings as JSON (docs/configuration.md); secrets may be inline
  --demo          start the built-in simulators even if upstreams are configured
  --seed-only     simulators speak only what their seed documents describe (no extras of ours)
  --data-dir DIR  where settings, secrets and history live (default ${defaultDataDir()})`;

function fail(message: string): never {
  console.error(`ops-console: ${message}`);
  process.exit(2);
}

/** `npm run serve`: the headless host. Prints `ready <url>` once it accepts connections. */
export async function main(argv = process.argv.slice(2)): Promise<void> {
  // Autostart entries and login items belong to the installed desktop app, not a headless host.
  if (provisionRequest(argv)) fail('--setup-kiosk and --remove-kiosk are desktop features: run them with the installed app (ops-console --setup-kiosk --config FILE)');
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        host: { type: 'string', default: '127.0.0.1' },
        'allow-host': { type: 'string', multiple: true, default: [] },
        config: { type: 'string' },
        demo: { type: 'boolean', default: false },
        'seed-only': { type: 'boolean', default: false },
        'data-dir': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    fail(`${(error as Error).message}\n${usage}`);
  }
  if (values.help) return void console.log(usage);
  const port = values.port === undefined ? DEFAULT_PORT : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port must be a whole number from 0 to 65535, got "${values.port}"`);

  for (const name of values['allow-host']) if (!/^[a-z0-9.-]+$|^\[[0-9a-f:.]+\]$/i.test(name)) fail(`--allow-host takes a host name or address without port or scheme, got "${name}"`);

  let config;
  try {
    config = values.config ? readConfigFile(values.config) : undefined;
  } catch (error) {
    fail(error instanceof SettingsError ? error.message : String(error));
  }
  const dataDir = values['data-dir'] ?? defaultDataDir();
  const root = appRoot(import.meta.url);
  let cipher;
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    cipher = new KeyFileCipher(join(dataDir, 'secret.key'));
  } catch (error) {
    fail(`cannot prepare the data folder ${dataDir}: ${(error as Error).message}`);
  }
  const core = await createConsole({
    host: 'web',
    version: pkg.version,
    dataDir,
    cipher,
    demo: values.demo ? true : 'auto',
    ...(values['seed-only'] ? { seedOnly: true } : {}),
    warnings: cipher.warnings,
    ...(config ? { config } : {}),
  });
  installLastResort(process, core.ctx);
  let host;
  try {
    host = await startWebHost(core, {
      host: values.host,
      port,
      // The renderer is built next to this file (out/main/serve.js → out/renderer).
      rendererDir: join(dirname(fileURLToPath(import.meta.url)), '..', 'renderer'),
      resourcesDir: join(root, 'resources'),
      allowedHosts: values['allow-host'],
      ...(process.env.OPS_CONSOLE_ACCESS_TOKEN ? { accessToken: process.env.OPS_CONSOLE_ACCESS_TOKEN } : {}),
    });
  } catch (error) {
    await core.close();
    const err = error as NodeJS.ErrnoException;
    if (err.code === 'EADDRINUSE') fail(`port ${port} on ${values.host} is already in use; pick another with --port`);
    fail(err.message);
  }
  console.log(`ready ${host.url}${core.demo ? ' (demo mode: built-in simulators)' : ''}`);
  const shutdown = async () => {
    await host.close();
    await core.close();
    process.exit(0);
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

void main();
