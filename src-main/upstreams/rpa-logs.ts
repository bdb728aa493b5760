import type { EventSourceMessage } from 'eventsource-parser';
import { z } from 'zod';
import type { TestResult } from '../contract';
import { LogsConfig, type LogLine } from '../contract/logs';
import { CommandError } from '../core/commands';
import type { CoreContext, Module, ModuleFactory } from '../core/context';
import type { BackoffOptions } from './backoff';
import { AuthError, type Link, type LinkSession } from './lifecycle';
import { IdWindow } from './rpa-logs/id-window';
import { JobBook } from './rpa-logs/jobs';
import { openSse } from './rpa-logs/sse';
import { parseUpstream, preview } from './validate';
import { JournalBudget } from './journal-budget';

/**
 * Seed 000's RPA log upstream. `direct`: one SSE stream `GET {url}/events/logs` with the global
 * JWT, shared by every job; lines are filtered by `job_id` here and fanned out. `proxy`: the
 * seed's Flask form, one stream per watched job `GET {url}/api/v2/logs-tempo-real/stream/<job>`
 * without auth. Resume with `Last-Event-ID`, dedupe by id, `retry:` honoured, idle timeout by
 * the shared Link. See docs/logs.md.
 */

const LogEvent = z.looseObject({
  type: z.literal('log'),
  level: z.string().max(40),
  message: z.string(),
  job_id: z.string().min(1).max(200),
  operadora: z.string().nullish(),
  timestamp: z.string().nullish(),
  service: z.string().nullish(),
  logger: z.string().nullish(),
});
const SystemEvent = z.looseObject({
  type: z.enum(['connection', 'error']),
  message: z.string(),
  timestamp: z.string().nullish(),
  job_id: z.string().max(200).nullish(),
});
export const RpaEvent = z.discriminatedUnion('type', [LogEvent, SystemEvent]);
type RpaEvent = z.output<typeof RpaEvent>;
const KNOWN = new Set(['type', 'level', 'message', 'job_id', 'operadora', 'timestamp', 'service', 'logger']);

const nullishString = (v: unknown) => v === undefined || v === null || typeof v === 'string';
/**
 * `LogEvent`'s rules as plain checks, for the ingest hot path: zod allocates a result per field
 * and copies the object, a fifth of ingest time (plus its garbage) at 100,000+ lines/s.
 * Whatever this rejects (system events, bad lines) goes through `RpaEvent`, which words the
 * error. tests/unit/rpa-logs-ingest.test.ts holds the two equal.
 */
export function isLogEvent(raw: unknown): raw is RpaEvent {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return false;
  const e = raw as Record<string, unknown>;
  return (
    e.type === 'log' &&
    typeof e.level === 'string' &&
    e.level.length <= 40 &&
    typeof e.message === 'string' &&
    typeof e.job_id === 'string' &&
    e.job_id.length >= 1 &&
    e.job_id.length <= 200 &&
    nullishString(e.operadora) &&
    nullishString(e.timestamp) &&
    nullishString(e.service) &&
    nullishString(e.logger)
  );
}

export const PROXY_PREFIX = '/api/v2/logs-tempo-real';
const TOKEN = 'rpaLogs.token';
/** System lines (greeting, upstream error) go to jobs active within this window, and to pinned ones. */
const SYSTEM_LINE_WINDOW_MS = 15 * 60_000;
/** Ids remembered per stream (numeric) and overall (non-numeric) for dedupe beyond the order check. */
const RECENT_IDS = 20_000;
const JOURNAL_PER_SEC = 100;
const ALERT_EVERY_MS = 10_000;

interface StreamState {
  /** Last `id:` seen (what `Last-Event-ID` resumes from). */
  lastId: string | null;
  lastNum: number | null;
  /** No id'd event yet on the current connection. */
  fresh: boolean;
  /** Recent numeric ids delivered on this stream (tells a resume overlap from an id restart). */
  seen: IdWindow;
}

export interface RpaLogsOptions {
  /** Summaries are coalesced to one publish per job per this period. */
  summaryMs?: number;
  saveMs?: number;
  silenceCheckMs?: number;
  fetch?: typeof fetch;
  backoff?: BackoffOptions;
}

const numeric = (id: string): number => (id.length > 0 && id.length < 16 && /^\d+$/.test(id) ? Number(id) : NaN);
const trimSlash = (url: string) => url.replace(/\/+$/, '');

