import { join } from 'node:path';
import { secretNames, type Settings } from '../contract/settings';
import type { UpstreamId, UpstreamStatus } from '../contract';
import type { Cipher } from '../secrets/cipher';
import { SecretVault } from '../secrets/vault';
import { SettingsStore } from '../settings/settings-store';
import { AlertCenter } from './alerts';
import { CommandRegistry } from './commands';
import { secureDataDir } from './data-dir';
import type { CoreContext, DemoSimulators, Module, ModuleFactory, StartDemo } from './context';
import { DisposableStore } from './disposable';
import { Hub } from './hub';
import { Journal } from './journal';
import { LinkRegistry } from './links';
import { reportCrash } from './link-crash';
import { registerSystemCommands } from './system-commands';
import { Storage } from './storage';
import type { Updater } from './updates';

export interface CoreOptions {
  host: 'electron' | 'web';
  version: string;
  dataDir: string;
  cipher: Cipher;
  /** `auto`: simulators for every upstream that has no URL configured, when none has one. */
  demo: boolean | 'auto';
  /** How to start the simulators when demo mode is wanted (the composition passes `demo/`'s). */
  startDemo?: StartDemo;
  /** `--seed-only`: simulators speak only what their seeds document (else the `demo.seedOnly` setting). */
  seedOnly?: boolean;
  /** From `--config FILE`: used instead of the stored settings; inline secrets stay in memory. */
  config?: { settings: Settings; secrets: Record<string, string>; adminPin?: string };
  modules: readonly ModuleFactory[];
  /** The host's self-updater (packaged Electron app); absent in the web host and development runs. */
  updater?: Updater;
  /** Extra start-up warnings from the host (e.g. weak secret storage). */
  warnings?: string[];
}

export interface Core {
  readonly ctx: CoreContext;
  readonly hub: Hub;
  readonly commands: CommandRegistry;
  readonly demo: boolean;
  health(): { status: 'ok'; host: string; demo: boolean; upstreams: UpstreamStatus[] };
  close(): Promise<void>;
}

const upstreamKeys = ['rpaLogs', 'keywordHub', 'evolution', 'dashboard'] as const;
const demoSecretNames = ['rpaLogs.token', 'keywordHub.token', 'evolution.apiKey'];

/** The composition root: the only place that knows every part of the core. */
export async function createCore(options: CoreOptions): Promise<Core> {
  const loose = secureDataDir(options.dataDir);
  const hub = new Hub();
  const commands = new CommandRegistry();
  const storage = Storage.open(join(options.dataDir, 'console.db'));
  const journal = new Journal(hub, storage);
  const links = new LinkRegistry(hub);
  const alerts = new AlertCenter(hub, storage, journal);
  links.onCrash = (status, error) => reportCrash({ journal, alerts }, status, error);
  const settings = new SettingsStore(join(options.dataDir, 'settings.json'));
  if (options.config) settings.update(options.config.settings);
  const secrets = new SecretVault(join(options.dataDir, 'secrets.json'), options.cipher);
  for (const [name, value] of Object.entries(options.config?.secrets ?? {})) secrets.setEphemeral(name, value);

  const nothingConfigured = upstreamKeys.every((key) => settings.get().upstreams[key].url === '');
  const demoWanted = options.demo === true || (options.demo === 'auto' && nothingConfigured);
  if (demoWanted && !options.startDemo) throw new Error('demo mode needs the simulators (CoreOptions.startDemo)');
  const demo: DemoSimulators | null = demoWanted && options.startDemo ? await options.startDemo({ secrets: Object.fromEntries(demoSecretNames.map((n) => [n, secrets.get(n)])), seedOnly: options.seedOnly || settings.get().demo.seedOnly }) : null;
  if (demo) for (const [name, value] of Object.entries(demo.secrets)) if (!secrets.get(name)) secrets.setEphemeral(name, value);

  const warnings = [...(options.warnings ?? []), ...(loose ? [loose] : []), ...settings.warnings, ...secrets.warnings];
  const isDemo = (id: UpstreamId): boolean => demo !== null && (id === 'webhooks' || (id in demo.urls && settings.get().upstreams[id as (typeof upstreamKeys)[number]]?.url === ''));

  const ctx: CoreContext = {
    host: options.host,
    dataDir: options.dataDir,
    hub,
    commands,
    journal,
    alerts,
    links,
    storage,
    settings,
    secrets,
    effective() {
      const current = settings.get();
      if (!demo) return current;
      const upstreams = structuredClone(current.upstreams);
      for (const key of upstreamKeys) if (upstreams[key].url === '') upstreams[key].url = demo.urls[key];
      return { ...current, upstreams };
    },
    isDemo,
    seedOnly: demo?.seedOnly ?? false,
    webhookSimulators: demo ? demo.webhooks : null,
    ...(options.config?.adminPin !== undefined ? { configAdminPin: options.config.adminPin } : {}),
    ...(options.updater ? { updater: options.updater } : {}),
    warn(message) {
      warnings.push(message);
      hub.publish('system.warning', { message, at: Date.now() });
      journal.record({ upstream: 'console', type: 'warning', level: 'warn', ids: {}, summary: message, raw: null });
    },
  };

  // The core's own commands; module commands belong to each module's store.
  const owned = new DisposableStore();
  if (demo) owned.add(commands.handle('demo.control', async ({ target, action }) => (await demo.control(target, action), { ok: true as const })));
  registerSystemCommands(ctx, owned, {
    version: options.version,
    demo: demo !== null,
    warnings,
    knownSecrets: secretNames,
  });

  /** Everything below the modules, newest first: links, alerts, journal, simulators, database. */
  const closeCore = async () => {
    links.dispose();
    alerts.dispose();
    journal.flush();
    owned.dispose();
    await demo?.stop();
    storage.close();
  };

  // Modules start in order; when one throws, those already started stop again (newest first)
  // and the core closes, so a failed start leaves no socket, timer or listener behind.
  const modules: Module[] = [];
  try {
    for (const factory of options.modules) {
      const module = factory(ctx);
      modules.push(module);
      await module.start();
    }
  } catch (error) {
    await stopAll(modules);
    await closeCore();
    throw error;
  }
  for (const warning of warnings) journal.record({ upstream: 'console', type: 'warning', level: 'warn', ids: {}, summary: warning, raw: null });

  return {
    ctx,
    hub,
    commands,
    demo: demo !== null,
    health: () => ({ status: 'ok', host: options.host, demo: demo !== null, upstreams: links.list() }),
    async close() {
      await stopAll(modules);
      await closeCore();
    },
  };
}

/** Stop modules newest first; one that fails to stop does not keep the others running. */
async function stopAll(modules: readonly Module[]): Promise<void> {
  for (const module of [...modules].reverse()) {
    try {
      await module.stop();
    } catch (error) {
      console.error(`module ${module.name} failed to stop:`, error);
    }
  }
}
