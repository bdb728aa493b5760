import { z } from 'zod';
import { AlertSettings } from './alerts';
import { KioskSettings } from './dashboard';
import { UpdateSettings } from './updates';

/**
 * The settings shape: what `--config FILE` holds (plus inline `secrets`), what the settings
 * file stores and what the renderer may read. It never contains a secret value.
 */
const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' });
const wsUrl = z.url({ protocol: /^(wss?|https?)$/, error: 'must be a ws://, wss://, http:// or https:// URL' });
const ms = (min: number, max: number) => z.number().int().min(min).max(max);

export const RpaLogsSettings = z.object({
  enabled: z.boolean().default(true),
  /** Base URL; empty means not configured (demo mode fills it in). */
  url: httpUrl.or(z.literal('')).default(''),
  /** `direct`: `{url}/events/logs` with the global JWT; `proxy`: the seed's `/api/v2/logs-tempo-real/…` form. */
  mode: z.enum(['direct', 'proxy']).default('direct'),
  idleTimeoutMs: ms(1_000, 600_000).default(45_000),
  bufferLines: z.number().int().min(1_000).max(1_000_000).default(100_000),
  pinnedJobs: z.array(z.string().min(1).max(200)).max(100).default([]),
});

export const KeywordHubSettings = z.object({
  enabled: z.boolean().default(true),
  url: wsUrl.or(z.literal('')).default(''),
  pingIntervalMs: ms(1_000, 300_000).default(15_000),
  requestTimeoutMs: ms(500, 120_000).default(10_000),
});

export const EvolutionSettings = z.object({
  enabled: z.boolean().default(true),
  url: httpUrl.or(z.literal('')).default(''),
  mode: z.enum(['global', 'instance', 'both']).default('global'),
  instances: z.array(z.string().min(1).max(100)).max(100).default([]),
  maxConnections: z.number().int().min(1).max(100).default(100),
  displayRateLimitPerMin: z.number().int().min(1).max(1_000_000).default(6_000),
});

export const DashboardSettings = z.object({
  enabled: z.boolean().default(true),
  url: wsUrl.or(z.literal('')).default(''),
  /** `Kiosk-XXXXX`, generated once and persisted; an admin may edit it. */
  clientId: z.string().regex(/^[A-Za-z0-9_-]{3,64}$/, 'letters, digits, - and _ only (3–64)').or(z.literal('')).default(''),
});

/** The built-in simulators (demo mode). */
export const DemoSettings = z.object({
  /**
   * Every simulator speaks exactly what its seed document describes and nothing of ours beyond it
   * (docs/configuration.md lists what each drops). Read when the simulators start.
   */
  seedOnly: z.boolean().default(false),
});

export const Settings = z.object({
  version: z.literal(1).default(1),
  language: z.enum(['auto', 'pt-BR', 'en']).default('auto'),
  upstreams: z
    .object({
      rpaLogs: RpaLogsSettings.prefault({}),
      keywordHub: KeywordHubSettings.prefault({}),
      evolution: EvolutionSettings.prefault({}),
      dashboard: DashboardSettings.prefault({}),
    })
    .prefault({}),
  /** Alert sounds, quiet hours, notifications (issue 5). */
  alerts: AlertSettings.prefault({}),
  /** Kiosk wallboards: playlists, pre-emption, autostart (issue 5). */
  kiosk: KioskSettings.prefault({}),
  /** Demo mode's simulators (`--seed-only` overrides `seedOnly` for one run). */
  demo: DemoSettings.prefault({}),
  /** Updates of the installed app from an admin-set folder (issue 14); off by default. */
  updates: UpdateSettings.prefault({}),
  /** Feature areas add their own sections; unknown keys are kept so a newer file is not damaged. */
  extra: z.record(z.string(), z.unknown()).default({}),
});
export type Settings = z.infer<typeof Settings>;

export const defaultSettings = (): Settings => Settings.parse({});

/** Secrets the console knows about; their values stay in main. */
export const secretNames = ['rpaLogs.token', 'keywordHub.token', 'evolution.apiKey', 'dashboard.token'] as const;

export const SecretStatus = z.object({
  name: z.string(),
  present: z.boolean(),
  /** e.g. `eyJh…x9Qk` — never enough to use. */
  masked: z.string(),
  backend: z.string(),
});
export type SecretStatus = z.infer<typeof SecretStatus>;
