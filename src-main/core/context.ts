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
  /**
   * The seed-003 simulators (a webhook sink, the fiscal sender) when the webhooks run in demo
   * mode, else null. The composition passes them in: no module imports `demo/`.
   */
  readonly webhookSimulators: WebhookSimulators | null;
  /** Show something to the operator now (connections panel banner, inspector). */
  warn(message: string): void;
}

export type DemoTarget = 'rpaLogs' | 'keywordHub' | 'evolution' | 'dashboard';

/** A running simulator the core stops; what tests and demo mode need of it goes through `control`. */
export interface StoppableSimulator {
  readonly url: string;
  stop(): Promise<void>;
}

/** Seed 003's two ends, started by the integrations module in demo mode. */
export interface WebhookSimulators {
  startSink(options: { secret: string; scheme: 'standard' | 'simple'; seedOnly: boolean }): Promise<StoppableSimulator>;
  startSender(options: { targetUrl: string; secret: string; scheme: 'standard' | 'simple'; ratePerMin: number; seedOnly: boolean }): { stop(): Promise<void> };
}

/** The simulators of every upstream (`demo/`), as the core sees them. */
export interface DemoSimulators {
  readonly seedOnly: boolean;
  readonly urls: Record<DemoTarget, string>;
  readonly secrets: Record<string, string>;
  readonly webhooks: WebhookSimulators;
  control(target: DemoTarget, action: 'stop' | 'start' | 'restart' | 'drop'): Promise<void>;
  stop(): Promise<void>;
}

/** How the composition starts the simulators (`demo/index.ts`'s `startDemo`). */
export type StartDemo = (options: { secrets: Record<string, string | undefined>; seedOnly: boolean }) => Promise<DemoSimulators>;

/** A module of the console: one upstream connector or one integration. */
export interface Module {
  readonly name: string;
  start(): void | Promise<void>;
  stop(): void | Promise<void>;
}

export type ModuleFactory = (ctx: CoreContext) => Module;
