import type { Settings } from '../../contract/settings';
import type { CoreContext } from '../../core/context';
import type { BackoffOptions } from '../../core/backoff';
import type { TimerGuard } from '../../core/lifecycle';
import type { EvolutionAlerts } from './alerts';
import type { EvolutionAuth } from './auth';
import type { InstanceBook } from './book';
import type { ClockEstimator } from './clock';
import type { EvolutionConfig } from './config';
import type { EventHistory } from './history';
import type { Ingest } from './ingest';
import type { InstanceList } from './instances';
import type { EvolutionLinks } from './links';
import type { Metrics } from './metrics';
import type { Namespaces } from './namespaces';
import type { Probes } from './probes';
import type { EvolutionRest } from './rest';
import type { EvolutionStatus } from './status';

/**
 * The parts of one Evolution connector, built once by the `Evolution` class
 * (src-main/upstreams/evolution.ts); each part takes the few others it needs with `Pick`.
 */

/** The API key's name in the secret store (read in main only). */
export const API_KEY = 'evolution.apiKey';

export interface EvolutionOptions {
  backoff?: BackoffOptions;
  /** Backoff of per-instance namespaces (late namespaces retry at this pace). */
  namespaceBackoff?: BackoffOptions;
  fetch?: typeof fetch;
  instancesMs?: number;
  metricsMs?: number;
  /** Periodic `fetchInstances` (0: only on demand and on instance events). */
  refreshMs?: number;
  historyFlushMs?: number;
  connectTimeoutMs?: number;
}

/** Counters for tests and the bench. */
export interface EvolutionStats {
  accepted: number;
  duplicates: number;
  invalid: number;
  journalSuppressed: number;
}

export interface EvolutionParts {
  ctx: CoreContext;
  options: EvolutionOptions;
  /** `upstreams.evolution` as in effect (demo URL filled in). */
  settings: () => Settings['upstreams']['evolution'];
  /** The mode listens on `/` (global, both). */
  usesGlobal: () => boolean;
  /** The mode listens on `/{instance}` (instance, both). */
  usesInstances: () => boolean;
  /** True once the module is stopping: nothing new is started. */
  isStopped: () => boolean;
  /** For the parts' own timers: a throw restarts the main link (`linkGuard`), never the process. */
  guard: TimerGuard;
  stats: EvolutionStats;
  book: InstanceBook;
  metrics: Metrics;
  clock: ClockEstimator;
  history: EventHistory;
  rest: EvolutionRest;
  config: EvolutionConfig;
  alerts: EvolutionAlerts;
  auth: EvolutionAuth;
  namespaces: Namespaces;
  links: EvolutionLinks;
  instances: InstanceList;
  ingest: Ingest;
  probes: Probes;
  status: EvolutionStatus;
}
