import type { TestResult } from '../../contract';
import { LogsConfig } from '../../contract/logs';
import type { Settings } from '../../contract/settings';
import type { BackoffOptions } from '../../core/backoff';
import type { CoreContext, ModuleFactory } from '../../core/context';
import { DisposableStore, MutableDisposable } from '../../core/disposable';
import { underLink, type Link } from '../../core/lifecycle';
import { JobAlerts } from './alerts';
import { registerLogCommands } from './commands';
import { TOKEN } from './endpoints';
import { LogIngest } from './ingest';
import { JobBook } from './jobs';
import { StreamIds } from './stream-ids';
import { LogStreams } from './streams';
import { testConnection } from './test-connection';

/**
 * Seed 000's RPA log upstream. `direct`: one SSE stream `GET {url}/events/logs` with the global
 * JWT, shared by every job; lines are filtered by `job_id` here and fanned out. `proxy`: the
 * seed's Flask form, one stream per watched job `GET {url}/api/v2/logs-tempo-real/stream/<job>`
 * without auth. Resume with `Last-Event-ID`, dedupe by id, `retry:` honoured, idle timeout by
 * the shared Link. See docs/logs.md.
 *
 * This file only wires the parts together (the connector template, docs/architecture.md).
 */

export { isLogEvent, RpaEvent } from './events';
export { PROXY_PREFIX } from './endpoints';

export interface RpaLogsOptions {
  /** Summaries are coalesced to one publish per job per this period. */
  summaryMs?: number;
  saveMs?: number;
  silenceCheckMs?: number;
  fetch?: typeof fetch;
  backoff?: BackoffOptions;
}

/** What tests, the bench and the commands reach of a running connector. */
export interface RpaLogs {
  readonly book: JobBook;
  /** Counters for tests and the bench. */
  readonly stats: LogIngest['stats'];
  readonly currentLink: Link | null;
  checkSilence(now?: number): void;
  /** Seed 000's `teste-conexao` shape, for both forms. */
  test(): Promise<TestResult>;
}

export const rpaLogsModule: ModuleFactory = (ctx) => createRpaLogs(ctx).module;

export function createRpaLogs(ctx: CoreContext, options: RpaLogsOptions = {}) {
  const owned = new DisposableStore();
  const settings = () => ctx.effective().upstreams.rpaLogs;
  const readConfig = (): LogsConfig => {
    const parsed = LogsConfig.safeParse(ctx.settings.get().extra.logs ?? {});
    return parsed.success ? parsed.data : LogsConfig.parse({});
  };
  let config = readConfig();
  const save = () => {
    book.save();
    ids.save();
  };
  // Owned first, so disposed last: the book and stream ids are written after the link is gone.
  owned.defer(save);
  // The link is re-created when its address, form or idle timeout changes; the slot disposes the old one.
  const link = owned.add(new MutableDisposable<Link>());
  const current = () => link.value ?? null;

  const s = ctx.settings.get().upstreams.rpaLogs;
  const book = new JobBook(ctx.storage, { bufferLines: s.bufferLines, persistLines: config.persistLines, pinned: s.pinnedJobs });
  const ids = new StreamIds(ctx);
  const alerts = new JobAlerts(ctx, book, () => config);
  const ingest = new LogIngest(ctx, book, ids, alerts);
  const streams = new LogStreams({
    ctx,
    settings,
    ids,
    onMessage: (key, stream, message, session) => ingest.ingest(key, stream, message, session),
    fetch: options.fetch,
  });
  const test = () => testConnection(ctx, options.fetch);

  const createLink = () => {
    link.value = ctx.links.create({
      id: 'rpaLogs',
      url: () => settings().url,
      policy: settings,
      demo: () => ctx.isDemo('rpaLogs'),
      open: (session) => streams.open(session),
      close: () => undefined,
      test,
      idleTimeoutMs: settings().idleTimeoutMs,
      ...(options.backoff ? { backoff: options.backoff } : {}),
    });
    link.value.apply();
  };

  // A throw (a save that cannot write) restarts the link and is alerted, never ends the process.
  const every = (ms: number, work: () => void) => owned.interval(ms, underLink(current, work));

  const settingsChanged = (next: Settings, previous: Settings) => {
    const a = next.upstreams.rpaLogs;
    const b = previous.upstreams.rpaLogs;
    config = readConfig();
    book.persistLines = config.persistLines;
    book.setBufferLines(a.bufferLines);
    const pinsChanged = book.setPinned(a.pinnedJobs).length > 0;
    if (a.url !== b.url || a.mode !== b.mode || a.enabled !== b.enabled || a.idleTimeoutMs !== b.idleTimeoutMs) {
      if (a.url !== b.url) ids.forgetStreams();
      createLink();
    } else if (pinsChanged && a.mode === 'proxy') current()?.connect();
  };

  registerLogCommands(ctx.commands.ownedBy(owned), { ctx, book, streams, config: () => config, link: current });

  const module = {
    name: 'rpaLogs',
    start() {
      // Disposed newest first: timers and listeners, then the link; the book is saved last.
      owned.defer(ctx.settings.onChange(settingsChanged));
      owned.defer(ctx.secrets.onChange((name) => name === TOKEN && current()?.credentialsChanged()));
      every(options.summaryMs ?? 500, () => {
        for (const summary of book.takeDirty()) ctx.hub.publish('logs.jobs', summary);
      });
      every(options.saveMs ?? 1_000, save);
      every(options.silenceCheckMs ?? 15_000, () => alerts.checkSilence(Date.now()));
      createLink();
    },
    stop() {
      owned.dispose();
    },
  };

  const connector: RpaLogs = {
    book,
    stats: ingest.stats,
    get currentLink() {
      return current();
    },
    checkSilence: (now = Date.now()) => alerts.checkSilence(now),
    test,
  };
  return { module, connector };
}
