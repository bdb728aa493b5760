import type { EventSourceMessage } from 'eventsource-parser';
import type { CoreContext } from '../../core/context';
import type { LinkSession } from '../../core/lifecycle';
import { JournalBudget } from '../journal-budget';
import { parseUpstream, preview } from '../validate';
import type { JobAlerts } from './alerts';
import { isLogEvent, RpaEvent, toLogLine } from './events';
import type { JobBook } from './jobs';
import type { StreamIds, StreamState } from './stream-ids';

/** One SSE message at a time: validate, dedupe, file under its job, publish, journal, alert. */

/** System lines (greeting, upstream error) go to jobs active within this window, and to pinned ones. */
const SYSTEM_LINE_WINDOW_MS = 15 * 60_000;
const JOURNAL_PER_SEC = 100;

export class LogIngest {
  /** Counters for tests and the bench. */
  readonly stats = { events: 0, duplicates: 0, invalid: 0 };
  private readonly journalBudget = new JournalBudget(JOURNAL_PER_SEC, (n) =>
    this.ctx.journal.record({ upstream: 'rpaLogs', type: 'log.suppressed', level: 'info', ids: {}, summary: `${n} log lines not copied to the inspector (rate limit ${JOURNAL_PER_SEC}/s; all are in the job log view)`, raw: null }),
  );

  constructor(
    private readonly ctx: CoreContext,
    private readonly book: JobBook,
    private readonly ids: StreamIds,
    private readonly alerts: JobAlerts,
  ) {}

  ingest(key: string, stream: StreamState, message: EventSourceMessage, session: LinkSession): void {
    const parsed = parseUpstream(RpaEvent, message.data, isLogEvent);
    if (!parsed.ok) {
      this.stats.invalid++;
      session.error(`invalid log event: ${parsed.message}`);
      this.ctx.journal.record({ upstream: 'rpaLogs', type: 'invalid', level: 'error', ids: {}, summary: `invalid event: ${parsed.message}`, raw: preview(message.data, 2_000) });
      return;
    }
    const event = parsed.value;
    const jobless = event.type !== 'log';
    if (message.id && this.ids.duplicate(stream, key, message.id, jobless)) {
      this.stats.duplicates++;
      return;
    }
    this.stats.events++;
    session.event();
    const receivedAt = Date.now();
    const line = toLogLine(event, message.id ?? null, receivedAt);
    if (event.type === 'log') {
      this.ctx.hub.publish('logs.lines', this.book.add(event.job_id, line));
      if (event.level === 'ERROR' || event.level === 'WARNING' || event.level === 'CRITICAL') {
        this.journal(receivedAt, event.level === 'WARNING' ? 'warn' : 'error', `log.${event.level.toLowerCase()}`, event.job_id, `[${event.level}] ${event.message}`, event);
        this.alerts.line(event.job_id, event.level, event.message, receivedAt);
      }
      return;
    }
    // A system line: the stream's own job in proxy mode; in direct mode every active job.
    const targets = event.job_id ? [event.job_id] : key !== '*' ? [key] : this.book.activeJobs(receivedAt, SYSTEM_LINE_WINDOW_MS);
    for (const jobId of targets) this.ctx.hub.publish('logs.lines', this.book.add(jobId, { ...line }));
    this.journal(receivedAt, event.type === 'error' ? 'error' : 'info', event.type, targets.length === 1 ? targets[0] : undefined, event.message, event, true);
    if (event.type === 'error') session.error(`upstream: ${event.message}`);
  }

  /** Journal WARNING/ERROR lines and system events, at most JOURNAL_PER_SEC a second (the rest counted). */
  private journal(now: number, level: 'info' | 'warn' | 'error', type: string, job: string | undefined, summary: string, raw: unknown, always = false): void {
    if (!this.journalBudget.take(now, always)) return;
    this.ctx.journal.record({ upstream: 'rpaLogs', type, level, ids: job ? { job } : {}, summary, raw });
  }
}
