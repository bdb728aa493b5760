import type { EventSourceMessage } from 'eventsource-parser';
import type { CoreContext } from '../../core/context';
import { AuthError, type LinkSession } from '../../core/lifecycle';
import { authAlert, AUTH_ALERT_KEY } from './alerts';
import { PROXY_PREFIX, TOKEN, trimSlash, type RpaLogsSettings } from './endpoints';
import { openSse } from './sse';
import type { StreamIds, StreamState } from './stream-ids';

/**
 * The SSE streams of one Link session: `direct` one shared stream with the global JWT; `proxy`
 * one per watched job — pinned ones and those open in any window (`watch`).
 */

/**
 * `retry:` is the server's hint for the reconnect delay (WHATWG); honoured up to a minute, so
 * a stray or hostile value (`retry: 99999999999`) cannot keep the console away for days.
 */
export const RETRY_HINT_MAX_MS = 60_000;

export interface LogStreamsOptions {
  ctx: CoreContext;
  settings: () => RpaLogsSettings;
  ids: StreamIds;
  onMessage: (key: string, stream: StreamState, message: EventSourceMessage, session: LinkSession) => void;
  fetch?: typeof fetch;
}

export class LogStreams {
  /** Jobs open per window (bridge session). */
  private readonly watched = new Map<string, string[]>();
  private retryMs: number | null = null;

  constructor(private readonly options: LogStreamsOptions) {}

  /** Jobs proxy mode streams: pinned ones and those open in any window. */
  jobs(): string[] {
    return [...new Set([...this.options.settings().pinnedJobs, ...[...this.watched.values()].flat()])].sort();
  }

  /** The jobs a window has open now; true when that changes the jobs proxy mode streams. */
  watch(session: string, jobIds: string[]): boolean {
    const before = this.jobs().join('\n');
    this.watched.delete(session);
    if (jobIds.length) this.watched.set(session, [...new Set(jobIds)]);
    while (this.watched.size > 50) this.watched.delete(this.watched.keys().next().value!);
    return this.jobs().join('\n') !== before;
  }

  async open(session: LinkSession): Promise<void> {
    const { ctx, ids } = this.options;
    const s = this.options.settings();
    const base = trimSlash(s.url);
    let specs: Array<{ key: string; url: string; headers: Record<string, string> }>;
    if (s.mode === 'direct') {
      const token = ctx.secrets.get(TOKEN);
      if (!token) {
        this.authFailed('global JWT not configured', true);
        throw new AuthError('global JWT not configured');
      }
      specs = [{ key: '*', url: `${base}/events/logs`, headers: { Authorization: `Bearer ${token}` } }];
    } else {
      specs = this.jobs().map((job) => ({ key: job, url: `${base}${PROXY_PREFIX}/stream/${encodeURIComponent(job)}`, headers: {} }));
      if (specs.length === 0) {
        // Nothing to watch: stay "open" without a stream; keep the idle detector quiet.
        const keepalive = setInterval(() => session.activity(), 1_000);
        session.signal.addEventListener('abort', () => clearInterval(keepalive), { once: true });
        return;
      }
    }
    const started = Date.now();
    try {
      await Promise.all(
        specs.map((spec) => {
          const stream = ids.connecting(spec.key);
          return openSse({
            url: spec.url,
            session,
            headers: spec.headers,
            lastEventId: stream.lastId,
            fetch: this.options.fetch,
            onMessage: session.guard((message: EventSourceMessage) => this.options.onMessage(spec.key, stream, message, session)),
            onId: session.guard((id: string) => ids.setLastId(stream, id)),
            onRetry: (ms) => (this.retryMs = Math.min(ms, RETRY_HINT_MAX_MS)),
            onEnd: (reason) => session.lost(reason, this.retryMs !== null ? { retryAfterMs: this.retryMs } : undefined),
          });
        }),
      );
    } catch (error) {
      if (error instanceof AuthError) this.authFailed(error.message);
      throw error;
    }
    session.latency(Date.now() - started);
    ctx.alerts.resolve(AUTH_ALERT_KEY);
  }

  private authFailed(message: string, missing = false): void {
    this.options.ctx.alerts.raise(authAlert(message, missing));
    this.options.ctx.journal.record({ upstream: 'rpaLogs', type: 'auth-failed', level: 'error', ids: {}, summary: message, raw: null });
  }
}
