import type { z } from 'zod';
import type { ExecStatus, Execution, HubError } from '../../contract/keyword-hub';
import type { HubParts } from './parts';
import { acceptUpdate } from './state-machine';
import { ListItem, type StatusData } from './wire';

export const hubErrorOf = (codigo: string, mensagem: string, detalhes: unknown, recomendacao: string | null | undefined, at: number): HubError => ({
  codigo,
  mensagem,
  ...(detalhes !== undefined ? { detalhes } : {}),
  recomendacao: recomendacao ?? null,
  at,
});

/**
 * What the hub reports about an execution, applied to the console's copy: status changes
 * checked against the state machine (stale ones ignored and counted, jumps outside the diagram
 * applied and journaled), progress, and the items of the re-sync list.
 */
export class ExecutionReports {
  constructor(private readonly deps: Pick<HubParts, 'ctx' | 'store' | 'status'>) {}

  /** Apply a status reported by the hub; false when the update is stale (execution already final). */
  setStatus(e: Execution, to: ExecStatus, event: string): boolean {
    const verdict = acceptUpdate(e.status, to);
    if (verdict === 'stale') {
      this.deps.status.health.staleUpdates++;
      this.deps.ctx.journal.record({ upstream: 'keywordHub', type: 'stale-update', level: 'warn', ids: { execution: e.id }, summary: `${event} says ${to} but execution ${e.id} is already ${e.status}; ignored`, raw: null });
      this.deps.status.publish();
      return false;
    }
    if (verdict === 'unexpected') {
      this.deps.ctx.journal.record({ upstream: 'keywordHub', type: 'unexpected-transition', level: 'warn', ids: { execution: e.id }, summary: `execution ${e.id}: ${e.status} → ${to} is not in the seed's diagram; applied (the hub is the source of truth)`, raw: null });
    }
    e.status = to;
    return true;
  }

  /** Status plus progress (percent computed when missing), keywords and times. */
  applyStatus(e: Execution, d: z.output<typeof StatusData>, event: string): boolean {
    if (!this.setStatus(e, d.status, event)) return false;
    if (d.progresso) {
      const total = d.progresso.total;
      e.progress = { total, atual: d.progresso.atual, percentual: d.progresso.percentual ?? (total > 0 ? Math.round((d.progresso.atual / total) * 1000) / 10 : 0) };
    }
    if (d.keywords_encontradas !== undefined) e.keywordsFound = d.keywords_encontradas;
    if (d.tempo_decorrido !== undefined) e.elapsedSec = d.tempo_decorrido;
    if (d.tempo_estimado !== undefined) e.estimatedSec = d.tempo_estimado;
    return true;
  }

  /** One item of EXECUCAO_LISTA: creates the execution if unknown, fills in what we lacked. */
  mergeListItem(raw: unknown): void {
    const p = ListItem.safeParse(raw);
    if (!p.success) return this.deps.status.problem('malformed', `EXECUCAO_LISTA item: ${p.error.issues[0]?.message ?? 'invalid'}`, raw);
    const d = p.data;
    const e = this.deps.store.get(String(d.execucao_id)) ?? this.deps.store.blank(String(d.execucao_id));
    this.deps.store.add(e);
    if (!this.applyStatus(e, d, 'EXECUCAO_LISTA')) return;
    e.blogUrl ??= d.blog_url ?? null;
    e.categoriaId ??= d.categoria_id ?? null;
    if (d.clusters_formados !== undefined) e.clustersFormed = d.clusters_formados;
    if (d.iniciada_em && !Number.isNaN(Date.parse(d.iniciada_em)) && !e.mine) e.startedAt = Date.parse(d.iniciada_em);
    if (d.status === 'concluida' && d.download_url && e.result) e.result.downloadUrl = d.download_url;
    else if (d.status === 'concluida' && !e.result) {
      e.result = { totalKeywords: e.keywordsFound, clustersFormados: e.clustersFormed, tempoTotal: e.elapsedSec, taxaSucesso: 0, downloadUrl: d.download_url ?? null };
      e.progress = { ...e.progress, percentual: 100 };
    }
    this.deps.store.touch(e);
  }
}
