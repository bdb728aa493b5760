import type { z } from 'zod';
import { isTerminal, type ExecStatus, type Execution, type HubError } from '../../contract/keyword-hub';
import type { CoreContext } from '../../core/context';
import type { ExecutionStore } from './store';
import type { HubStatusBoard } from './hub-status';
import { confirmsAction } from './requests';
import { acceptUpdate } from './state-machine';
import { ListItem, timeOf, type StatusData } from './wire';

export const hubErrorOf = (code: string, message: string, details: unknown, recommendation: string | null | undefined, at: number): HubError => ({
  code,
  message,
  ...(details !== undefined ? { details } : {}),
  recommendation: recommendation ?? null,
  at,
});

/** A hub restarted and reused an id when its start is this much newer than our record's (clocks differ a little). */
const NEW_RUN_SLACK_MS = 5_000;

export interface ReportsDeps {
  ctx: CoreContext;
  /** Clock for timestamps and queue expiry (tests replace it). */
  now: () => number;
  store: ExecutionStore;
  status: HubStatusBoard;
}

/**
 * What the hub reports about an execution, applied to the console's copy: status changes
 * checked against the state machine (stale ones ignored and counted, jumps outside the diagram
 * applied and journaled), progress, the items of the re-sync list, when it was last heard of
 * ("no news since"), and a reused id starting a new run.
 */
export class ExecutionReports {
  /** When the hub last reported each execution (this process; 0 = not since start). */
  private readonly heard = new Map<string, number>();

  constructor(private readonly deps: ReportsDeps) {}

  heardAt(e: Execution): number {
    return this.heard.get(e.id) ?? 0;
  }

  /** The hub reported this execution: it is news again. */
  heardOf(e: Execution): void {
    this.heard.set(e.id, this.deps.now());
    if (e.noNewsSince !== null) {
      e.noNewsSince = null;
      this.deps.store.touch(e, true);
    }
  }

  /** Not reported since the link came back: last known state kept, shown as "no news since" its last report. */
  noNews(e: Execution): void {
    if (e.noNewsSince !== null) return;
    e.noNewsSince = this.heard.get(e.id) ?? e.updatedAt;
    this.deps.store.touch(e, true);
  }

  /**
   * The execution `id` names now. An id seen again after the hub restarted (a new start after
   * our record finished or went quiet, or a start time newer than the record's) is a new run:
   * the old record stays in history under `id@startedAt`.
   */
  current(id: string, start: { startedAt?: number | null; isStart?: boolean } = {}): Execution | undefined {
    const { store, ctx } = this.deps;
    const e = store.get(id);
    if (!e) return undefined;
    const restarted = start.isStart === true && (isTerminal(e.status) || e.noNewsSince !== null);
    const newer = typeof start.startedAt === 'number' && start.startedAt > e.startedAt + NEW_RUN_SLACK_MS;
    if (!restarted && !newer) return e;
    const key = store.archive(e);
    ctx.journal.record({ upstream: 'keywordHub', type: 'new-run', level: 'info', ids: { execution: id }, summary: `the hub reused execution id ${id} (restarted?): a new run; the earlier one is kept as ${key}`, raw: null });
    return undefined;
  }

  /** Apply a status reported by the hub; false when the update is stale (execution already final). */
  setStatus(e: Execution, to: ExecStatus, event: string): boolean {
    const verdict = acceptUpdate(e.status, to);
    if (verdict === 'stale') {
      this.deps.status.count('staleUpdates');
      this.deps.ctx.journal.record({ upstream: 'keywordHub', type: 'stale-update', level: 'warn', ids: { execution: e.id }, summary: `${event} says ${to} but execution ${e.id} is already ${e.status}; ignored`, raw: null });
      this.deps.status.publish();
      return false;
    }
    if (verdict === 'unexpected') {
      this.deps.ctx.journal.record({ upstream: 'keywordHub', type: 'unexpected-transition', level: 'warn', ids: { execution: e.id }, summary: `execution ${e.id}: ${e.status} → ${to} is not in the seed's diagram; applied (the hub is the source of truth)`, raw: null });
    }
    e.status = to;
    // An action left "sent, not confirmed" is confirmed by its effect, or moot once the run ends.
    if (e.unconfirmed && (confirmsAction(e.unconfirmed, to) || isTerminal(to))) {
      if (confirmsAction(e.unconfirmed, to)) this.deps.ctx.journal.record({ upstream: 'keywordHub', type: 'confirmed', level: 'info', ids: { execution: e.id }, summary: `${e.unconfirmed} of ${e.id} confirmed by its effect (${to})`, raw: null });
      e.unconfirmed = null;
    }
    return true;
  }

  /** Status plus progress (percent computed when missing), keywords and times; null/absent numbers keep what we knew. */
  applyStatus(e: Execution, d: z.output<typeof StatusData>, event: string): boolean {
    if (!this.setStatus(e, d.status, event)) return false;
    const p = d.progresso;
    if (p && (typeof p.total === 'number' || typeof p.atual === 'number')) {
      const total = p.total ?? e.progress.total;
      const current = p.atual ?? e.progress.current;
      e.progress = { total, current, percent: p.percentual ?? (total > 0 ? Math.round((current / total) * 1000) / 10 : 0) };
    }
    if (typeof d.keywords_encontradas === 'number') e.keywordsFound = d.keywords_encontradas;
    if (typeof d.tempo_decorrido === 'number') e.elapsedSec = d.tempo_decorrido;
    if (typeof d.tempo_estimado === 'number') e.estimatedSec = d.tempo_estimado;
    return true;
  }

  /** One item of EXECUCAO_LISTA: creates the execution if unknown, fills in what we lacked. */
  mergeListItem(raw: unknown): void {
    const p = ListItem.safeParse(raw);
    if (!p.success) return this.deps.status.problem('malformed', `EXECUCAO_LISTA item: ${p.error.issues[0]?.message ?? 'invalid'}`, raw);
    const d = p.data;
    const id = String(d.execucao_id);
    const startedAt = timeOf(d.iniciada_em);
    const e = this.current(id, { startedAt }) ?? this.deps.store.add(this.deps.store.blank(id));
    this.heardOf(e);
    if (!this.applyStatus(e, d, 'EXECUCAO_LISTA')) return;
    e.blogUrl ??= d.blog_url ?? null;
    e.categoryId ??= d.categoria_id ?? null;
    if (typeof d.clusters_formados === 'number') e.clustersFormed = d.clusters_formados;
    if (startedAt !== null && !e.mine) e.startedAt = startedAt;
    if (d.status === 'concluida' && d.download_url && e.result) e.result.downloadUrl = d.download_url;
    else if (d.status === 'concluida' && !e.result) {
      e.result = { totalKeywords: e.keywordsFound, clustersFormed: e.clustersFormed, totalTimeSec: e.elapsedSec, successRate: 0, downloadUrl: d.download_url ?? null };
      e.progress = { ...e.progress, percent: 100 };
    }
    this.deps.store.touch(e);
  }
}
