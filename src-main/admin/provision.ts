import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Pin } from '../contract/admin';
import type { Settings } from '../contract/settings';
import { secureDataDir } from '../core/data-dir';
import { autostartPlan, writeXdgAutostart, type AutostartEnv } from '../core/kiosk';
import { Storage } from '../core/storage';
import type { Cipher } from '../secrets/cipher';
import { SecretVault } from '../secrets/vault';
import { writeFileAtomic } from '../settings/atomic';
import { readConfigFile, SettingsError, SettingsStore, type ConfigContent } from '../settings/settings-store';
import { CommandError } from '../core/commands';
import { validateSettings } from './index';
import { PinStore, type PinPolicy } from './pin';
import { exportFormat, importSettings, TransferError } from './settings-transfer';

/**
 * `ops-console --setup-kiosk --config FILE` / `--remove-kiosk`: turn an installed console into a
 * kiosk (or back) from a terminal or a deployment script, without opening a window. Host-free:
 * the Electron host passes its paths, cipher, login-item call and terminal prompt.
 */

export type ProvisionRequest = { action: 'setup'; config: string } | { action: 'remove' };

export type ProvisionCode = 'kiosk-ready' | 'kiosk-removed' | 'usage' | 'bad-config' | 'pin-required' | 'bad-pin' | 'not-installed' | 'write-failed';

/** One exit code per kind of outcome, so a deployment script can tell them apart. */
export const provisionExitCodes: Record<ProvisionCode, number> = {
  'kiosk-ready': 0,
  'kiosk-removed': 0,
  'write-failed': 1,
  usage: 2,
  'bad-config': 3,
  'pin-required': 4,
  'bad-pin': 4,
  'not-installed': 5,
};

export interface ProvisionResult {
  code: ProvisionCode;
  exitCode: number;
  /** One line for the terminal. */
  message: string;
}

export interface ProvisionHost {
  /** Where the console keeps settings, secrets and its database (Electron: `userData`). */
  dataDir: string;
  /** Built only when the file has secrets to store (Electron's safeStorage needs the app ready). */
  cipher(): Cipher;
  autostart: AutostartEnv;
  /** `$XDG_CONFIG_HOME` for the autostart entry (default: the environment's). */
  xdgConfigHome?: string;
  /** Windows/macOS: `app.setLoginItemSettings`. */
  setLoginItem(openAtLogin: boolean, args: string[]): void;
  /** Ask for a new PIN twice without echo (`pin-prompt.ts`); null when there is no terminal to ask on or it was cancelled. */
  askPin(): Promise<string | null | 'mismatch'>;
  pinPolicy?: PinPolicy;
}

const result = (code: ProvisionCode, message: string): ProvisionResult => ({ code, exitCode: provisionExitCodes[code], message });

/** The provisioning flags of a command line (Chromium's own switches may be mixed in); null: a normal start. */
export function provisionRequest(argv: readonly string[]): ProvisionRequest | { action: 'usage'; message: string } | null {
  const setup = argv.includes('--setup-kiosk');
  const remove = argv.includes('--remove-kiosk');
  if (!setup && !remove) return null;
  if (setup && remove) return { action: 'usage', message: '--setup-kiosk and --remove-kiosk exclude each other' };
  if (remove) return { action: 'remove' };
  let config: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--config') config = argv[i + 1] ?? '';
    else if (arg.startsWith('--config=')) config = arg.slice('--config='.length);
  }
  if (config === '' || config?.startsWith('--')) return { action: 'usage', message: '--config needs a file: ops-console --setup-kiosk --config FILE' };
  if (config === null) return { action: 'usage', message: 'usage: ops-console --setup-kiosk --config FILE (or --remove-kiosk)' };
  return { action: 'setup', config };
}

/** A running AppImage's binary lives in a mount that vanishes on exit: autostart must name the AppImage file. */
function notInstalled(env: AutostartEnv): string | null {
  if (env.platform === 'win32' || env.platform === 'darwin' || !env.packaged || env.appImage) return null;
  return /\/\.mount_[^/]+\//.test(env.execPath) ? `started from a mounted AppImage without $APPIMAGE (${env.execPath}); run the AppImage file itself` : null;
}

/** The settings file (a `--config` file or an admin export), validated like the existing import and `--config`. */
function readProvisionFile(path: string): Promise<ConfigContent & { warnings: string[] }> | (ConfigContent & { warnings: string[] }) {
  let head: unknown = null;
  try {
    if (statSync(path).size <= 4 * 1024 * 1024) head = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    /* readConfigFile below says what is wrong */
  }
  if (typeof head === 'object' && head !== null && (head as { format?: unknown }).format === exportFormat) {
    return importSettings(readFileSync(path, 'utf8'), undefined).then(
      (parsed) => ({ settings: parsed.settings, secrets: {}, warnings: parsed.warnings }),
      (error: unknown) => {
        throw new SettingsError(`${path}: ${error instanceof TransferError ? error.message : String(error)}`);
      },
    );
  }
  return { ...readConfigFile(path), warnings: [] };
}

