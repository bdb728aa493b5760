import type { LogsConfig } from '../../contract/logs';
import type { RaiseAlert } from '../../core/alerts';
import type { CoreContext } from '../../core/context';
import { preview } from '../validate';
import type { JobBook } from './jobs';

/** The alerts the RPA log module raises: token refused, a job's lines matching a rule, a job gone silent. */

const ALERT_EVERY_MS = 10_000;
const RANK = ['critical', 'high', 'medium', 'low', 'info'];

export const AUTH_ALERT_KEY = 'rpaLogs:auth';

/** `missing`: no token saved; otherwise the upstream refused it, `message` in its own words. */
export const authAlert = (message: string, missing = false): RaiseAlert => ({
  source: 'rpaLogs',
  severity: 'high',
  key: AUTH_ALERT_KEY,
  title: `Logs RPA: ${message}`,
  text: missing ? { key: 'logsNoToken', params: {} } : { key: 'logsAuth', params: { reason: message } },
  detail: 'Save a new global JWT (rpaLogs.token); the stream resumes by itself.',
  detailText: { key: 'logsAuth', params: {} },
  view: '/connections',
});

export class JobAlerts {
  private readonly lastAlert = new Map<string, { at: number; pending: number }>();

  constructor(
    private readonly ctx: CoreContext,
    private readonly book: JobBook,
    private readonly config: () => LogsConfig,
  ) {}

  /** A WARNING/ERROR/CRITICAL line: the most severe matching rule raises, at most once per ALERT_EVERY_MS per job and level (the rest counted in the next). */
  line(jobId: string, level: string, message: string, now: number): void {
    let severity: LogsConfig['rules'][number]['severity'] | null = null;
    for (const rule of this.config().rules) {
      if (!rule.enabled || (rule.level !== level && !(rule.level === 'ERROR' && level === 'CRITICAL')) || (rule.job !== '*' && rule.job !== jobId)) continue;
      if (severity === null || RANK.indexOf(rule.severity) < RANK.indexOf(severity)) severity = rule.severity;
    }
    if (severity === null) return;
    const key = `rpaLogs:job-${level.toLowerCase()}:${jobId}`;
    const last = this.lastAlert.get(key);
    if (last && now - last.at < ALERT_EVERY_MS) {
      last.pending++;
      return;
    }
    const more = last?.pending ?? 0;
    this.lastAlert.set(key, { at: now, pending: 0 });
    this.ctx.alerts.raise({
      source: 'rpaLogs',
      severity,
      key,
      title: `Job ${jobId}: ${level}`,
      detail: `${preview(message, 300)}${more > 0 ? ` (+${more})` : ''}`,
      ids: { job: jobId },
      view: `/logs?job=${encodeURIComponent(jobId)}`,
    });
  }

  /** Pinned jobs newly silent for the configured minutes raise an alert; those with lines again resolve it. */
  checkSilence(now: number): void {
    const minutes = this.config().silentMinutes;
    const { silent, back } = this.book.checkSilence(now, minutes * 60_000);
    for (const jobId of silent) {
      this.ctx.alerts.raise({
        source: 'rpaLogs',
        severity: 'medium',
        key: `rpaLogs:job-silent:${jobId}`,
        title: `Job ${jobId}: sem logs há ${minutes} min / silent for ${minutes} min`,
        text: { key: 'jobSilent', params: { job: jobId, minutes } },
        ids: { job: jobId },
        view: `/logs?job=${encodeURIComponent(jobId)}`,
      });
    }
    for (const jobId of back) this.ctx.alerts.resolve(`rpaLogs:job-silent:${jobId}`);
  }
}
