import type { DeliveryQueue, DeliveryRow, Outcome } from '../delivery-queue';
import type { Verdict } from './attempt';
import type { StoredWebhook } from './definitions';

/**
 * What an attempt's verdict does to its delivery and to its endpoint: the retry schedule with
 * jitter, the probe while an endpoint is unreachable, the slow-down hold after 429/502/504,
 * and disabling after a 410 or a failing span longer than `disableAfterHours`. Holds apply to
 * the whole endpoint, so deliveries enqueued while one lasts wait behind it too.
 */

/** Standard Webhooks' schedule: immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h. */
export const RETRY_SCHEDULE_MS = [0, 5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000] as const;
/** ± this share of each delay, so many endpoints failing together do not retry in lockstep. */
export const JITTER = 0.1;
/** Unreachable endpoint (no HTTP answer): probe again after 5 s, doubling, at most 60 s. */
export const PROBE_MS = { first: 5_000, max: 60_000 } as const;

/** A verdict, or `fatal`: the attempt could not even be made (no event, no secret). */
export type SettleKind = Verdict['kind'] | 'fatal';

export interface Judgement {
  outcome: Outcome;
  /** The webhook as it should now be stored; the same object when nothing changed. */
  next: StoredWebhook;
}

export class EndpointHealth {
  private readonly probe = new Map<string, number>();
  /** Slow-down / offline holds per endpoint: new deliveries wait behind them too. */
  private readonly holdUntil = new Map<string, number>();

  constructor(
    private readonly queue: DeliveryQueue,
    private readonly random: () => number,
    private readonly disableAfterHours: () => number,
  ) {}

  /** New deliveries of an endpoint under a hold are due when the hold ends, not now. */
  holdNew(webhookId: string, rows: DeliveryRow[], now: number): void {
    const until = this.holdUntil.get(webhookId);
    if (until === undefined || until <= now) return;
    this.queue.hold(webhookId, until);
    for (const r of rows) if (r.webhookId === webhookId) r.nextAt = until;
  }

  judge(hook: StoredWebhook, row: DeliveryRow, attempt: { status: number | null; error: string | null }, kind: SettleKind, slowDownMs: number | null, now: number): Judgement {
    if (kind === 'ok') {
      this.holdUntil.delete(hook.id);
      if (hook.unreachable) {
        this.probe.delete(hook.id);
        this.queue.release(hook.id, now); // the network is back: everything waiting goes now
      }
      const outcome: Outcome = { state: 'succeeded', nextAt: null, failures: row.failures, status: attempt.status, error: null };
      return { outcome, next: hook.failingSince !== null || hook.unreachable ? { ...hook, failingSince: null, unreachable: false } : hook };
    }
    if (kind === 'gone') {
      const outcome: Outcome = { state: 'failed', nextAt: null, failures: row.failures + 1, status: attempt.status, error: attempt.error };
      return { outcome, next: { ...hook, enabled: false, disabledReason: 'gone (HTTP 410)' } };
    }
    if (kind === 'unreachable') {
      // Offline: not a failure of the endpoint; wait and probe, without spending the schedule.
      const wait = Math.min(PROBE_MS.max, this.probe.get(hook.id) ?? PROBE_MS.first);
      this.probe.set(hook.id, wait * 2);
      this.queue.hold(hook.id, now + wait);
      this.holdUntil.set(hook.id, now + wait);
      const outcome: Outcome = { state: 'pending', nextAt: now + wait, failures: row.failures, status: null, error: attempt.error };
      return { outcome, next: hook.unreachable ? hook : { ...hook, unreachable: true } };
    }
    const failures = row.failures + 1;
    const exhausted = kind === 'fatal' || failures >= RETRY_SCHEDULE_MS.length;
    const delay = exhausted ? 0 : this.jitter(RETRY_SCHEDULE_MS[failures]!);
    const nextAt = exhausted ? null : now + Math.max(delay, slowDownMs ?? 0);
    const outcome: Outcome = { state: exhausted ? 'failed' : 'pending', nextAt, failures, status: attempt.status, error: attempt.error };
    const failingSince = hook.failingSince ?? now;
    let next: StoredWebhook = { ...hook, failingSince, unreachable: false };
    if (slowDownMs !== null) {
      this.queue.hold(hook.id, now + slowDownMs);
      this.holdUntil.set(hook.id, now + slowDownMs);
    }
    const spanMs = this.disableAfterHours() * 3_600_000;
    if (now - failingSince >= spanMs) next = { ...next, enabled: false, disabledReason: `failing for ${Math.round((now - failingSince) / 60_000)} min` };
    return { outcome, next };
  }

  private jitter(ms: number): number {
    return ms === 0 ? 0 : Math.round(ms * (1 - JITTER + 2 * JITTER * this.random()));
  }
}
