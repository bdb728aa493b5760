import type { z } from 'zod';
import type { Cluster, Execution, HubNotification, Keyword, MetricSample } from '../../contract/keyword-hub';
import { checkUpstream, parseJson, preview } from '../validate';
import { concludedAlert, executionErrorAlert, severityOf, systemAlert } from './alerts';
import { JournalBudget } from '../journal-budget';
import type { CoreContext } from '../../core/context';
import type { HubConnection, Pinger } from './connection';
import type { HubStatusBoard } from './hub-status';
import type { ExecutionStore } from './store';
import type { Requests } from './requests';
import type { ExecutionReports } from './reports';
import type { Resync } from './resync';
import type { HubErrors } from './hub-errors';
import { hubErrorOf } from './reports';
import { isServerEvent, nextSeq, serverEvents, type ServerEvent } from './wire';

/** High-rate events copied to the journal per second (status changes, errors and alerts always are). */
const JOURNAL_PER_SEC = 100;

type Data<E extends ServerEvent> = z.output<(typeof serverEvents)[E]>;

/** A notification's action link is kept only if it is http(s). */
const httpOnly = (url: string | undefined | null): string | null => {
  if (!url) return null;
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
};

export interface ServerEventsDeps {
  ctx: CoreContext;
  /** Clock for timestamps and queue expiry (tests replace it). */
  now: () => number;
  conn: HubConnection;
  status: HubStatusBoard;
  store: ExecutionStore;
  requests: Requests;
  reports: ExecutionReports;
  resync: Resync;
  pinger: Pinger;
  hubErrors: HubErrors;
  /** True once the module is stopping: nothing new is started. */
  isStopped: () => boolean;
}

/**
 * Every frame the hub sends: the `{event, data}` envelope is checked, `data` validated per event
 * (bad input counted as malformed or unknown), then applied — executions, keywords, clusters,
 * notifications, metrics, alerts — and a reply carrying a pending request_id settles that request.
 */
export class ServerEvents {
  private readonly budget: JournalBudget;

  constructor(private readonly deps: ServerEventsDeps) {
    this.budget = new JournalBudget(JOURNAL_PER_SEC, (count) =>
      deps.ctx.journal.record({ upstream: 'keywordHub', type: 'suppressed', level: 'info', ids: {}, summary: `${count} progress/keyword/metric events not copied to the inspector (limit ${JOURNAL_PER_SEC}/s; all are applied and kept)`, raw: null }),
    );
  }

  /** One text frame from the socket. */
  receive(text: string): void {
    const { status } = this.deps;
    if (this.deps.isStopped()) return;
    const json = parseJson(text);
    if (!json.ok) return status.problem('malformed', json.message, { text: preview(text, 2_000) });
    const raw = json.value;
    // The envelope is checked by hand (hot path); `data` is validated per event below.
    const env = raw as { event?: unknown; data?: unknown } | null;
    if (typeof env !== 'object' || env === null || Array.isArray(env) || typeof env.event !== 'string' || env.event.length === 0 || env.event.length > 200) {
      return status.problem('malformed', `not an {event, data, timestamp} envelope: ${preview(text)}`, raw);
    }
    const event = env.event;
    if (!isServerEvent(event) && this.correlated(event, env.data, raw)) return;
    if (!isServerEvent(event)) {
      status.noteUnknownName(preview(event, 60));
      return status.problem('unknownEvents', `unknown event ${preview(event, 60)}`, raw);
    }
    const data = env.data;
    if (typeof data !== 'object' || data === null || Array.isArray(data)) return status.problem('malformed', `${event}: data is not an object`, raw);
    this.handle(event, data as Record<string, unknown>, raw);
  }

  /**
   * An event of a name outside the seed that echoes a pending request_id answers that request
   * (e.g. `EXECUCAO_RESUMIDA`): journaled, not counted as an unknown event.
   */
  private correlated(event: string, data: unknown, raw: unknown): boolean {
    const { ctx, conn, requests } = this.deps;
    if (typeof data !== 'object' || data === null || Array.isArray(data)) return false;
    const rid = (data as { request_id?: unknown }).request_id;
    const mine = typeof rid === 'string' || typeof rid === 'number' ? requests.waiting(String(rid)) : undefined;
    if (!mine) return false;
    conn.session?.event();
    ctx.journal.record({ upstream: 'keywordHub', type: preview(event, 60), level: 'info', ids: mine.executionId ? { execution: mine.executionId } : {}, summary: `${preview(event, 60)} answers ${mine.event} (request_id ${String(rid)})`, raw });
    requests.answer(String(rid), mine, { event, data: data as Record<string, unknown> });
    return true;
  }

  /** The execution an event is about (now heard of); one we have not seen was started elsewhere (another console). */
  private execOf(id: string): Execution {
    const { store, resync, reports } = this.deps;
    let e = store.get(id);
    if (!e) {
      e = store.add(store.blank(id));
      // The list answer (an optional extra) brings its URL and settings.
      resync.soon();
    }
    reports.heardOf(e);
    return e;
  }

