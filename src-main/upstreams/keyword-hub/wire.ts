import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { execStatuses } from '../../contract/execution-machine';
import type { ExecAction, MonitorConfig, MonitorMetric, NotificationPrefs, StartInput } from '../../contract/keyword-hub';

/** Seed 001's wire format: server → client events as validated at the edge (unknown fields are tolerated), then the client → server side. */

// No transforms on the hot path (they cost more than the checks): ids are normalised with String() by the connector.
// Be liberal (docs/keyword-hub.md "What we rely on / what we tolerate"): the seed's examples give
// only the fields a message must have to be used at all; every other number may be null or absent.
export const RequestId = z.union([z.string(), z.number()]).nullish();
const Num = z.number().finite();
/** A number the hub may not know yet (`tempo_estimado: null`): null and absent both mean "unknown". */
const OptNum = Num.nullish();
const ExecId = z.union([z.string().min(1), z.number()]);
/**
 * A status as the hub sends it, read into the contract's state machine (`execStatuses`). The seed
 * writes its states in lower case in the codes list and in upper case in the diagram: both are read.
 */
export const WireStatus = z.preprocess((v) => (typeof v === 'string' ? v.toLowerCase() : v), z.enum(execStatuses));

/** `progresso` is extra information: a shape we cannot read is ignored, not the whole status. */
export const Progresso = z.object({ total: OptNum, atual: OptNum, percentual: OptNum }).nullish().catch(undefined);

/** A timestamp as ISO 8601 text or epoch seconds/milliseconds (number or digits); null when it is neither. */
export function timeOf(v: unknown): number | null {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+(\.\d+)?$/.test(v.trim()) ? Number(v) : null;
  if (n !== null) return Number.isFinite(n) && n > 0 ? (n < 1e11 ? Math.round(n * 1000) : Math.round(n)) : null;
  if (typeof v !== 'string' || v.length > 64) return null;
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : t;
}
const Timestamp = z.union([z.string().max(64), Num]).nullish();

export const StatusData = z.object({
  execucao_id: ExecId,
  status: WireStatus,
  progresso: Progresso,
  keywords_encontradas: OptNum,
  tempo_decorrido: OptNum,
  tempo_estimado: OptNum,
  request_id: RequestId,
});

export const ErroBody = z.object({
  codigo: z.string().min(1),
  mensagem: z.string().nullish().transform((m) => m ?? ''),
  detalhes: z.unknown().optional(),
  recomendacao: z.string().nullish(),
  request_id: RequestId,
});

/** EXECUCAO_LISTA items (the ordinary simulator's re-sync answer, an optional extra; see docs/keyword-hub.md). */
export const ListItem = StatusData.extend({
  blog_url: z.string().nullish(),
  categoria_id: z.number().nullish(),
  clusters_formados: OptNum,
  iniciada_em: Timestamp,
  download_url: z.string().nullish(),
});

