import { renamed } from '../../core/renamed-fields';
import { monitorMetrics, type MonitorMetric } from '../../contract/keyword-hub';

/**
 * The keyword hub's rows as written before issue 15 (Portuguese field names in SQLite and the
 * kv table): each reader upgrades a row to the contract's English names before it is validated.
 */

const hubError = (raw: unknown): unknown => renamed(raw, { codigo: 'code', mensagem: 'message', detalhes: 'details', recomendacao: 'recommendation' });

export function executionRow(raw: unknown): unknown {
  const e = renamed(raw, { categoriaId: 'categoryId' });
  if (typeof e !== 'object' || e === null || Array.isArray(e)) return e;
  const x = e as Record<string, unknown>;
  return {
    ...x,
    progress: renamed(x.progress, { atual: 'current', percentual: 'percent' }),
    result: renamed(x.result, { clustersFormados: 'clustersFormed', tempoTotal: 'totalTimeSec', taxaSucesso: 'successRate' }),
    error: hubError(x.error),
    refusal: hubError(x.refusal),
  };
}

export const keywordRow = (raw: unknown): unknown => renamed(raw, { termo: 'term', frequencia: 'frequency', relevancia: 'relevance', posicao: 'position' });
export const clusterRow = (raw: unknown): unknown => renamed(raw, { nome: 'name', tamanho: 'size', relevanciaMedia: 'avgRelevance' });
export const notificationRow = (raw: unknown): unknown => renamed(raw, { tipo: 'type', titulo: 'title', mensagem: 'message' });
export const prefsRow = (raw: unknown): unknown => renamed(raw, { tipos: 'types', canal: 'channel' });

/** The seed's metric names, as the monitoring choice was stored before. */
const oldMetric: Record<string, MonitorMetric> = { memoria: 'memory', tempo_resposta: 'responseTime', requisicoes_por_segundo: 'requestsPerSecond', execucoes_ativas: 'activeExecutions' };
export function monitorRow(raw: unknown): unknown {
  const m = renamed(raw, { metricas: 'metrics', intervaloMs: 'intervalMs' });
  if (typeof m !== 'object' || m === null || Array.isArray(m)) return m;
  const x = m as Record<string, unknown>;
  if (!Array.isArray(x.metrics)) return x;
  return { ...x, metrics: x.metrics.map((v) => (typeof v === 'string' && !(monitorMetrics as readonly string[]).includes(v) ? (oldMetric[v] ?? v) : v)) };
}
