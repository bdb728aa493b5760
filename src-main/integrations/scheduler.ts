import type { DailySummary, IntegrationSettings, RetentionResult, ScheduleStatus } from '../contract/integrations';
import type { Storage } from '../core/storage';

/**
 * Scheduled jobs: retention clean-up and the daily summary, each at a local time of day.
 * A minute tick compares the most recent scheduled time with the last run (kept in SQLite),
 * so a job missed while the console was off runs once at the next start, never twice.
 */

export type ScheduleSettings = IntegrationSettings['schedule'];

const DAY = 86_400_000;

/** The most recent local time `hh:mm` at or before `now`. */
export function lastOccurrence(hhmm: string, now: number): number {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  const d = new Date(now);
  d.setHours(h, m, 0, 0);
  if (d.getTime() > now) d.setDate(d.getDate() - 1);
  return d.getTime();
}

export function nextOccurrence(hhmm: string, now: number): number {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  const d = new Date(now);
  d.setHours(h, m, 0, 0);
  if (d.getTime() <= now) d.setDate(d.getDate() + 1);
  return d.getTime();
}

export interface SchedulerOptions {
  storage: Storage;
  settings: () => ScheduleSettings;
  now?: () => number;
  /** Delete what is older than the cut-offs; return counts. */
  retention(cutoffs: { deliveryLog: number; history: number; keepErrors: boolean }, now: number): Omit<RetentionResult, 'at'>;
  /** Count activity in [from, to). */
  summary(from: number, to: number): Omit<DailySummary, 'at' | 'from' | 'to' | 'sent'>;
  onRetention?(result: RetentionResult): void;
  /** Publish it; `send` is whether it had activity worth sending to webhooks. */
  onSummary?(summary: DailySummary): void;
}

export class Scheduler {
  private timer: NodeJS.Timeout | null = null;
  private readonly now: () => number;

  constructor(private readonly options: SchedulerOptions) {
    this.now = options.now ?? Date.now;
  }

  start(): void {
    const now = this.now();
    // First start ever: nothing is "missed" yet.
    if (this.last('retention') === null) this.options.storage.putJson('integrations.schedule.retention', now);
    if (this.last('summary') === null) this.options.storage.putJson('integrations.schedule.summary', now);
    this.tick();
    this.timer = setInterval(() => this.tick(), 60_000);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Run whatever is due (called every minute). */
  tick(): void {
    const now = this.now();
    const s = this.options.settings();
    if (lastOccurrence(s.retentionAt, now) > (this.last('retention') ?? now)) this.runRetention();
    if (s.summaryEnabled && lastOccurrence(s.summaryAt, now) > (this.last('summary') ?? now)) this.runSummary();
  }

  runRetention(): RetentionResult {
    const now = this.now();
    const s = this.options.settings();
    const counts = this.options.retention({ deliveryLog: now - s.deliveryLogDays * DAY, history: now - s.historyDays * DAY, keepErrors: s.keepErrors }, now);
    const result: RetentionResult = { at: now, ...counts };
    this.options.storage.putJson('integrations.schedule.retention', now);
    this.options.storage.putJson('integrations.schedule.lastRetention', result);
    this.options.onRetention?.(result);
    return result;
  }

  /** The previous 24 hours up to now. */
  runSummary(): DailySummary {
    const now = this.now();
    const from = now - DAY;
    const counts = this.options.summary(from, now);
    const activity =
      Object.values(counts.eventsByUpstream).some((n) => n > 0) ||
      Object.values(counts.alertsBySeverity).some((n) => n > 0) ||
      counts.deliveries.succeeded + counts.deliveries.failed > 0 ||
      counts.inbound > 0;
    const summary: DailySummary = { at: now, from, to: now, ...counts, sent: activity };
    this.options.storage.putJson('integrations.schedule.summary', now);
    this.options.storage.putJson('integrations.schedule.lastSummary', summary);
    this.options.onSummary?.(summary);
    return summary;
  }

  status(): ScheduleStatus {
    const s = this.options.settings();
    const now = this.now();
    return {
      nextRetentionAt: nextOccurrence(s.retentionAt, now),
      nextSummaryAt: s.summaryEnabled ? nextOccurrence(s.summaryAt, now) : null,
      lastRetention: this.options.storage.getJson<RetentionResult>('integrations.schedule.lastRetention') ?? null,
      lastSummary: this.options.storage.getJson<DailySummary>('integrations.schedule.lastSummary') ?? null,
    };
  }

  private last(job: 'retention' | 'summary'): number | null {
    return this.options.storage.getJson<number>(`integrations.schedule.${job}`) ?? null;
  }
}
