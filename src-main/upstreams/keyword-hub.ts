import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { z } from 'zod';
import type { Severity, TestResult } from '../contract';
import {
  Cluster,
  Execution,
  HubNotification,
  MonitorConfig,
  NotificationPrefs,
  isTerminal,
  monitorMetrics,
  type ExecAction,
  type ExecStatus,
  type ExecutionsState,
  type HubError,
  type HubHealth,
  type HubStatus,
  type Keyword,
  type MetricSample,
  type QueuedCommand,
  type StartInput,
} from '../contract/keyword-hub';
import { CommandError } from '../core/commands';
import type { CoreContext, ModuleFactory } from '../core/context';
import { AuthError, type Link, type LinkSession } from './lifecycle';
import { acceptUpdate, checkAction } from './keyword-hub/state-machine';
import { ListItem, isServerEvent, serverEvents, type ServerEvent } from './keyword-hub/wire';
import { preview } from './validate';
import { openWebSocket } from './ws-link';

/**
 * Seed 001's keyword hub over WebSocket. Main sends the Bearer token on the upgrade, wraps every
 * client event in `{event, data, timestamp}` with a unique `request_id`, matches replies by that
 * id (timeout → CommandError 'timeout'), enforces the execution state machine, pings with
 * SESSAO_PING (latency, dead link), re-synchronises after every connect (EXECUCAO_LISTAR, then
 * EXECUCAO_STATUS as fallback) and keeps commands given offline in a durable queue that is sent
 * once on reconnect or expires. Executions, keywords and clusters live in SQLite.
 */

const CLIENT_EVENT: Record<ExecAction, string> = { pausar: 'EXECUCAO_PAUSAR', resumir: 'EXECUCAO_RESUMIR', cancelar: 'EXECUCAO_CANCELAR' };
const MAX_NOTIFICATIONS = 200;
const MAX_METRICS = 3_600;
const MAX_KEYWORDS_PER_EXECUTION = 20_000;
const MAX_EXECUTIONS = 500;
/** High-rate events copied to the journal per second (status changes, errors and alerts always are). */
const JOURNAL_PER_SEC = 100;

/** `settings.extra.keywordHub`: knobs without a place in the shared settings schema. */
const ExtraSettings = z.object({
  /** How long a command given offline waits for the link before it expires. */
  queueTtlMs: z.number().int().min(1_000).max(24 * 3600_000).default(10 * 60_000),
});

export interface KeywordHubOptions {
  /** Clock for queue expiry (tests). */
  now?: () => number;
}

interface Pending {
  event: string;
  resolve(reply: { event: ServerEvent; data: Record<string, unknown> }): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout | null;
  executionId: string | null;
  action: ExecAction | null;
  start: StartInput | null;
  frame: string;
}

const severityOf = (nivel: string): Severity => {
  const n = nivel.toLowerCase();
  if (n === 'critical' || n === 'critico' || n === 'crítico') return 'critical';
  if (n === 'error' || n === 'erro' || n === 'high') return 'high';
  if (n === 'warning' || n === 'aviso' || n === 'warn') return 'medium';
  if (n === 'low') return 'low';
  return 'info';
};

const httpOnly = (url: string | undefined | null): string | null => {
  if (!url) return null;
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
};

const codeFor = (codigo: string, control: boolean): CommandError['code'] => {
  switch (codigo) {
    case 'VALIDATION_ERROR':
      return control ? 'conflict' : 'invalid-argument';
    case 'PERMISSION_ERROR':
    case 'AUTHENTICATION_ERROR':
      return 'forbidden';
    case 'TIMEOUT_ERROR':
      return 'timeout';
    default:
      return 'unavailable';
  }
};

let reqCounter = 0;
export const newRequestId = (): string => `req_${Date.now().toString(36)}_${(++reqCounter).toString(36)}_${randomBytes(3).toString('hex')}`;

export const keywordHubModule: ModuleFactory = (ctx) => createKeywordHub(ctx).module;