export class RpaLogs implements Module {
  readonly name = 'rpaLogs';
  readonly book: JobBook;
  private link: Link | null = null;
  private readonly streams = new Map<string, StreamState>();
  private readonly recent = new Set<string>();
  private readonly recentOrder: string[] = [];
  private recentHead = 0;
  private retryMs: number | null = null;
  private config: LogsConfig;
  private readonly watched = new Map<string, string[]>();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly lastAlert = new Map<string, { at: number; pending: number }>();
  private readonly journalBudget = new JournalBudget(JOURNAL_PER_SEC, (n) =>
    this.ctx.journal.record({ upstream: 'rpaLogs', type: 'log.suppressed', level: 'info', ids: {}, summary: `${n} log lines not copied to the inspector (rate limit ${JOURNAL_PER_SEC}/s; all are in the job log view)`, raw: null }),
  );
  private readonly unsubscribe: Array<() => void> = [];
  /** Counters for tests and the bench. */
  readonly stats = { events: 0, duplicates: 0, invalid: 0 };

  constructor(
    private readonly ctx: CoreContext,
    private readonly options: RpaLogsOptions = {},
  ) {
    this.config = this.readConfig();
    const s = ctx.settings.get().upstreams.rpaLogs;
    this.book = new JobBook(ctx.storage, { bufferLines: s.bufferLines, persistLines: this.config.persistLines, pinned: s.pinnedJobs });
    for (const [key, lastId] of Object.entries(ctx.storage.getJson<Record<string, string | null>>('logs.resume') ?? {})) {
      this.streams.set(key, { lastId, lastNum: lastId === null ? null : numeric(lastId) || null, fresh: true, seen: new IdWindow(RECENT_IDS) });
    }
    this.registerCommands();
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

  private every(ms: number, work: () => void): void {
    const timer = setInterval(work, ms);
    timer.unref();
    this.timers.push(timer);
  }

  private save(): void {
    this.book.save();
    const resume = Object.fromEntries([...this.streams].map(([key, s]) => [key, s.lastId]));
    this.ctx.storage.putJson('logs.resume', resume);
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
      open: (session) => this.open(session),
      close: () => undefined,
      test: () => this.test(),
      idleTimeoutMs: s.idleTimeoutMs,
      ...(this.options.backoff ? { backoff: this.options.backoff } : {}),
    });
    if (s.enabled && s.url) this.link.connect();
    else this.link.disconnect(s.enabled ? 'no URL configured' : 'disabled in settings');
  }

  private settingsChanged(next: ReturnType<CoreContext['settings']['get']>, previous: ReturnType<CoreContext['settings']['get']>): void {
    const a = next.upstreams.rpaLogs;
    const b = previous.upstreams.rpaLogs;
    this.config = this.readConfig();
    this.book.persistLines = this.config.persistLines;
    this.book.setBufferLines(a.bufferLines);
    const pinsChanged = this.book.setPinned(a.pinnedJobs).length > 0;
    if (a.url !== b.url || a.mode !== b.mode || a.enabled !== b.enabled || a.idleTimeoutMs !== b.idleTimeoutMs) {
      if (a.url !== b.url) this.streams.clear();
      this.createLink();
    } else if (pinsChanged && a.mode === 'proxy') this.link?.connect();
  }

  /** Jobs proxy mode streams: pinned ones and those open in any window. */
  private proxyJobs(): string[] {
    return [...new Set([...this.settings().pinnedJobs, ...[...this.watched.values()].flat()])].sort();
  }

  private async open(session: LinkSession): Promise<void> {
    const s = this.settings();
    const base = trimSlash(s.url);
    let specs: Array<{ key: string; url: string; headers: Record<string, string> }>;
    if (s.mode === 'direct') {
      const token = this.ctx.secrets.get(TOKEN);
      if (!token) {
        this.authFailed('Token JWT não configurado');
        throw new AuthError('Token JWT não configurado');
      }
      specs = [{ key: '*', url: `${base}/events/logs`, headers: { Authorization: `Bearer ${token}` } }];
    } else {
      specs = this.proxyJobs().map((job) => ({ key: job, url: `${base}${PROXY_PREFIX}/stream/${encodeURIComponent(job)}`, headers: {} }));
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
          let state = this.streams.get(spec.key);
          if (!state) this.streams.set(spec.key, (state = { lastId: null, lastNum: null, fresh: true, seen: new IdWindow(RECENT_IDS) }));
          state.fresh = true;
          const stream = state;
          return openSse({
            url: spec.url,
            session,
            headers: spec.headers,
            lastEventId: stream.lastId,
            fetch: this.options.fetch,
            onMessage: (message) => this.ingest(spec.key, stream, message, session),
            onId: (id) => {
              stream.lastId = id;
              if (id === '') stream.lastNum = null;
            },
            onRetry: (ms) => (this.retryMs = ms),
            onEnd: (reason) => session.lost(reason, this.retryMs !== null ? { retryAfterMs: this.retryMs } : undefined),
          });
        }),
      );
    } catch (error) {
      if (error instanceof AuthError) this.authFailed(error.message);
      throw error;
    }
    session.latency(Date.now() - started);
    this.ctx.alerts.resolve('rpaLogs:auth');
  }

  private authFailed(message: string): void {
    this.ctx.alerts.raise({
      source: 'rpaLogs',
      severity: 'high',
      key: 'rpaLogs:auth',
      title: `Logs RPA: ${message}`,
      detail: 'Salve um novo token JWT global (rpaLogs.token); o stream volta sozinho. / Save a new global JWT (rpaLogs.token); the stream resumes by itself.',
      view: '/connections',
    });
    this.ctx.journal.record({ upstream: 'rpaLogs', type: 'auth-failed', level: 'error', ids: {}, summary: message, raw: null });
  }

  /** True when this id was delivered before (resume overlap, a replayed jobless event). */
  private duplicate(stream: StreamState, key: string, id: string, jobless: boolean): boolean {
    const n = numeric(id);
    if (Number.isNaN(n)) {
      stream.fresh = false;
      const seen = `${key}\u0000${id}`;
      if (this.recent.has(seen)) return true;
      this.remember(seen);
      return false;
    }
    if (stream.fresh) {
      stream.fresh = false;
      if (stream.lastNum !== null && n <= stream.lastNum && !stream.seen.has(n)) {
        // Ids went backwards to one never seen: the upstream restarted its numbering.
        this.ctx.journal.record({ upstream: 'rpaLogs', type: 'ids-restarted', level: 'warn', ids: {}, summary: `upstream event ids restarted (${stream.lastNum} → ${n})`, raw: null });
        stream.lastNum = null;
        this.forgetIds();
      }
    }
    if (stream.lastNum !== null && n <= stream.lastNum) return true;
    stream.lastNum = n;
    // After an empty `id:` cleared lastNum, only the window knows a replayed jobless event.
    if (jobless && stream.seen.has(n)) return true;
    stream.seen.add(n);
    return false;
  }

  private forgetIds(): void {
    for (const s of this.streams.values()) s.seen.clear();
    this.recent.clear();
    this.recentOrder.length = 0;
    this.recentHead = 0;
  }

  /** Non-numeric ids, shared by every stream (keyed with the stream). */
  private remember(id: string): void {
    if (this.recentOrder.length < RECENT_IDS) this.recentOrder.push(id);
    else {
      this.recent.delete(this.recentOrder[this.recentHead]!);
      this.recentOrder[this.recentHead] = id;
      this.recentHead = (this.recentHead + 1) % RECENT_IDS;
    }
    this.recent.add(id);
  }

  /** One SSE message: validate, dedupe, file under its job, publish, journal, alert. */
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
    if (message.id && this.duplicate(stream, key, message.id, jobless)) {
      this.stats.duplicates++;
      return;
    }
    this.stats.events++;
    session.event();
    const receivedAt = Date.now();
    let extra: Record<string, unknown> | null = null;
    // `__proto__` is dropped, as zod drops it (assigning it would set extra's prototype).
    for (const k in event) if (!KNOWN.has(k) && k !== '__proto__') (extra ??= {})[k] = (event as Record<string, unknown>)[k];
    // Built once and kept as is by the ring, the hub and the disk writer (no per-stage copies).
    const line: LogLine = {
      jobId: '',
      seq: 0,
      id: message.id ?? null,
      receivedAt,
      kind: event.type,
      level: event.type === 'log' ? event.level : '',
      message: event.message,
      operadora: (event.type === 'log' && event.operadora) || '',
      service: (event.type === 'log' && event.service) || '',
      logger: (event.type === 'log' && event.logger) || '',
      timestamp: event.timestamp ?? '',
      extra: extra ?? EMPTY,
    };
    if (event.type === 'log') {
      this.ctx.hub.publish('logs.lines', this.book.add(event.job_id, line));
      if (event.level === 'ERROR' || event.level === 'WARNING' || event.level === 'CRITICAL') {
        this.journal(receivedAt, event.level === 'WARNING' ? 'warn' : 'error', `log.${event.level.toLowerCase()}`, event.job_id, `[${event.level}] ${event.message}`, event);
        this.alertFor(event.job_id, event.level, event.message, receivedAt);
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

  private alertFor(jobId: string, level: string, message: string, now: number): void {
    let severity: LogsConfig['rules'][number]['severity'] | null = null;
    const rank = ['critical', 'high', 'medium', 'low', 'info'];
    for (const rule of this.config.rules) {
      if (!rule.enabled || (rule.level !== level && !(rule.level === 'ERROR' && level === 'CRITICAL')) || (rule.job !== '*' && rule.job !== jobId)) continue;
      if (severity === null || rank.indexOf(rule.severity) < rank.indexOf(severity)) severity = rule.severity;
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

  checkSilence(now = Date.now()): void {
    const minutes = this.config.silentMinutes;
    const { silent, back } = this.book.checkSilence(now, minutes * 60_000);
    for (const jobId of silent) {
      this.ctx.alerts.raise({
        source: 'rpaLogs',
        severity: 'medium',
        key: `rpaLogs:job-silent:${jobId}`,
        title: `Job ${jobId}: sem logs há ${minutes} min / silent for ${minutes} min`,
        ids: { job: jobId },
        view: `/logs?job=${encodeURIComponent(jobId)}`,
      });
    }
    for (const jobId of back) this.ctx.alerts.resolve(`rpaLogs:job-silent:${jobId}`);
  }

  /** Seed 000's `teste-conexao` shape, for both forms. */
  async test(): Promise<TestResult> {
    const s = this.settings();
    const base = trimSlash(s.url);
    if (!base) return { success: false, message: 'URL da API de logs não configurada', status_code: 0, token_status: 'n/a' };
    const doFetch = this.options.fetch ?? fetch;
    try {
      if (s.mode === 'proxy') {
        const res = await doFetch(`${base}${PROXY_PREFIX}/teste-conexao`, { signal: AbortSignal.timeout(10_000) });
        const body = (await res.json().catch(() => null)) as Partial<TestResult> | null;
        return {
          success: res.ok && body?.success !== false,
          message: typeof body?.message === 'string' ? body.message : `HTTP ${res.status}`,
          status_code: typeof body?.status_code === 'number' ? body.status_code : res.status,
          token_status: typeof body?.token_status === 'string' ? body.token_status : 'n/a',
        };
      }
      const token = this.ctx.secrets.get(TOKEN);
      if (!token) return { success: false, message: 'Token JWT não configurado', status_code: 401, token_status: 'Token JWT não configurado' };
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), 10_000);
      try {
        const res = await doFetch(`${base}/events/logs`, { headers: { Authorization: `Bearer ${token}`, Accept: 'text/event-stream' }, signal: controller.signal });
        const ok = res.status === 200 && /text\/event-stream/i.test(res.headers.get('content-type') ?? '');
        let detail = '';
        if (!ok) detail = await res.text().then((t) => { try { return String((JSON.parse(t) as { error?: string }).error ?? t); } catch { return t; } }, () => '');
        return {
          success: ok,
          message: ok ? 'Conexão com API externa de logs estabelecida com sucesso' : detail.slice(0, 200) || `HTTP ${res.status}`,
          status_code: res.status,
          token_status: res.status === 401 || res.status === 403 ? detail.slice(0, 200) || 'Token JWT expirado ou inválido' : 'Token JWT global válido',
        };
      } finally {
        clearTimeout(timer);
        controller.abort();
      }
    } catch (error) {
      const e = error as { message?: string; cause?: { code?: string } };
      return { success: false, message: `Erro de conexão: ${e.cause?.code ?? e.message ?? String(error)}`, status_code: 0, token_status: 'desconhecido' };
    }
  }

  private registerCommands(): void {
    const { commands, settings } = this.ctx;
    commands.handle('logs.jobs', () => this.book.list());
    commands.handle('logs.page', ({ jobId, beforeSeq, limit }) => this.book.page(jobId, beforeSeq, limit));
    const setPins = (change: (pins: string[]) => string[]) => {
      settings.patch((current) => {
        const pins = change(current.upstreams.rpaLogs.pinnedJobs);
        if (pins.length > 100) throw new CommandError('invalid-argument', 'at most 100 pinned jobs');
        current.upstreams.rpaLogs.pinnedJobs = pins;
        return current;
      });
      return { ok: true as const };
    };
    commands.handle('logs.pin', ({ jobId }) => setPins((pins) => [...new Set([...pins, jobId])]));
    commands.handle('logs.unpin', ({ jobId }) => setPins((pins) => pins.filter((p) => p !== jobId)));
    commands.handle('logs.watch', ({ jobIds }, caller) => {
      const before = this.proxyJobs().join('\n');
      this.watched.delete(caller.session);
      if (jobIds.length) this.watched.set(caller.session, [...new Set(jobIds)]);
      while (this.watched.size > 50) this.watched.delete(this.watched.keys().next().value!);
      if (this.settings().mode === 'proxy' && this.proxyJobs().join('\n') !== before && this.link?.currentState !== 'stopped') this.link?.connect();
      return { ok: true as const };
    });
    commands.handle('logs.config', () => this.config);
    commands.handle('logs.configure', (next) => {
      settings.patch((current) => ({ ...current, extra: { ...current.extra, logs: next } }));
      return this.config;
    });
  }
}

const EMPTY: Record<string, unknown> = Object.freeze({}) as Record<string, unknown>;

export const rpaLogsModule: ModuleFactory = (ctx) => new RpaLogs(ctx);