async function loadConfig(path: string): Promise<(ConfigContent & { warnings: string[] }) | ProvisionResult> {
  try {
    const content = await readProvisionFile(path);
    // The admin section (`extra.admin`) is checked like a settings save checks it.
    return { ...content, settings: validateSettings(content.settings) };
  } catch (error) {
    if (error instanceof SettingsError) return result('bad-config', `bad settings file: ${error.message} — nothing was changed`);
    if (error instanceof CommandError) {
      const issue = error.issues?.[0];
      return result('bad-config', `bad settings file: ${path}: ${issue ? `${issue.path}: ${issue.message}` : error.message} — nothing was changed`);
    }
    throw error;
  }
}

function applyAutostart(host: ProvisionHost, enabled: boolean): string {
  const plan = autostartPlan(host.autostart, enabled);
  if (plan.kind === 'login-item') {
    host.setLoginItem(plan.openAtLogin, plan.args);
    return 'login item';
  }
  return writeXdgAutostart({ enabled: plan.enabled, exec: plan.exec, ...(host.xdgConfigHome ? { configHome: host.xdgConfigHome } : {}) });
}

/** Keep what a kiosk generated for itself when the file leaves it empty (its dashboard identity). */
function keepIdentity(next: Settings, current: Settings): Settings {
  if (next.upstreams.dashboard.clientId !== '' || current.upstreams.dashboard.clientId === '') return next;
  return { ...next, upstreams: { ...next.upstreams, dashboard: { ...next.upstreams.dashboard, clientId: current.upstreams.dashboard.clientId } } };
}

const settingsFile = (host: ProvisionHost) => join(host.dataDir, 'settings.json');

/** Run `fn` with the settings file put back as it was when `fn` throws (nothing half-written). */
function withSettingsRollback<T>(host: ProvisionHost, fn: () => Promise<T>): Promise<T> {
  const file = settingsFile(host);
  const before = existsSync(file) ? readFileSync(file) : null;
  return fn().catch((error: unknown) => {
    try {
      if (before) writeFileAtomic(file, before);
    } catch {
      /* the original error says more */
    }
    throw error;
  });
}

export async function setupKiosk(configPath: string, host: ProvisionHost): Promise<ProvisionResult> {
  // Everything is read and checked before anything is written.
  const config = await loadConfig(configPath);
  if ('exitCode' in config) return config;
  const location = notInstalled(host.autostart);
  if (location) return result('not-installed', `cannot set up autostart: ${location} — nothing was changed`);
  let pin = config.adminPin ?? null;
  if (pin === null) {
    const typed = await host.askPin();
    if (typed === null) return result('pin-required', 'no admin PIN: put "adminPin" in the file or run from a terminal to type it — nothing was changed');
    if (typed === 'mismatch') return result('bad-pin', 'the two PINs typed differ — nothing was changed');
    pin = typed;
    const checked = Pin.safeParse(pin);
    if (!checked.success) return result('bad-pin', `PIN refused: ${checked.error.issues[0]?.message ?? 'invalid'} — nothing was changed`);
  }

  let autostartAt = '';
  try {
    await withSettingsRollback(host, async () => {
      secureDataDir(host.dataDir);
      const store = new SettingsStore(settingsFile(host));
      const next = keepIdentity(config.settings, store.get());
      autostartAt = applyAutostart(host, true);
      try {
        store.update({ ...next, kiosk: { ...next.kiosk, enabled: true, autostart: true } });
        const names = Object.keys(config.secrets);
        if (names.length > 0) {
          const vault = new SecretVault(join(host.dataDir, 'secrets.json'), host.cipher());
          for (const name of names) if (vault.get(name) !== config.secrets[name]) vault.set(name, config.secrets[name]!);
        }
        const storage = Storage.open(join(host.dataDir, 'console.db'));
        try {
          const pins = new PinStore(storage, host.pinPolicy);
          if (!(await pins.matches(pin))) await pins.set(pin);
        } finally {
          storage.close();
        }
      } catch (error) {
        // The autostart entry is only left behind with the settings that go with it.
        try {
          applyAutostart(host, false);
        } catch {
          /* reported through the original error */
        }
        throw error;
      }
    });
  } catch (error) {
    return result('write-failed', `kiosk setup failed: ${(error as Error).message}`);
  }
  const notes = config.warnings.length > 0 ? ` (${config.warnings.join(' ')})` : '';
  return result('kiosk-ready', `kiosk ready: settings from ${configPath}, admin PIN set, autostart ${autostartAt === 'login item' ? 'as a login item' : `at ${autostartAt}`}${notes}`);
}

export async function removeKiosk(host: ProvisionHost): Promise<ProvisionResult> {
  try {
    const at = applyAutostart(host, false);
    const file = settingsFile(host);
    if (existsSync(file)) {
      const store = new SettingsStore(file);
      const current = store.get();
      if (current.kiosk.enabled || current.kiosk.autostart) store.update({ ...current, kiosk: { ...current.kiosk, enabled: false, autostart: false } });
    }
    return result('kiosk-removed', `kiosk removed: kiosk mode off, autostart ${at === 'login item' ? 'login item' : at} removed; other settings kept`);
  } catch (error) {
    return result('write-failed', `kiosk removal failed: ${(error as Error).message}`);
  }
}

export async function runProvisioning(request: ProvisionRequest, host: ProvisionHost): Promise<ProvisionResult> {
  return request.action === 'remove' ? removeKiosk(host) : setupKiosk(request.config, host);
}