export function createKeywordHub(ctx: CoreContext, options: KeywordHubOptions = {}) {
  const now = options.now ?? Date.now;
  const settings = () => ctx.effective().upstreams.keywordHub;
  const extra = () => ExtraSettings.parse((ctx.settings.get().extra as Record<string, unknown>).keywordHub ?? {});

  ctx.storage.migrate('keywordHub', [
    `CREATE TABLE kh_executions (id TEXT PRIMARY KEY, updated_at INTEGER NOT NULL, body TEXT NOT NULL);
     CREATE TABLE kh_keywords (seq INTEGER PRIMARY KEY AUTOINCREMENT, execution_id TEXT NOT NULL, body TEXT NOT NULL);
     CREATE INDEX kh_keywords_exec ON kh_keywords(execution_id, seq);
     CREATE TABLE kh_clusters (execution_id TEXT NOT NULL, id TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (execution_id, id));
     CREATE TABLE kh_queue (request_id TEXT PRIMARY KEY, event TEXT NOT NULL, data TEXT NOT NULL, execution_id TEXT, summary TEXT NOT NULL,
       queued_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, state TEXT NOT NULL, sent_at INTEGER, note TEXT);`,
  ]);
  const db = ctx.storage.db;

  // ---- state -------------------------------------------------------------------------------
  const executions = new Map<string, Execution>();
  for (const row of db.prepare('SELECT body FROM kh_executions ORDER BY updated_at').all() as Array<{ body: string }>) {
    const parsed = Execution.safeParse(JSON.parse(row.body));
    if (parsed.success) executions.set(parsed.data.id, { ...parsed.data, pending: null });
  }
  const keywordCounts = new Map<string, number>();
  for (const row of db.prepare('SELECT execution_id AS id, COUNT(*) AS n FROM kh_keywords GROUP BY execution_id').all() as Array<{ id: string; n: number }>) keywordCounts.set(row.id, Number(row.n));
  const notifications: HubNotification[] = z.array(HubNotification).catch([]).parse(ctx.storage.getJson('keywordHub.notifications') ?? []);
  let prefs: NotificationPrefs = NotificationPrefs.catch({ tipos: ['execucao_concluida', 'erro', 'aviso'], canal: 'websocket' }).parse(ctx.storage.getJson('keywordHub.prefs'));
  let monitor: MonitorConfig = MonitorConfig.catch({ metricas: [...monitorMetrics], intervaloMs: 5_000 }).parse(ctx.storage.getJson('keywordHub.monitor'));
  const metrics: MetricSample[] = [];
  const health: HubHealth = { unknownEvents: 0, malformed: 0, refusals: 0, timeouts: 0, staleUpdates: 0, lastProblem: null, unknownNames: [] };
  let auth: HubStatus['auth'] = null;
  let advice: HubError | null = null;
  let rateLimitedUntil: number | null = null;
  let lastSyncAt: number | null = null;

  let ws: WebSocket | null = null;
  let session: LinkSession | null = null;
  const pending = new Map<string, Pending>();
  const pings = new Map<string, number>();
  let lastPongAt = 0;
  let pinger: NodeJS.Timeout | null = null;
  let held: Array<{ frame: string; onSent?: () => void }> = [];
  let heldTimer: NodeJS.Timeout | null = null;
  let resyncTimer: NodeJS.Timeout | null = null;
  const unsubscribe: Array<() => void> = [];
  let stopped = false;

  // ---- persistence & publishing (coalesced) ---------------------------------------------------
  const dirtyExec = new Set<string>();
  const changedExec = new Set<string>();
  let newKeywords: Keyword[] = [];
  let newClusters: Cluster[] = [];
  let notificationsDirty = false;
  let persistTimer: NodeJS.Timeout | null = null;
  let publishTimer: NodeJS.Timeout | null = null;
  let statusTimer: NodeJS.Timeout | null = null;

  const persist = () => {
    if (persistTimer) clearTimeout(persistTimer);
    persistTimer = null;
    if (!db.isOpen) return;
    const upsert = db.prepare('INSERT INTO kh_executions (id, updated_at, body) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET updated_at = excluded.updated_at, body = excluded.body');
    const kw = db.prepare('INSERT INTO kh_keywords (execution_id, body) VALUES (?, ?)');
    const cl = db.prepare('INSERT INTO kh_clusters (execution_id, id, body) VALUES (?, ?, ?) ON CONFLICT(execution_id, id) DO UPDATE SET body = excluded.body');
    const keywords = newKeywords;
    const clusters = newClusters;
    newKeywords = [];
    newClusters = [];
    ctx.storage.transaction(() => {
      for (const id of dirtyExec) {
        const e = executions.get(id);
        if (e) upsert.run(id, e.updatedAt, JSON.stringify({ ...e, pending: null }));
      }
      for (const k of keywords) kw.run(k.executionId, JSON.stringify(k));
      for (const c of clusters) cl.run(c.executionId, c.id, JSON.stringify(c));
    });
    dirtyExec.clear();
    if (notificationsDirty) ctx.storage.putJson('keywordHub.notifications', notifications);
    notificationsDirty = false;
    prune();
  };
  const persistSoon = () => (persistTimer ??= setTimeout(persist, 500));

  /** Keep the newest MAX_EXECUTIONS finished executions (running ones are never pruned). */
  const prune = () => {
    if (executions.size <= MAX_EXECUTIONS) return;
    const finished = [...executions.values()].filter((e) => isTerminal(e.status)).sort((a, b) => a.updatedAt - b.updatedAt);
    const drop = finished.slice(0, executions.size - MAX_EXECUTIONS);
    ctx.storage.transaction(() => {
      for (const e of drop) {
        executions.delete(e.id);
        keywordCounts.delete(e.id);
        for (const table of ['kh_executions', 'kh_keywords', 'kh_clusters']) db.prepare(`DELETE FROM ${table} WHERE ${table === 'kh_executions' ? 'id' : 'execution_id'} = ?`).run(e.id);
      }
    });
  };

  const publishChanged = () => {
    if (publishTimer) clearTimeout(publishTimer);
    publishTimer = null;
    for (const id of changedExec) {
      const e = executions.get(id);
      if (e) ctx.hub.publish('executions.changed', e);
    }
    changedExec.clear();
  };
  /**
   * Mark an execution changed: status changes are published at once; progress is coalesced to
   * one snapshot per execution every 250 ms (an operator cannot read 10 Hz progress, and the
   * renderer stays smooth with hundreds running). Written to SQLite within 500 ms.
   */
  const touch = (e: Execution, immediate = false) => {
    e.updatedAt = now();
    dirtyExec.add(e.id);
    changedExec.add(e.id);
    persistSoon();
    if (immediate) publishChanged();
    else publishTimer ??= setTimeout(publishChanged, 250);
  };

  const queueRows = (): QueuedCommand[] =>
    (db.prepare("SELECT request_id, event, execution_id, summary, queued_at, expires_at FROM kh_queue WHERE state = 'queued' ORDER BY queued_at").all() as Array<Record<string, string | number | null>>).map((r) => ({
      requestId: String(r.request_id),
      event: String(r.event),
      executionId: r.execution_id === null ? null : String(r.execution_id),
      summary: String(r.summary),
      queuedAt: Number(r.queued_at),
      expiresAt: Number(r.expires_at),
    }));

  const hubStatus = (): HubStatus => ({
    health: { ...health, unknownNames: [...health.unknownNames] },
    auth,
    rateLimitedUntil: rateLimitedUntil && rateLimitedUntil > now() ? rateLimitedUntil : null,
    advice,
    queue: db.isOpen ? queueRows() : [],
    prefs,
    monitor,
    lastSyncAt,
  });
  const publishStatus = () => {
    statusTimer ??= setTimeout(() => {
      statusTimer = null;
      if (db.isOpen) ctx.hub.publish('executions.hub', hubStatus());
    }, 100);
  };

  // ---- problems -----------------------------------------------------------------------------
  const problem = (kind: 'unknownEvents' | 'malformed', message: string, raw: unknown) => {
    health[kind]++;
    health.lastProblem = { at: now(), message };
    if (session) session.error(message);
    else link.noteError(message);
    ctx.journal.record({ upstream: 'keywordHub', type: kind === 'unknownEvents' ? 'invalid.unknown' : 'invalid.malformed', level: 'error', ids: {}, summary: message, raw });
    publishStatus();
  };

  // ---- sending ------------------------------------------------------------------------------
  const online = () => ws !== null && ws.readyState === WebSocket.OPEN;
  const frameOf = (event: string, data: Record<string, unknown>) => JSON.stringify({ event, data, timestamp: new Date(now()).toISOString() });

  const flushHeld = () => {
    if (heldTimer) clearTimeout(heldTimer);
    heldTimer = null;
    const list = held;
    held = [];
    for (const item of list) transmit(item.frame, item.onSent);
  };
  /** Write a frame now, or after the rate-limit window; false when offline. */
  const transmit = (frame: string, onSent?: () => void): boolean => {
    if (!online()) return false;
    const wait = rateLimitedUntil !== null ? rateLimitedUntil - now() : 0;
    if (wait > 0) {
      held.push({ frame, ...(onSent ? { onSent } : {}) });
      heldTimer ??= setTimeout(flushHeld, wait);
      return true;
    }
    ws!.send(frame);
    onSent?.();
    return true;
  };

  const timeoutMs = () => settings().requestTimeoutMs;

  /** Send a client event with a fresh request_id; resolves with the reply carrying that id. */
  const request = (
    event: string,
    data: Record<string, unknown>,
    meta: { executionId?: string | null; action?: ExecAction | null; start?: StartInput | null; requestId?: string } = {},
  ): Promise<{ event: ServerEvent; data: Record<string, unknown> }> => {
    const requestId = meta.requestId ?? newRequestId();
    const frame = frameOf(event, { ...data, request_id: requestId });
    return new Promise((resolve, reject) => {
      const entry: Pending = { event, resolve, reject, timer: null, executionId: meta.executionId ?? null, action: meta.action ?? null, start: meta.start ?? null, frame };
      pending.set(requestId, entry);
      const armTimer = () => {
        if (entry.timer) clearTimeout(entry.timer);
        entry.timer = setTimeout(() => {
          if (!pending.delete(requestId)) return;
          health.timeouts++;
          const message = `the hub did not answer ${event} (request_id ${requestId}) within ${timeoutMs()} ms`;
          health.lastProblem = { at: now(), message };
          ctx.journal.record({ upstream: 'keywordHub', type: 'request.timeout', level: 'warn', ids: entry.executionId ? { execution: entry.executionId } : {}, summary: message, raw: { event, requestId } });
          clearPending(entry);
          publishStatus();
          reject(new CommandError('timeout', message));
        }, timeoutMs());
      };
      if (!transmit(frame, armTimer)) {
        pending.delete(requestId);
        reject(new CommandError('unavailable', 'the keyword hub is not connected'));
      }
    });
  };
  const clearPending = (entry: Pending) => {
    if (!entry.executionId || !entry.action) return;
    const e = executions.get(entry.executionId);
    if (e && e.pending === entry.action) {
      e.pending = null;
      touch(e);
    }
  };
  const failAllPending = (message: string) => {
    for (const [id, entry] of pending) {
      if (entry.timer) clearTimeout(entry.timer);
      pending.delete(id);
      clearPending(entry);
      entry.reject(new CommandError('unavailable', message));
    }
    held = [];
    if (heldTimer) clearTimeout(heldTimer);
    heldTimer = null;
  };

  // ---- executions ---------------------------------------------------------------------------
  const blank = (id: string): Execution => ({
    id,
    status: 'iniciada',
    blogUrl: null,
    categoriaId: null,
    config: null,
    progress: { total: 0, atual: 0, percentual: 0 },
    keywordsFound: 0,
    clustersFormed: 0,
    elapsedSec: 0,
    estimatedSec: 0,
    startedAt: now(),
    updatedAt: now(),
    mine: false,
    result: null,
    error: null,
    refusal: null,
    pending: null,
  });
  const scheduleResync = () => {
    resyncTimer ??= setTimeout(() => {
      resyncTimer = null;
      if (online()) void resync().catch(() => undefined);
    }, 1_000);
  };
  const execOf = (id: string, create = true): Execution | undefined => {
    let e = executions.get(id);
    if (!e && create) {
      executions.set(id, (e = blank(id)));
      // Started elsewhere (another console): the list answer brings its URL and settings.
      scheduleResync();
    }
    return e;
  };
  /** Apply a status reported by the hub; false when the update is stale (execution already final). */
  const setStatus = (e: Execution, to: ExecStatus, event: string): boolean => {
    const verdict = acceptUpdate(e.status, to);
    if (verdict === 'stale') {
      health.staleUpdates++;
      ctx.journal.record({ upstream: 'keywordHub', type: 'stale-update', level: 'warn', ids: { execution: e.id }, summary: `${event} says ${to} but execution ${e.id} is already ${e.status}; ignored`, raw: null });
      publishStatus();
      return false;
    }
    if (verdict === 'unexpected') {
      ctx.journal.record({ upstream: 'keywordHub', type: 'unexpected-transition', level: 'warn', ids: { execution: e.id }, summary: `execution ${e.id}: ${e.status} → ${to} is not in the seed's diagram; applied (the hub is the source of truth)`, raw: null });
    }
    e.status = to;
    return true;
  };
  const applyStatus = (e: Execution, d: z.output<typeof serverEvents.EXECUCAO_STATUS>, event: string): boolean => {
    if (!setStatus(e, d.status, event)) return false;
    if (d.progresso) {
      const total = d.progresso.total;
      e.progress = { total, atual: d.progresso.atual, percentual: d.progresso.percentual ?? (total > 0 ? Math.round((d.progresso.atual / total) * 1000) / 10 : 0) };
    }
    if (d.keywords_encontradas !== undefined) e.keywordsFound = d.keywords_encontradas;
    if (d.tempo_decorrido !== undefined) e.elapsedSec = d.tempo_decorrido;
    if (d.tempo_estimado !== undefined) e.estimatedSec = d.tempo_estimado;
    return true;
  };

  const hubErrorOf = (codigo: string, mensagem: string, detalhes: unknown, recomendacao: string | null | undefined): HubError => ({
    codigo,
    mensagem,
    ...(detalhes !== undefined ? { detalhes } : {}),
    recomendacao: recomendacao ?? null,
    at: now(),
  });

  // ---- journal budget for high-rate events (progress ticks, keywords, metrics) ---------------
  const journalWindow = { second: 0, used: 0, suppressed: 0 };
  /** At most JOURNAL_PER_SEC high-rate entries a second; the rest are counted in one entry. */
  const journalBudget = (): boolean => {
    const second = Math.floor(Date.now() / 1000);
    if (second !== journalWindow.second) {
      if (journalWindow.suppressed > 0) {
        ctx.journal.record({ upstream: 'keywordHub', type: 'suppressed', level: 'info', ids: {}, summary: `${journalWindow.suppressed} progress/keyword/metric events not copied to the inspector (limit ${JOURNAL_PER_SEC}/s; all are applied and kept)`, raw: null });
      }
      journalWindow.second = second;
      journalWindow.used = 0;
      journalWindow.suppressed = 0;
    }
    if (journalWindow.used >= JOURNAL_PER_SEC) {
      journalWindow.suppressed++;
      return false;
    }
    journalWindow.used++;
    return true;
  };

  // ---- server events ------------------------------------------------------------------------
  const handle = (event: ServerEvent, data: Record<string, unknown>, raw: unknown) => {
    const parsed = serverEvents[event].safeParse(data);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return problem('malformed', `${event}: ${issue?.path.join('.') || 'data'}: ${issue?.message ?? 'invalid'} in ${preview(JSON.stringify(data))}`, raw);
    }
    session?.event();
    const ridRaw = (parsed.data as { request_id?: string | number | null }).request_id;
    const rid = ridRaw === null || ridRaw === undefined ? null : String(ridRaw);
    const mine = rid !== null ? pending.get(rid) : undefined;
    const record = (level: 'info' | 'warn' | 'error', summary: string | (() => string), execution?: string, highRate = false) => {
      if (highRate && !journalBudget()) return;
      ctx.journal.record({ upstream: 'keywordHub', type: event, level, ids: execution ? { execution } : {}, summary: typeof summary === 'function' ? summary() : summary, raw: data });
    };

    switch (event) {
      case 'EXECUCAO_INICIADA': {
        const d = parsed.data as z.output<(typeof serverEvents)['EXECUCAO_INICIADA']>;
        let e = executions.get(String(d.execucao_id));
        if (!e) {
          e = blank(String(d.execucao_id));
          executions.set(e.id, e);
          if (mine?.start) {
            const s = mine.start;
            Object.assign(e, { mine: true, blogUrl: s.blogUrl, categoriaId: s.categoriaId ?? null, config: { maxKeywords: s.maxKeywords, depth: s.depth, timeout: s.timeout }, progress: { total: s.maxKeywords, atual: 0, percentual: 0 } });
          } else scheduleResync();
        }
        setStatus(e, d.status, event);
        touch(e, true);
        record('info', `execution ${e.id} started${e.blogUrl ? ` for ${e.blogUrl}` : ''}`, e.id);
        break;
      }
      case 'EXECUCAO_PAUSADA': {
        const d = parsed.data as z.output<(typeof serverEvents)['EXECUCAO_PAUSADA']>;
        const e = execOf(String(d.execucao_id))!;
        if (setStatus(e, d.status, event)) touch(e, true);
        record('info', `execution ${e.id} paused`, e.id);
        break;
      }
      case 'EXECUCAO_STATUS': {
        const d = parsed.data as z.output<(typeof serverEvents)['EXECUCAO_STATUS']>;
        const e = execOf(String(d.execucao_id))!;
        const before = e.status;
        if (applyStatus(e, d, event)) touch(e, before !== e.status);
        const p = d.progresso;
        // Progress ticks are high-rate (rate-limited in the journal); status changes always go in.
        record('info', () => `execution ${e.id} ${d.status}${p ? ` ${p.atual}/${p.total}` : ''}${d.keywords_encontradas !== undefined ? `, ${d.keywords_encontradas} keywords` : ''}`, e.id, before === e.status && mine === undefined);
        break;
      }
      case 'KEYWORD_ENCONTRADA': {
        const d = parsed.data as z.output<(typeof serverEvents)['KEYWORD_ENCONTRADA']>;
        const e = execOf(String(d.execucao_id))!;
        const k: Keyword = { executionId: e.id, ...d.keyword, clusterId: d.cluster_id === null || d.cluster_id === undefined ? null : String(d.cluster_id), at: now() };
        const n = keywordCounts.get(e.id) ?? 0;
        if (n < MAX_KEYWORDS_PER_EXECUTION) {
          keywordCounts.set(e.id, n + 1);
          newKeywords.push(k);
          persistSoon();
        }
        if (e.keywordsFound < n + 1) {
          e.keywordsFound = n + 1;
          touch(e);
        }
        ctx.hub.publish('executions.keywords', k);
        record('info', () => `keyword "${preview(k.termo, 80)}" (relevância ${k.relevancia}) in ${e.id}`, e.id, true);
        break;
      }
      case 'CLUSTER_FORMADO': {
        const d = parsed.data as z.output<(typeof serverEvents)['CLUSTER_FORMADO']>;
        const e = execOf(String(d.execucao_id))!;
        const c: Cluster = { executionId: e.id, id: d.cluster.id, nome: d.cluster.nome, keywords: d.cluster.keywords, tamanho: d.cluster.tamanho ?? d.cluster.keywords.length, relevanciaMedia: d.cluster.relevancia_media, at: now() };
        newClusters.push(c);
        persistSoon();
        e.clustersFormed++;
        touch(e);
        ctx.hub.publish('executions.clusters', c);
        record('info', `cluster "${preview(c.nome, 60)}" (${c.tamanho} keywords, média ${c.relevanciaMedia}) in ${e.id}`, e.id);
        break;
      }
      case 'EXECUCAO_CONCLUIDA': {
        const d = parsed.data as z.output<(typeof serverEvents)['EXECUCAO_CONCLUIDA']>;
        const e = execOf(String(d.execucao_id))!;
        if (!setStatus(e, 'concluida', event)) break;
        const r = d.resultado;
        e.result = { totalKeywords: r.total_keywords, clustersFormados: r.clusters_formados, tempoTotal: r.tempo_total, taxaSucesso: r.taxa_sucesso, downloadUrl: d.download_url ?? null };
        e.progress = { ...e.progress, atual: e.progress.total || e.progress.atual, percentual: 100 };
        e.keywordsFound = Math.max(e.keywordsFound, r.total_keywords);
        e.clustersFormed = Math.max(e.clustersFormed, r.clusters_formados);
        e.elapsedSec = r.tempo_total;
        e.estimatedSec = 0;
        touch(e, true);
        record('info', `execution ${e.id} concluded: ${r.total_keywords} keywords, ${r.clusters_formados} clusters, ${Math.round(r.taxa_sucesso * 100)}% success`, e.id);
        if (e.mine && prefs.tipos.includes('execucao_concluida')) {
          ctx.alerts.raise({ source: 'keywordHub', severity: 'info', key: `keywordHub:done:${e.id}`, title: `Execução ${e.id} concluída`, detail: `${r.total_keywords} keywords, ${r.clusters_formados} clusters`, ids: { execution: e.id }, view: `/executions/${e.id}` });
        }
        break;
      }
      case 'EXECUCAO_ERRO': {
        const d = parsed.data as z.output<(typeof serverEvents)['EXECUCAO_ERRO']>;
        const e = execOf(String(d.execucao_id))!;
        if (!setStatus(e, 'erro', event)) break;
        e.error = hubErrorOf(d.erro.codigo, d.erro.mensagem, d.erro.detalhes, d.recomendacao);
        e.estimatedSec = 0;
        touch(e, true);
        record('error', `execution ${e.id} failed: ${d.erro.codigo} ${d.erro.mensagem}`, e.id);
        ctx.alerts.raise({
          source: 'keywordHub',
          severity: 'high',
          key: `keywordHub:exec-error:${e.id}`,
          title: `Execução ${e.id}: ${d.erro.codigo}`,
          detail: [d.erro.mensagem, d.recomendacao].filter(Boolean).join(' — '),
          ids: { execution: e.id },
          view: `/executions/${e.id}`,
        });
        break;
      }
      case 'NOTIFICACAO_GERAL': {
        const d = parsed.data as z.output<(typeof serverEvents)['NOTIFICACAO_GERAL']>;
        if (mine?.event === 'NOTIFICACAO_CONFIGURAR') {
          // The hub's acknowledgement of our preferences: journaled, not added to the operator's list.
          record('info', `preferences acknowledged: ${preview(d.mensagem, 120)}`);
          break;
        }
        const n: HubNotification = { id: `n_${now().toString(36)}_${(++reqCounter).toString(36)}`, at: now(), tipo: d.tipo, titulo: d.titulo, mensagem: d.mensagem, actionUrl: httpOnly(d.acao?.url), actionType: d.acao?.tipo ?? null };
        notifications.unshift(n);
        notifications.length = Math.min(notifications.length, MAX_NOTIFICATIONS);
        notificationsDirty = true;
        persistSoon();
        ctx.hub.publish('executions.notifications', n);
        record(d.tipo === 'error' || d.tipo === 'erro' ? 'warn' : 'info', `${d.tipo}: ${preview(d.titulo, 120)}`);
        break;
      }
      case 'METRICA_PERFORMANCE': {
        const d = parsed.data as z.output<(typeof serverEvents)['METRICA_PERFORMANCE']>;
        const m: MetricSample = { at: now(), cpu: d.cpu_uso ?? null, memoria: d.memoria_uso ?? null, tempoResposta: d.tempo_resposta_medio ?? null, rps: d.requisicoes_por_segundo ?? null, ativas: d.execucoes_ativas ?? null };
        metrics.push(m);
        if (metrics.length > MAX_METRICS) metrics.splice(0, metrics.length - MAX_METRICS);
        ctx.hub.publish('executions.metrics', m);
        record('info', () => `cpu ${m.cpu ?? '–'}%, memória ${m.memoria ?? '–'}%, ${m.tempoResposta ?? '–'} ms, ${m.rps ?? '–'} req/s, ${m.ativas ?? '–'} ativas`, undefined, true);
        break;
      }
      case 'SISTEMA_ALERTA': {
        const d = parsed.data as z.output<(typeof serverEvents)['SISTEMA_ALERTA']>;
        const severity = severityOf(d.nivel);
        record(severity === 'critical' || severity === 'high' ? 'error' : 'warn', `${d.nivel}/${d.categoria}: ${preview(d.mensagem, 160)}`);
        ctx.alerts.raise({ source: 'keywordHub', severity, key: `keywordHub:alert:${d.categoria}:${d.mensagem}`, title: d.mensagem, detail: d.acoes.join(' · '), ids: {}, view: '/executions' });
        break;
      }
      case 'SESSAO_PONG': {
        const sent = rid !== null ? pings.get(rid) : undefined;
        if (sent !== undefined) {
          pings.delete(rid!);
          lastPongAt = Date.now();
          session?.latency(performance.now() - sent);
        }
        break;
      }
      case 'ERRO': {
        const d = parsed.data as z.output<(typeof serverEvents)['ERRO']>;
        onErro(d, mine, rid, raw);
        return;
      }
      case 'EXECUCAO_LISTA':
        record('info', `list of ${(parsed.data as { execucoes: unknown[] }).execucoes.length} executions`);
        break;
    }
    if (mine && rid !== null) {
      pending.delete(rid);
      if (mine.timer) clearTimeout(mine.timer);
      clearPending(mine);
      mine.resolve({ event, data: parsed.data as Record<string, unknown> });
    }
  };

  const onErro = (d: z.output<typeof serverEvents.ERRO>, mine: Pending | undefined, rid: string | null, raw: unknown) => {
    const err = hubErrorOf(d.codigo, d.mensagem, d.detalhes, d.recomendacao);
    const text = `${d.codigo}: ${d.mensagem}${d.recomendacao ? ` — ${d.recomendacao}` : ''}`;
    const ids = mine?.executionId ? { execution: mine.executionId } : {};
    ctx.journal.record({ upstream: 'keywordHub', type: 'ERRO', level: 'error', ids, summary: mine ? `${mine.event} refused: ${text}` : text, raw });
    health.lastProblem = { at: now(), message: text };
    if (d.codigo === 'RATE_LIMIT_ERROR') {
      const det = (d.detalhes ?? {}) as Record<string, unknown>;
      const ms = typeof det.janela_ms === 'number' ? det.janela_ms : typeof det.retry_after === 'number' ? det.retry_after * 1000 : 5_000;
      rateLimitedUntil = now() + Math.min(60_000, Math.max(1_000, ms));
      // The refused message was dropped by the hub: send it once more after the window.
      if (mine && rid !== null) {
        if (mine.timer) clearTimeout(mine.timer);
        held.push({ frame: mine.frame });
        heldTimer ??= setTimeout(flushHeld, rateLimitedUntil - now());
        const entry = mine;
        const rearm = setTimeout(() => {
          if (pending.get(rid) !== entry) return;
          pending.delete(rid);
          clearPending(entry);
          health.timeouts++;
          entry.reject(new CommandError('timeout', `the hub did not answer ${entry.event} after its rate limit (${text})`));
        }, rateLimitedUntil - now() + timeoutMs());
        entry.timer = rearm;
      }
      publishStatus();
      return;
    }
    if (d.codigo === 'AUTHENTICATION_ERROR') {
      const det = (d.detalhes ?? {}) as Record<string, unknown>;
      auth = { message: d.mensagem, tokenExpiresAt: typeof det.token_expira_em === 'string' ? det.token_expira_em : null, recomendacao: d.recomendacao ?? null, at: now() };
      raiseAuth();
    }
    if (d.codigo === 'TIMEOUT_ERROR' || d.codigo === 'NETWORK_ERROR') advice = err;
    if (mine && rid !== null) {
      pending.delete(rid);
      if (mine.timer) clearTimeout(mine.timer);
      health.refusals++;
      if (mine.executionId) {
        const e = executions.get(mine.executionId);
        if (e) {
          e.refusal = err;
          if (mine.action && e.pending === mine.action) e.pending = null;
          touch(e, true);
        }
      }
      mine.reject(new CommandError(codeFor(d.codigo, mine.action !== null), text));
    } else if (session) session.error(text);
    publishStatus();
    if (d.codigo === 'AUTHENTICATION_ERROR') session?.lost(`hub refused the token: ${d.mensagem}`, { auth: true });
  };

  const raiseAuth = () => {
    ctx.alerts.raise({
      source: 'keywordHub',
      severity: 'high',
      key: 'keywordHub:auth',
      title: 'Hub de keywords: token recusado — renove o token',
      detail: [auth?.message, auth?.tokenExpiresAt ? `token_expira_em ${auth.tokenExpiresAt}` : '', auth?.recomendacao].filter(Boolean).join(' — '),
      ids: {},
      view: '/settings',
    });
    publishStatus();
  };

  const onText = (text: string) => {
    if (stopped) return;
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      return problem('malformed', `not JSON: ${preview(text)}`, { text: preview(text, 2_000) });
    }
    // The envelope is checked by hand (hot path); `data` is validated per event below.
    const env = raw as { event?: unknown; data?: unknown } | null;
    if (typeof env !== 'object' || env === null || Array.isArray(env) || typeof env.event !== 'string' || env.event.length === 0 || env.event.length > 200) {
      return problem('malformed', `not an {event, data, timestamp} envelope: ${preview(text)}`, raw);
    }
    const event = env.event;
    if (!isServerEvent(event)) {
      if (!health.unknownNames.includes(event)) health.unknownNames = [preview(event, 60), ...health.unknownNames].slice(0, 10);
      return problem('unknownEvents', `unknown event ${preview(event, 60)}`, raw);
    }
    const data = env.data;
    if (typeof data !== 'object' || data === null || Array.isArray(data)) return problem('malformed', `${event}: data is not an object`, raw);
    handle(event, data as Record<string, unknown>, raw);
  };

  /** Feed one decoded frame through the connector, as if the hub had sent it (tests, bench). */
  const ingest = (text: string) => onText(text);

  // ---- re-sync ------------------------------------------------------------------------------
  const mergeListItem = (raw: unknown) => {
    const p = ListItem.safeParse(raw);
    if (!p.success) return problem('malformed', `EXECUCAO_LISTA item: ${p.error.issues[0]?.message ?? 'invalid'}`, raw);
    const d = p.data;
    const e = executions.get(String(d.execucao_id)) ?? blank(String(d.execucao_id));
    executions.set(e.id, e);
    if (!applyStatus(e, d, 'EXECUCAO_LISTA')) return;
    e.blogUrl ??= d.blog_url ?? null;
    e.categoriaId ??= d.categoria_id ?? null;
    if (d.clusters_formados !== undefined) e.clustersFormed = d.clusters_formados;
    if (d.iniciada_em && !Number.isNaN(Date.parse(d.iniciada_em)) && !e.mine) e.startedAt = Date.parse(d.iniciada_em);
    if (d.status === 'concluida' && d.download_url && e.result) e.result.downloadUrl = d.download_url;
    else if (d.status === 'concluida' && !e.result) {
      e.result = { totalKeywords: e.keywordsFound, clustersFormados: e.clustersFormed, tempoTotal: e.elapsedSec, taxaSucesso: 0, downloadUrl: d.download_url ?? null };
      e.progress = { ...e.progress, percentual: 100 };
    }
    touch(e);
  };

  const resync = async (): Promise<number> => {
    let seen = new Set<string>();
    try {
      const reply = await request('EXECUCAO_LISTAR', {});
      const list = (reply.data as { execucoes: unknown[] }).execucoes;
      for (const item of list) mergeListItem(item);
      seen = new Set(list.map((i) => String((i as { execucao_id?: unknown })?.execucao_id)));
    } catch (error) {
      if (stopped) return executions.size;
      ctx.journal.record({ upstream: 'keywordHub', type: 'resync.list-failed', level: 'warn', ids: {}, summary: `EXECUCAO_LISTAR failed (${error instanceof Error ? error.message : String(error)}); asking EXECUCAO_STATUS per execution`, raw: null });
    }
    const open = [...executions.values()].filter((e) => !isTerminal(e.status) && !seen.has(e.id));
    await Promise.all(
      open.map(async (e) => {
        try {
          const reply = await request('EXECUCAO_STATUS', { execucao_id: e.id }, { executionId: e.id });
          if (reply.event !== 'EXECUCAO_STATUS') return;
        } catch (error) {
          if (error instanceof CommandError && (error.code === 'invalid-argument' || error.code === 'conflict')) {
            // The hub no longer knows it (restarted, purged): it can never finish.
            if (setStatus(e, 'erro', 'resync')) {
              e.error = hubErrorOf('NOT_FOUND', `o hub não conhece mais esta execução (${error.message})`, undefined, 'Iniciar a execução novamente');
              touch(e, true);
            }
          }
        }
      }),
    );
    if (stopped) return executions.size;
    lastSyncAt = now();
    ctx.journal.record({ upstream: 'keywordHub', type: 'resync', level: 'info', ids: {}, summary: `re-synchronised ${seen.size} listed + ${open.length} by status`, raw: null });
    publishStatus();
    return executions.size;
  };

  // ---- offline queue ------------------------------------------------------------------------
  const enqueue = (event: string, data: Record<string, unknown>, executionId: string | null, summary: string) => {
    const requestId = newRequestId();
    const queuedAt = now();
    const expiresAt = queuedAt + extra().queueTtlMs;
    db.prepare("INSERT INTO kh_queue (request_id, event, data, execution_id, summary, queued_at, expires_at, state) VALUES (?, ?, ?, ?, ?, ?, ?, 'queued')").run(
      requestId,
      event,
      JSON.stringify(data),
      executionId,
      summary,
      queuedAt,
      expiresAt,
    );
    ctx.journal.record({ upstream: 'keywordHub', type: 'queued', level: 'info', ids: executionId ? { execution: executionId } : {}, summary: `offline: ${summary} queued until ${new Date(expiresAt).toISOString()}`, raw: { requestId, event } });
    publishStatus();
    return { queued: true as const, requestId, expiresAt };
  };
  const settleQueued = (requestId: string, state: 'sent' | 'expired' | 'dropped', note: string | null) =>
    db.prepare('UPDATE kh_queue SET state = ?, sent_at = ?, note = ? WHERE request_id = ? AND state = ?').run(state, now(), note, requestId, 'queued').changes > 0;

  let flushing = false;
  const flushQueue = async () => {
    if (flushing || stopped || !db.isOpen) return;
    flushing = true;
    try {
      const rows = db.prepare("SELECT request_id, event, data, execution_id, summary, expires_at FROM kh_queue WHERE state = 'queued' ORDER BY queued_at").all() as Array<Record<string, string | number | null>>;
      for (const r of rows) {
        if (!online()) break;
        const requestId = String(r.request_id);
        const executionId = r.execution_id === null ? null : String(r.execution_id);
        const ids = executionId ? { execution: executionId } : {};
        if (Number(r.expires_at) <= now()) {
          settleQueued(requestId, 'expired', 'expired before the link came back');
          ctx.journal.record({ upstream: 'keywordHub', type: 'queue.expired', level: 'warn', ids, summary: `${String(r.summary)}: expired before the link came back; not sent`, raw: { requestId } });
          ctx.alerts.raise({ source: 'keywordHub', severity: 'low', key: `keywordHub:expired:${requestId}`, title: `Comando expirado sem envio: ${String(r.summary)}`, detail: 'O hub ficou fora do ar por mais tempo que a validade da fila', ids, view: '/executions' });
          continue;
        }
        const data = JSON.parse(String(r.data)) as Record<string, unknown>;
        const event = String(r.event);
        const action = (Object.entries(CLIENT_EVENT).find(([, ev]) => ev === event)?.[0] ?? null) as ExecAction | null;
        if (action && executionId) {
          const e = executions.get(executionId);
          const check = e ? checkAction(e.status, action) : { ok: false as const, reason: 'execution unknown' };
          if (!check.ok) {
            settleQueued(requestId, 'dropped', check.reason);
            ctx.journal.record({ upstream: 'keywordHub', type: 'queue.dropped', level: 'warn', ids, summary: `${String(r.summary)}: not sent after re-sync — ${check.reason}`, raw: { requestId } });
            continue;
          }
        }
        // Marked sent before writing: a crash in between loses the command rather than sending it twice.
        if (!settleQueued(requestId, 'sent', null)) continue;
        const start = event === 'EXECUCAO_INICIAR' ? startFromWire(data) : null;
        const e = action && executionId ? executions.get(executionId) : undefined;
        if (e && action) {
          e.pending = action;
          touch(e);
        }
        ctx.journal.record({ upstream: 'keywordHub', type: 'queue.sent', level: 'info', ids, summary: `${String(r.summary)}: sent after reconnect (request_id ${requestId})`, raw: { requestId } });
        void request(event, data, { requestId, executionId, action, start }).catch((error: unknown) => {
          ctx.journal.record({ upstream: 'keywordHub', type: 'queue.failed', level: 'warn', ids, summary: `${String(r.summary)}: ${error instanceof Error ? error.message : String(error)}`, raw: { requestId } });
        });
      }
    } finally {
      flushing = false;
      publishStatus();
    }
  };

  const wireStart = (s: StartInput): Record<string, unknown> => ({
    blog_url: s.blogUrl,
    ...(s.categoriaId !== undefined ? { categoria_id: s.categoriaId } : {}),
    configuracoes: { max_keywords: s.maxKeywords, profundidade: s.depth, timeout: s.timeout },
  });
  const startFromWire = (d: Record<string, unknown>): StartInput => {
    const c = (d.configuracoes ?? {}) as Record<string, number>;
    return { blogUrl: String(d.blog_url), ...(typeof d.categoria_id === 'number' ? { categoriaId: d.categoria_id } : {}), maxKeywords: c.max_keywords ?? 100, depth: c.profundidade ?? 3, timeout: c.timeout ?? 30 };
  };

  /** Queue only while the link is trying to come back; refuse at once when it will not by itself. */
  const mayQueue = () => {
    const state = link.currentState;
    if (state === 'stopped') throw new CommandError('unavailable', 'the keyword hub link is switched off; connect it first');
    if (state === 'auth-failed') throw new CommandError('unavailable', 'the keyword hub refused the token; renew it in Settings first');
  };

  // ---- commands -----------------------------------------------------------------------------
  const start = async (input: StartInput) => {
    const data = wireStart(input);
    if (!online()) {
      mayQueue();
      return enqueue('EXECUCAO_INICIAR', data, null, `EXECUCAO_INICIAR ${input.blogUrl}`);
    }
    const reply = await request('EXECUCAO_INICIAR', data, { start: input });
    const id = String((reply.data as { execucao_id: string }).execucao_id);
    const e = executions.get(id);
    if (e && !e.mine) {
      Object.assign(e, { mine: true, blogUrl: input.blogUrl, categoriaId: input.categoriaId ?? null, config: { maxKeywords: input.maxKeywords, depth: input.depth, timeout: input.timeout } });
      touch(e, true);
    }
    return { queued: false as const, executionId: id, status: e?.status ?? 'iniciada' };
  };

  const control = async (id: string, action: ExecAction) => {
    const e = executions.get(id);
    if (!e) throw new CommandError('invalid-argument', `unknown execution ${id}`);
    const check = checkAction(e.status, action);
    if (!check.ok) throw new CommandError('conflict', check.reason);
    if (e.pending) throw new CommandError('conflict', `execution ${id} is already waiting for an answer to ${e.pending}`);
    const event = CLIENT_EVENT[action];
    if (!online()) {
      mayQueue();
      const already = queueRows().find((q) => q.executionId === id);
      if (already) throw new CommandError('conflict', `a command for ${id} is already queued (${already.summary})`);
      return enqueue(event, { execucao_id: id }, id, `${event} ${id}`);
    }
    e.pending = action;
    e.refusal = null;
    touch(e, true);
    ctx.journal.record({ upstream: 'keywordHub', type: `${event}.sent`, level: 'info', ids: { execution: id }, summary: `${action} sent for ${id}`, raw: null });
    await request(event, { execucao_id: id }, { executionId: id, action });
    return { queued: false as const, executionId: id, status: executions.get(id)?.status ?? e.status };
  };

  const sendPrefs = () => request('NOTIFICACAO_CONFIGURAR', { tipos: prefs.tipos, canal: prefs.canal });
  const sendMonitor = () => request('MONITORAMENTO_INICIAR', { metricas: monitor.metricas, intervalo: monitor.intervaloMs });

  // ---- link ---------------------------------------------------------------------------------
  const stopPinger = () => {
    if (pinger) clearInterval(pinger);
    pinger = null;
    pings.clear();
  };
  const startPinger = (s: LinkSession) => {
    stopPinger();
    const interval = settings().pingIntervalMs;
    lastPongAt = Date.now();
    pinger = setInterval(() => {
      if (!online()) return;
      if (rateLimitedUntil !== null && rateLimitedUntil > now()) {
        lastPongAt = Date.now();
        return;
      }
      const silentFor = Date.now() - lastPongAt;
      if (silentFor > interval * 2.5) {
        ctx.journal.record({ upstream: 'keywordHub', type: 'dead-link', level: 'warn', ids: {}, summary: `no SESSAO_PONG for ${Math.round(silentFor / 1000)} s; reconnecting`, raw: null });
        s.lost(`no SESSAO_PONG for ${Math.round(silentFor / 1000)} s`);
        return;
      }
      const requestId = newRequestId();
      pings.set(requestId, performance.now());
      if (pings.size > 20) pings.delete(pings.keys().next().value!);
      ws?.send(frameOf('SESSAO_PING', { request_id: requestId }));
    }, interval);
  };

  const headers = (): Record<string, string> => {
    const token = ctx.secrets.get('keywordHub.token');
    return token ? { Authorization: `Bearer ${token}` } : {};
  };
  const wsUrl = () => settings().url.replace(/^http/, 'ws');

  const afterConnect = async () => {
    if (stopped) return;
    await resync().catch(() => undefined);
    if (stopped) return;
    void sendPrefs().catch(() => undefined);
    void sendMonitor().catch(() => undefined);
    await flushQueue();
  };

  const test = async (): Promise<TestResult> => {
    const url = settings().url;
    if (!url) return { success: false, message: 'no keyword hub URL configured', status_code: 0, token_status: 'n/a' };
    const token_status = ctx.secrets.get('keywordHub.token') ? 'token present' : 'no token';
    return new Promise((resolve) => {
      const probe = new WebSocket(wsUrl(), { headers: headers(), handshakeTimeout: 5_000 });
      const started = performance.now();
      const done = (r: TestResult) => {
        probe.removeAllListeners();
        probe.on('error', () => undefined);
        probe.terminate();
        resolve(r);
      };
      const timer = setTimeout(() => done({ success: false, message: 'no SESSAO_PONG within 5 s', status_code: 101, token_status }), 5_000);
      probe.on('open', () => probe.send(frameOf('SESSAO_PING', { request_id: 'test_connection' })));
      probe.on('message', (raw) => {
        const text = raw.toString();
        if (!text.includes('SESSAO_PONG')) return;
        clearTimeout(timer);
        done({ success: true, message: `SESSAO_PONG in ${Math.round(performance.now() - started)} ms`, status_code: 101, token_status });
      });
      probe.on('unexpected-response', (_req, res) => {
        clearTimeout(timer);
        done({ success: false, message: `HTTP ${res.statusCode} instead of a WebSocket`, status_code: res.statusCode ?? 0, token_status: res.statusCode === 401 ? 'token refused' : token_status });
      });
      probe.on('error', (e) => {
        clearTimeout(timer);
        done({ success: false, message: e.message, status_code: 0, token_status });
      });
    });
  };

  const makeLink = (): Link =>
    ctx.links.create({
      id: 'keywordHub',
      url: () => settings().url,
      demo: () => ctx.isDemo('keywordHub'),
      // Pongs are activity; a link silent for 2.5 ping intervals is dead.
      idleTimeoutMs: Math.round(settings().pingIntervalMs * 2.5),
      async open(s) {
        if (!settings().url) throw new Error('no keyword hub URL configured');
        session = s;
        let socket: WebSocket;
        try {
          socket = await openWebSocket({ url: wsUrl(), session: s, headers: headers(), onMessage: onText });
        } catch (error) {
          if (error instanceof AuthError) {
            auth = { message: error.message, tokenExpiresAt: null, recomendacao: 'Renovar token de autenticação', at: now() };
            ctx.journal.record({ upstream: 'keywordHub', type: 'auth-failed', level: 'error', ids: {}, summary: error.message, raw: null });
            raiseAuth();
          }
          throw error;
        }
        ws = socket;
        if (auth) {
          auth = null;
          publishStatus();
        }
        startPinger(s);
        ctx.journal.record({ upstream: 'keywordHub', type: 'connected', level: 'info', ids: {}, summary: `connected to ${settings().url}`, raw: null });
        setTimeout(() => void afterConnect(), 0);
      },
      close() {
        ws = null;
        session = null;
        stopPinger();
        failAllPending('the connection to the keyword hub was lost before it answered; the execution list is re-synchronised on reconnect');
      },
      test,
    });
  let link = makeLink();

  const state = (): ExecutionsState => ({
    executions: [...executions.values()].sort((a, b) => b.startedAt - a.startedAt),
    notifications: [...notifications],
    metrics: metrics.slice(-MAX_METRICS),
    hub: hubStatus(),
  });

  const detail = (id: string) => {
    const e = executions.get(id);
    if (!e) throw new CommandError('invalid-argument', `unknown execution ${id}`);
    persist();
    const keywords = (db.prepare('SELECT body FROM kh_keywords WHERE execution_id = ? ORDER BY seq').all(id) as Array<{ body: string }>).map((r) => JSON.parse(r.body) as Keyword);
    const clusters = (db.prepare('SELECT body FROM kh_clusters WHERE execution_id = ? ORDER BY rowid').all(id) as Array<{ body: string }>).map((r) => JSON.parse(r.body) as Cluster);
    return { execution: e, keywords, clusters };
  };

  const module = {
    name: 'keywordHub',
    start() {
      ctx.commands.handle('executions.state', () => state());
      ctx.commands.handle('executions.detail', ({ id }) => detail(id));
      ctx.commands.handle('executions.start', (input) => start(input));
      ctx.commands.handle('executions.control', ({ id, action }) => control(id, action));
      ctx.commands.handle('executions.resync', async () => {
        if (!online()) throw new CommandError('unavailable', 'the keyword hub is not connected');
        return { executions: await resync() };
      });
      ctx.commands.handle('executions.unqueue', ({ requestId }) => {
        if (!settleQueued(requestId, 'dropped', 'removed by operator')) throw new CommandError('invalid-argument', `nothing queued with request_id ${requestId}`);
        publishStatus();
        return { ok: true as const };
      });
      ctx.commands.handle('executions.configureNotifications', async (next) => {
        prefs = next;
        ctx.storage.putJson('keywordHub.prefs', prefs);
        publishStatus();
        if (online()) await sendPrefs();
        return { ok: true as const };
      });
      ctx.commands.handle('executions.monitor', async (next) => {
        monitor = next;
        ctx.storage.putJson('keywordHub.monitor', monitor);
        publishStatus();
        if (online()) await sendMonitor();
        return { ok: true as const };
      });
      ctx.commands.handle('executions.clearNotifications', () => {
        notifications.length = 0;
        notificationsDirty = true;
        persistSoon();
        return { ok: true as const };
      });
      unsubscribe.push(
        ctx.settings.onChange((next, previous) => {
          const a = next.upstreams.keywordHub;
          const b = previous.upstreams.keywordHub;
          if (a.url === b.url && a.enabled === b.enabled && a.pingIntervalMs === b.pingIntervalMs) return;
          if (a.pingIntervalMs !== b.pingIntervalMs) link = makeLink();
          if (a.enabled && settings().url) link.connect();
          else link.disconnect(a.enabled ? 'no keyword hub URL configured' : 'disabled in settings');
        }),
        ctx.secrets.onChange((name) => {
          if (name !== 'keywordHub.token') return;
          auth = null;
          publishStatus();
          if (link.currentState === 'auth-failed') link.retryAuth();
          else if (settings().enabled && settings().url) link.connect();
        }),
      );
      if (settings().enabled && settings().url) link.connect();
      else link.disconnect(settings().url ? 'disabled in settings' : 'no keyword hub URL configured');
    },
    stop() {
      stopped = true;
      for (const off of unsubscribe) off();
      for (const t of [publishTimer, statusTimer, resyncTimer, heldTimer]) if (t) clearTimeout(t);
      stopPinger();
      failAllPending('the console is shutting down');
      persist();
    },
  };

  return { module, connector: { state, ingest, detail, link: () => link, flush: persist, flushQueue } };
}