export const serverEvents = {
  EXECUCAO_INICIADA: z.object({ execucao_id: ExecId, status: WireStatus.default('iniciada'), request_id: RequestId }),
  EXECUCAO_PAUSADA: z.object({ execucao_id: ExecId, status: WireStatus.default('pausada'), request_id: RequestId }),
  EXECUCAO_STATUS: StatusData,
  KEYWORD_ENCONTRADA: z.object({
    execucao_id: ExecId,
    keyword: z.object({ termo: z.string().min(1), frequencia: OptNum, relevancia: OptNum, posicao: OptNum, url: z.string().nullish() }),
    cluster_id: z.union([z.string(), z.number()]).nullish(),
  }),
  CLUSTER_FORMADO: z.object({
    execucao_id: ExecId,
    cluster: z.object({ id: z.union([z.string(), z.number()]).transform(String), nome: z.string().nullish(), keywords: z.array(z.string()).nullish(), tamanho: OptNum, relevancia_media: OptNum }),
  }),
  EXECUCAO_CONCLUIDA: z.object({
    execucao_id: ExecId,
    resultado: z.object({ total_keywords: OptNum, clusters_formados: OptNum, tempo_total: OptNum, taxa_sucesso: OptNum }).nullish().catch(undefined),
    download_url: z.string().nullish(),
  }),
  EXECUCAO_ERRO: z.object({
    execucao_id: ExecId,
    erro: z.object({ codigo: z.string().min(1).catch('ERRO'), mensagem: z.string().nullish().catch(undefined), detalhes: z.unknown().optional() }).nullish().catch(undefined),
    recomendacao: z.string().nullish(),
  }),
  NOTIFICACAO_GERAL: z.object({
    tipo: z.string().nullish().transform((t) => t ?? 'info'),
    titulo: z.string(),
    mensagem: z.string().nullish().transform((m) => m ?? ''),
    acao: z.object({ tipo: z.string().optional(), url: z.string().optional() }).nullish(),
    request_id: RequestId,
  }),
  METRICA_PERFORMANCE: z.object({
    cpu_uso: OptNum,
    memoria_uso: OptNum,
    tempo_resposta_medio: OptNum,
    requisicoes_por_segundo: OptNum,
    execucoes_ativas: OptNum,
    request_id: RequestId,
  }),
  SISTEMA_ALERTA: z.object({ nivel: z.string().nullish().transform((n) => n ?? 'info'), categoria: z.string().nullish().transform((c) => c ?? ''), mensagem: z.string(), acoes: z.array(z.string()).nullish().transform((a) => a ?? []) }),
  SESSAO_PONG: z.object({ request_id: RequestId, server_time: Timestamp }),
  ERRO: ErroBody,
  EXECUCAO_LISTA: z.object({ execucoes: z.array(z.unknown()), request_id: RequestId }),
} as const;

export type ServerEvent = keyof typeof serverEvents;
export const isServerEvent = (name: string): name is ServerEvent => Object.hasOwn(serverEvents, name);

export const Envelope = z.object({ event: z.string().min(1).max(200), data: z.unknown(), timestamp: Timestamp });

// ---- client → server ------------------------------------------------------------------------

export const CLIENT_EVENT: Record<ExecAction, string> = { pausar: 'EXECUCAO_PAUSAR', resumir: 'EXECUCAO_RESUMIR', cancelar: 'EXECUCAO_CANCELAR' };
/** The operator action a client event carries (null for EXECUCAO_INICIAR and the rest). */
export const actionOfEvent = (event: string): ExecAction | null => (Object.entries(CLIENT_EVENT).find(([, ev]) => ev === event)?.[0] ?? null) as ExecAction | null;

let counter = 0;
/** A per-console sequence number (base 36), shared by request and notification ids. */
export const nextSeq = (): string => (++counter).toString(36);
export const newRequestId = (): string => `req_${Date.now().toString(36)}_${nextSeq()}_${randomBytes(3).toString('hex')}`;

/** Every client event travels as `{event, data, timestamp}`. */
export const frameOf = (event: string, data: Record<string, unknown>, at: number): string => JSON.stringify({ event, data, timestamp: new Date(at).toISOString() });

export const wireStart = (s: StartInput): Record<string, unknown> => ({
  blog_url: s.blogUrl,
  ...(s.categoryId !== undefined ? { categoria_id: s.categoryId } : {}),
  configuracoes: { max_keywords: s.maxKeywords, profundidade: s.depth, timeout: s.timeout },
});
export const startFromWire = (d: Record<string, unknown>): StartInput => {
  const c = (d.configuracoes ?? {}) as Record<string, number>;
  return { blogUrl: String(d.blog_url), ...(typeof d.categoria_id === 'number' ? { categoryId: d.categoria_id } : {}), maxKeywords: c.max_keywords ?? 100, depth: c.profundidade ?? 3, timeout: c.timeout ?? 30 };
};

/** NOTIFICACAO_CONFIGURAR's data: the notification types are the hub's own codes, sent as chosen. */
export const wirePrefs = (p: NotificationPrefs): Record<string, unknown> => ({ tipos: p.types, canal: p.channel });

/** The seed's names for the metrics MONITORAMENTO_INICIAR asks for. */
export const WIRE_METRIC: Record<MonitorMetric, string> = {
  cpu: 'cpu',
  memory: 'memoria',
  responseTime: 'tempo_resposta',
  requestsPerSecond: 'requisicoes_por_segundo',
  activeExecutions: 'execucoes_ativas',
};
export const wireMonitor = (m: MonitorConfig): Record<string, unknown> => ({ metricas: m.metrics.map((x) => WIRE_METRIC[x]), intervalo: m.intervalMs });
