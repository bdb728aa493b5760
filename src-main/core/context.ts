import type { Settings } from '../contract/settings';
import type { UpstreamId } from '../contract';
import type { SecretVault } from '../secrets/vault';
import type { SettingsStore } from '../settings/settings-store';
import type { AlertCenter } from './alerts';
import type { CommandRegistry } from './commands';
import type { Hub } from './hub';
import type { Journal } from './journal';
import type { LinkRegistry } from './links';
import type { Storage } from './storage';
import type { Updater } from './updates';

/** Everything a connector or integration may use. Built once by the composition root. */
export interface CoreContext {
  readonly host: 'electron' | 'web';
  readonly dataDir: string;
  readonly hub: Hub;
  readonly commands: CommandRegistry;
  readonly journal: Journal;
  /** One alert center for every source (dedupe, acknowledge, snooze, mute, history). */
  readonly alerts: AlertCenter;
  readonly links: LinkRegistry;
  readonly storage: Storage;
  readonly settings: SettingsStore;
  readonly secrets: SecretVault;
  /** Settings as connectors must use them: demo simulator URLs filled in where none is configured. */
  effective(): Settings;
  /** Whether this upstream runs against a built-in simulator. */
  isDemo(id: UpstreamId): boolean;
  /** Demo simulators speak only what their seeds document (`--seed-only` or `demo.seedOnly`). */
  readonly seedOnly: boolean;
  /** `adminPin` from `--config`: the admin module makes it the PIN at start (hash only stored). */
  readonly configAdminPin?: string;
  /** The host's self-updater (the packaged Electron app only); none: updates are not applicable. */
  readonly updater?: Updater;
  /** Show something to the operator now (connections panel banner, inspector). */
  warn(message: string): void;
}

/** A module of the console: one upstream connector or one integration. */
export interface Module {
  readonly name: string;
  start(): void | Promise<void>;
  stop(): void | Promise<void>;
}

export type ModuleFactory = (ctx: CoreContext) => Module;
