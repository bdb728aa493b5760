import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { ExecAction, StartInput } from '../../contract/keyword-hub';

/** Seed 001's wire format: server → client events as validated at the edge (unknown fields are tolerated), then the client → server side. */

// No transforms on the hot path (they cost more than the checks): ids are normalised with String() by the connector.
export const RequestId = z.union([z.string(), z.number()]).nullish();
const Num = z.number().finite();
const ExecId = z.union([z.string().min(1), z.number()]);
export const WireStatus = z.enum(['iniciada', 'em_andamento', 'pausada', 'concluida', 'cancelada', 'erro']);

export const Progresso = z.object({ total: Num, atual: Num, percentual: Num.optional() });

export const StatusData = z.object({
  execucao_id: ExecId,
  status: WireStatus,
  progresso: Progresso.optional(),
  keywords_encontradas: Num.optional(),
  tempo_decorrido: Num.optional(),
  tempo_estimado: Num.optional(),
  request_id: RequestId,
});

export const ErroBody = z.object({
  codigo: z.string().min(1),
  mensagem: z.string().default(''),
  detalhes: z.unknown().optional(),
  recomendacao: z.string().nullish(),
  request_id: RequestId,
});

/** EXECUCAO_LISTA items (the simulator's re-sync answer; see docs/keyword-hub.md). */
export const ListItem = StatusData.extend({
  blog_url: z.string().nullish(),
  categoria_id: z.number().nullish(),
  clusters_formados: Num.optional(),
  iniciada_em: z.string().nullish(),
  download_url: z.string().nullish(),
});

export const serverEvents = {
  EXECUCAO_INICIADA: z.object({ execucao_id: ExecId, status: WireStatus.default('iniciada'), request_id: RequestId }),
  EXECUCAO_PAUSADA: z.object({ execucao_id: ExecId, status: WireStatus.default('pausada'), request_id: RequestId }),
  EXECUCAO_STATUS: StatusData,
  KEYWORD_ENCONTRADA: z.object({
    execucao_id: ExecId,
    keyword: z.object({ termo: z.string().min(1), frequencia: Num, relevancia: Num, posicao: Num, url: z.string() }),
    cluster_id: z.union([z.string(), z.number()]).nullish(),
  }),
  CLUSTER_FORMADO: z.object({
    execucao_id: ExecId,
    cluster: z.object({ id: z.union([z.string(), z.number()]).transform(String), nome: z.string(), keywords: z.array(z.string()), tamanho: Num.optional(), relevancia_media: Num }),
  }),
  EXECUCAO_CONCLUIDA: z.object({
    execucao_id: ExecId,
    resultado: z.object({ total_keywords: Num, clusters_formados: Num, tempo_total: Num, taxa_sucesso: Num }),
    download_url: z.string().nullish(),
  }),
  EXECUCAO_ERRO: z.object({
    execucao_id: ExecId,
    erro: z.object({ codigo: z.string().min(1), mensagem: z.string().default(''), detalhes: z.unknown().optional() }),
    recomendacao: z.string().nullish(),
  }),
  NOTIFICACAO_GERAL: z.object({
    tipo: z.string().default('info'),
    titulo: z.string(),
    mensagem: z.string().default(''),
    acao: z.object({ tipo: z.string().optional(), url: z.string().optional() }).nullish(),
    request_id: RequestId,
  }),
  METRICA_PERFORMANCE: z.object({
    cpu_uso: Num.optional(),
    memoria_uso: Num.optional(),
    tempo_resposta_medio: Num.optional(),
    requisicoes_por_segundo: Num.optional(),
    execucoes_ativas: Num.optional(),
    request_id: RequestId,
  }),
  SISTEMA_ALERTA: z.object({ nivel: z.string(), categoria: z.string().default(''), mensagem: z.string(), acoes: z.array(z.string()).default([]) }),
  SESSAO_PONG: z.object({ request_id: RequestId, server_time: z.string().optional() }),
  ERRO: ErroBody,
  EXECUCAO_LISTA: z.object({ execucoes: z.array(z.unknown()), request_id: RequestId }),
} as const;

export type ServerEvent = keyof typeof serverEvents;
export const isServerEvent = (name: string): name is ServerEvent => Object.hasOwn(serverEvents, name);

export const Envelope = z.object({ event: z.string().min(1).max(200), data: z.unknown(), timestamp: z.string().optional() });

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
  ...(s.categoriaId !== undefined ? { categoria_id: s.categoriaId } : {}),
  configuracoes: { max_keywords: s.maxKeywords, profundidade: s.depth, timeout: s.timeout },
});
export const startFromWire = (d: Record<string, unknown>): StartInput => {
  const c = (d.configuracoes ?? {}) as Record<string, number>;
  return { blogUrl: String(d.blog_url), ...(typeof d.categoria_id === 'number' ? { categoriaId: d.categoria_id } : {}), maxKeywords: c.max_keywords ?? 100, depth: c.profundidade ?? 3, timeout: c.timeout ?? 30 };
};