  private handle(event: ServerEvent, data: Record<string, unknown>, raw: unknown): void {
    const { ctx, now, conn, status, store, requests, reports } = this.deps;
    const parsed = checkUpstream(serverEvents[event], data);
    if (!parsed.ok) return status.problem('malformed', `${event}: ${parsed.message}`, raw);
    conn.session?.event();
    const ridRaw = (parsed.value as { request_id?: string | number | null }).request_id;
    const rid = ridRaw === null || ridRaw === undefined ? null : String(ridRaw);
    const mine = requests.waiting(rid);
    const record = (level: 'info' | 'warn' | 'error', summary: string | (() => string), execution?: string, highRate = false) => {
      if (highRate && !this.budget.take()) return;
      ctx.journal.record({ upstream: 'keywordHub', type: event, level, ids: execution ? { execution } : {}, summary: typeof summary === 'function' ? summary() : summary, raw: data });
    };

    switch (event) {
      case 'EXECUCAO_INICIADA': {
        const d = parsed.value as Data<'EXECUCAO_INICIADA'>;
        // A start naming an id we hold finished (or gone quiet) is the hub reusing it after a restart.
        let e = reports.current(String(d.execucao_id), { isStart: true });
        if (!e) {
          e = store.add(store.blank(String(d.execucao_id)));
          if (mine?.start) {
            const s = mine.start;
            Object.assign(e, { mine: true, blogUrl: s.blogUrl, categoryId: s.categoryId ?? null, config: { maxKeywords: s.maxKeywords, depth: s.depth, timeout: s.timeout }, progress: { total: s.maxKeywords, current: 0, percent: 0 } });
          } else this.deps.resync.soon();
        }
        reports.heardOf(e);
        reports.setStatus(e, d.status, event);
        store.touch(e, true);
        record('info', `execution ${e.id} started${e.blogUrl ? ` for ${e.blogUrl}` : ''}`, e.id);
        break;
      }
      case 'EXECUCAO_PAUSADA': {
        const d = parsed.value as Data<'EXECUCAO_PAUSADA'>;
        const e = this.execOf(String(d.execucao_id));
        if (reports.setStatus(e, d.status, event)) store.touch(e, true);
        requests.observeExecution(e, event);
        record('info', `execution ${e.id} paused`, e.id);
        break;
      }
      case 'EXECUCAO_STATUS': {
        const d = parsed.value as Data<'EXECUCAO_STATUS'>;
        const e = this.execOf(String(d.execucao_id));
        const before = e.status;
        if (reports.applyStatus(e, d, event)) store.touch(e, before !== e.status);
        if (before !== e.status) requests.observeExecution(e, event);
        const p = d.progresso;
        // Progress ticks are high-rate (rate-limited in the journal); status changes always go in.
        record('info', () => `execution ${e.id} ${d.status}${p ? ` ${p.atual ?? '?'}/${p.total ?? '?'}` : ''}${d.keywords_encontradas !== undefined ? `, ${d.keywords_encontradas} keywords` : ''}`, e.id, before === e.status && mine === undefined);
        break;
      }
      case 'KEYWORD_ENCONTRADA': {
        const d = parsed.value as Data<'KEYWORD_ENCONTRADA'>;
        const e = this.execOf(String(d.execucao_id));
        const kw = d.keyword;
        const k: Keyword = { executionId: e.id, term: kw.termo, frequency: kw.frequencia ?? 0, relevance: kw.relevancia ?? 0, position: kw.posicao ?? 0, url: kw.url ?? '', clusterId: d.cluster_id === null || d.cluster_id === undefined ? null : String(d.cluster_id), at: now() };
        store.addKeyword(e, k);
        ctx.hub.publish('executions.keywords', k);
        record('info', () => `keyword "${preview(k.term, 80)}" (relevance ${k.relevance}) in ${e.id}`, e.id, true);
        break;
      }
      case 'CLUSTER_FORMADO': {
        const d = parsed.value as Data<'CLUSTER_FORMADO'>;
        const e = this.execOf(String(d.execucao_id));
        const keywords = d.cluster.keywords ?? [];
        const c: Cluster = { executionId: e.id, id: d.cluster.id, name: d.cluster.nome ?? d.cluster.id, keywords, size: d.cluster.tamanho ?? keywords.length, avgRelevance: d.cluster.relevancia_media ?? 0, at: now() };
        store.addCluster(e, c);
        ctx.hub.publish('executions.clusters', c);
        record('info', `cluster "${preview(c.name, 60)}" (${c.size} keywords, average relevance ${c.avgRelevance}) in ${e.id}`, e.id);
        break;
      }
      case 'EXECUCAO_CONCLUIDA': {
        const d = parsed.value as Data<'EXECUCAO_CONCLUIDA'>;
        const e = this.execOf(String(d.execucao_id));
        if (!reports.setStatus(e, 'concluida', event)) break;
        requests.observeExecution(e, event);
        // Totals the hub leaves out (null) are what we counted ourselves.
        const r = d.resultado ?? {};
        const totalKeywords = Math.max(e.keywordsFound, r.total_keywords ?? 0);
        const clusters = Math.max(e.clustersFormed, r.clusters_formados ?? 0);
        e.result = { totalKeywords: r.total_keywords ?? totalKeywords, clustersFormed: r.clusters_formados ?? clusters, totalTimeSec: r.tempo_total ?? e.elapsedSec, successRate: r.taxa_sucesso ?? 0, downloadUrl: d.download_url ?? null };
        e.progress = { ...e.progress, current: e.progress.total || e.progress.current, percent: 100 };
        e.keywordsFound = totalKeywords;
        e.clustersFormed = clusters;
        e.elapsedSec = e.result.totalTimeSec;
        e.estimatedSec = 0;
        store.touch(e, true);
        record('info', `execution ${e.id} concluded: ${e.result.totalKeywords} keywords, ${e.result.clustersFormed} clusters, ${Math.round(e.result.successRate * 100)}% success`, e.id);
        if (e.mine && store.prefs.types.includes('execucao_concluida')) ctx.alerts.raise(concludedAlert(e.id, e.result.totalKeywords, e.result.clustersFormed));
        break;
      }
      case 'EXECUCAO_ERRO': {
        const d = parsed.value as Data<'EXECUCAO_ERRO'>;
        const e = this.execOf(String(d.execucao_id));
        if (!reports.setStatus(e, 'erro', event)) break;
        requests.observeExecution(e, event);
        const codigo = d.erro?.codigo ?? 'ERRO';
        const mensagem = d.erro?.mensagem ?? '';
        e.error = hubErrorOf(codigo, mensagem, d.erro?.detalhes, d.recomendacao, now());
        e.estimatedSec = 0;
        store.touch(e, true);
        record('error', `execution ${e.id} failed: ${codigo} ${mensagem}`, e.id);
        ctx.alerts.raise(executionErrorAlert(e.id, codigo, mensagem, d.recomendacao));
        break;
      }
      case 'NOTIFICACAO_GERAL': {
        const d = parsed.value as Data<'NOTIFICACAO_GERAL'>;
        if (mine?.event === 'NOTIFICACAO_CONFIGURAR') {
          // The hub's acknowledgement of our preferences: journaled, not added to the operator's list.
          record('info', `preferences acknowledged: ${preview(d.mensagem, 120)}`);
          break;
        }
        const n: HubNotification = { id: `n_${now().toString(36)}_${nextSeq()}`, at: now(), type: d.tipo, title: d.titulo, message: d.mensagem, actionUrl: httpOnly(d.acao?.url), actionType: d.acao?.tipo ?? null };
        store.addNotification(n);
        ctx.hub.publish('executions.notifications', n);
        record(d.tipo === 'error' || d.tipo === 'erro' ? 'warn' : 'info', `${d.tipo}: ${preview(d.titulo, 120)}`);
        break;
      }
      case 'METRICA_PERFORMANCE': {
        const d = parsed.value as Data<'METRICA_PERFORMANCE'>;
        const m: MetricSample = { at: now(), cpu: d.cpu_uso ?? null, memory: d.memoria_uso ?? null, responseTime: d.tempo_resposta_medio ?? null, rps: d.requisicoes_por_segundo ?? null, activeExecutions: d.execucoes_ativas ?? null };
        store.addMetric(m);
        ctx.hub.publish('executions.metrics', m);
        // Samples flowing are the effect of MONITORAMENTO_INICIAR, whose answer the seed does not name.
        requests.observeEvent(event, data);
        record('info', () => `cpu ${m.cpu ?? '–'}%, memory ${m.memory ?? '–'}%, ${m.responseTime ?? '–'} ms, ${m.rps ?? '–'} req/s, ${m.activeExecutions ?? '–'} active`, undefined, true);
        break;
      }
      case 'SISTEMA_ALERTA': {
        const d = parsed.value as Data<'SISTEMA_ALERTA'>;
        const severity = severityOf(d.nivel);
        record(severity === 'critical' || severity === 'high' ? 'error' : 'warn', `${d.nivel}/${d.categoria}: ${preview(d.mensagem, 160)}`);
        ctx.alerts.raise(systemAlert(d));
        break;
      }
      case 'SESSAO_PONG':
        this.deps.pinger.pong(rid);
        break;
      case 'ERRO':
        this.deps.hubErrors.handle(parsed.value as Data<'ERRO'>, mine, rid, raw);
        return;
      case 'EXECUCAO_LISTA':
        record('info', `list of ${(parsed.value as Data<'EXECUCAO_LISTA'>).execucoes.length} executions`);
        break;
    }
    if (mine && rid !== null) requests.answer(rid, mine, { event, data: parsed.value as Record<string, unknown> });
  }
}
