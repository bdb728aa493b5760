import type { Settings } from '../../contract/settings';
import type { BackoffOptions } from '../../core/backoff';

/** The Evolution connector's options, settings and counters, shared by its parts (index.ts wires them). */

/** `upstreams.evolution` as in effect (demo URL filled in). */
export type EvolutionSettings = () => Settings['upstreams']['evolution'];

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
