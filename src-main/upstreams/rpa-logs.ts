import type { TestResult } from '../contract';
import { LogsConfig } from '../contract/logs';
import type { CoreContext, Module, ModuleFactory } from '../core/context';
import type { BackoffOptions } from '../core/backoff';
import { underLink, type Link } from '../core/lifecycle';
import { JobAlerts } from './rpa-logs/alerts';
import { registerLogCommands } from './rpa-logs/commands';
import { TOKEN } from './rpa-logs/endpoints';
import { LogIngest } from './rpa-logs/ingest';
import { JobBook } from './rpa-logs/jobs';
import { StreamIds } from './rpa-logs/stream-ids';
import { LogStreams } from './rpa-logs/streams';
import { testConnection } from './rpa-logs/test-connection';

/**
 * Seed 000's RPA log upstream. `direct`: one SSE stream `GET {url}/events/logs` with the global
 * JWT, shared by every job; lines are filtered by `job_id` here and fanned out. `proxy`: the
 * seed's Flask form, one stream per watched job `GET {url}/api/v2/logs-tempo-real/stream/<job>`
 * without auth. Resume with `Last-Event-ID`, dedupe by id, `retry:` honoured, idle timeout by
 * the shared Link. See docs/logs.md.
 *
 * This file only wires the parts together; each lives in `rpa-logs/`.
 */

export { isLogEvent, RpaEvent } from './rpa-logs/events';
export { PROXY_PREFIX } from './rpa-logs/endpoints';

export interface RpaLogsOptions {
  /** Summaries are coalesced to one publish per job per this period. */
  summaryMs?: number;
  saveMs?: number;
  silenceCheckMs?: number;
  fetch?: typeof fetch;
  backoff?: BackoffOptions;
}

export class RpaLogs implements Module {
  readonly name = 'rpaLogs';
  readonly book: JobBook;
  /** Counters for tests and the bench. */
  readonly stats: LogIngest['stats'];
  private link: Link | null = null;
  private config: LogsConfig;
  private readonly ids: StreamIds;
  private readonly alerts: JobAlerts;
  private readonly streams: LogStreams;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly unsubscribe: Array<() => void> = [];

  constructor(
    private readonly ctx: CoreContext,
    private readonly options: RpaLogsOptions = {},
  ) {
    this.config = this.readConfig();
    const s = ctx.settings.get().upstreams.rpaLogs;
    this.book = new JobBook(ctx.storage, { bufferLines: s.bufferLines, persistLines: this.config.persistLines, pinned: s.pinnedJobs });
    this.ids = new StreamIds(ctx);
    this.alerts = new JobAlerts(ctx, this.book, () => this.config);
    const ingest = new LogIngest(ctx, this.book, this.ids, this.alerts);
    this.stats = ingest.stats;
    this.streams = new LogStreams({
      ctx,
      settings: () => this.settings(),
      ids: this.ids,
      onMessage: (key, stream, message, session) => ingest.ingest(key, stream, message, session),
      fetch: options.fetch,
    });
    registerLogCommands({ ctx, book: this.book, streams: this.streams, config: () => this.config, link: () => this.link });
  }

  start(): void {
    this.unsubscribe.push(
      this.ctx.settings.onChange((next, previous) => this.settingsChanged(next, previous)),
      this.ctx.secrets.onChange((name) => name === TOKEN && this.link?.retryAuth()),
    );
    this.every(this.options.summaryMs ?? 500, () => {
      for (const summary of this.book.takeDirty()) this.ctx.hub.publish('logs.jobs', summary);
    });
    this.every(this.options.saveMs ?? 1_000, () => this.save());
    this.every(this.options.silenceCheckMs ?? 15_000, () => this.checkSilence());
    this.createLink();
  }

  stop(): void {
    for (const timer of this.timers) clearInterval(timer);
    for (const off of this.unsubscribe) off();
    this.link?.dispose();
    this.save();
  }

  get currentLink(): Link | null {
    return this.link;
  }

  checkSilence(now = Date.now()): void {
    this.alerts.checkSilence(now);
  }

  /** Seed 000's `teste-conexao` shape, for both forms. */
  test(): Promise<TestResult> {
    return testConnection(this.ctx, this.options.fetch);
  }

  private every(ms: number, work: () => void): void {
    // A throw (a save that cannot write) restarts the link and is alerted, never ends the process.
    const timer = setInterval(underLink(() => this.link, work), ms);
    timer.unref();
    this.timers.push(timer);
  }

  private save(): void {
    this.book.save();
    this.ids.save();
  }

  private readConfig(): LogsConfig {
    const parsed = LogsConfig.safeParse(this.ctx.settings.get().extra.logs ?? {});
    return parsed.success ? parsed.data : LogsConfig.parse({});
  }

  private settings() {
    return this.ctx.effective().upstreams.rpaLogs;
  }

  private createLink(): void {
    const s = this.settings();
    this.link = this.ctx.links.create({
      id: 'rpaLogs',
      url: () => this.settings().url,
      demo: () => this.ctx.isDemo('rpaLogs'),
      open: (session) => this.streams.open(session),
      close: () => undefined,
      test: () => this.test(),
      idleTimeoutMs: s.idleTimeoutMs,
      ...(this.options.backoff ? { backoff: this.options.backoff } : {}),
    });
    if (s.enabled && s.url) this.link.connect();
    else this.link.disconnect(s.enabled ? 'unconfigured' : 'disabled');
  }

  private settingsChanged(next: ReturnType<CoreContext['settings']['get']>, previous: ReturnType<CoreContext['settings']['get']>): void {
    const a = next.upstreams.rpaLogs;
    const b = previous.upstreams.rpaLogs;
    this.config = this.readConfig();
    this.book.persistLines = this.config.persistLines;
    this.book.setBufferLines(a.bufferLines);
    const pinsChanged = this.book.setPinned(a.pinnedJobs).length > 0;
    if (a.url !== b.url || a.mode !== b.mode || a.enabled !== b.enabled || a.idleTimeoutMs !== b.idleTimeoutMs) {
      if (a.url !== b.url) this.ids.forgetStreams();
      this.createLink();
    } else if (pinsChanged && a.mode === 'proxy') this.link?.connect();
  }
}

export const rpaLogsModule: ModuleFactory = (ctx) => new RpaLogs(ctx);
