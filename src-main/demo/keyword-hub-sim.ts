import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { closeServer, listen as listenOn, portOf } from '../core/http-listen';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { z } from 'zod';
import { ExecutionEngine, ALLOWED_FROM, type ExecAction, type ExecutionSnapshot } from './keyword-hub-exec';
import { createRandom } from './random';
import type { Simulator, SimulatorOptions } from './types';

/**
 * Keyword hub ("Omni Keywords Finder") WebSocket upstream: `ws://host/ws`, `Authorization: Bearer`
 * checked on the upgrade (401, no WebSocket, when wrong), JSON frames `{event, data, timestamp}`.
 *
 * Executions are server state (see keyword-hub-exec.ts) and their events are broadcast to every
 * connected client. Re-sync after a reconnect: the client sends `EXECUCAO_STATUS`
 * `{execucao_id, request_id}` (answered with the current EXECUCAO_STATUS plus request_id) or
 * `EXECUCAO_LISTAR` `{request_id}` (answered with `EXECUCAO_LISTA {execucoes, request_id}`). The seed
 * only implies these queries; they are this simulator's documented contract.
 *
 * Seed-only mode (`seedOnly`) speaks exactly what seed 001 documents, as a strict hub would:
 * EXECUCAO_LISTAR / EXECUCAO_STATUS requests are unknown events (ERRO VALIDATION_ERROR); only the
 * answers the seed names are sent (EXECUCAO_INICIADA, EXECUCAO_PAUSADA, SESSAO_PONG, with the
 * request_id, to the requester only); resume and cancel only broadcast the new EXECUCAO_STATUS,
 * notification settings get no answer, monitoring only starts the samples; broadcasts carry no
 * request_id; RATE_LIMIT_ERROR carries none either; ids are `exec_1`, `exec_2`, … and start over
 * after a restart (the hub process forgets its executions).
 */

export type { ExecutionSnapshot, ExecStatus } from './keyword-hub-exec';

export interface KeywordHubMessage { event: string; data: Record<string, unknown>; timestamp: string }

export interface KeywordHubSimulatorOptions extends SimulatorOptions {
  /** Bearer token the upgrade requires; null/undefined = open. */
  token?: string | null;
  /** Pace multiplier: 1 = an execution takes ~30 s; tests use 100+. */
  speed?: number;
  /** Per-connection message budget; beyond it messages get ERRO RATE_LIMIT_ERROR and are dropped. */
  rateLimit?: { max: number; windowMs: number };
  /** Speak only what seed 001 documents (see above). */
  seedOnly?: boolean;
}

export interface KeywordHubSimulator extends Simulator {
  setToken(token: string | null): void;
  /** Stop answering SESSAO_PING and WebSocket pings (dead-link tests). */
  silencePongs(on: boolean): void;
  /** Close every client with a WebSocket close code (1012 "service restart", 1001 …); executions keep running. */
  closeClients(code: number, reason?: string): void;
  /** Send a message verbatim (JSON-encoded) to every client. */
  send(message: unknown): void;
  sendRaw(text: string): void;
  setAutoplay(on: boolean): void;
  readonly executions: readonly ExecutionSnapshot[];
  /** Every parsed client message, in arrival order. */
  readonly received: readonly KeywordHubMessage[];
  readonly clientCount: number;
}

interface Client { ws: WebSocket; monitor: NodeJS.Timeout | null; windowStart: number; count: number; limited: number }

/** The seed's timestamps carry no milliseconds. */
export const hubTimestamp = (d = new Date()) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

const requestIdOf = (data: unknown): string | number | null => {
  const id = (data as { request_id?: unknown } | null)?.request_id;
  return typeof id === 'string' || typeof id === 'number' ? id : null;
};

const isHttpUrl = (value: string) => {
  try {
    const u = new URL(value);
    return (u.protocol === 'http:' || u.protocol === 'https:') && !!u.hostname;
  } catch {
    return false;
  }
};

const RequestId = z.union([z.string(), z.number()]).optional();
const IniciarSchema = z.object({
  blog_url: z.string().refine(isHttpUrl, 'deve ser uma URL http(s) válida'),
  categoria_id: z.number().int().positive().optional(),
  configuracoes: z
    .object({
      max_keywords: z.number().int().min(1).max(10_000).default(100),
      profundidade: z.number().int().min(1).max(10).default(3),
      timeout: z.number().int().min(1).max(600).default(30),
    })
    .prefault({}),
  request_id: RequestId,
});
const ControleSchema = z.object({ execucao_id: z.string().min(1), request_id: RequestId });
const NotificacaoSchema = z.object({ tipos: z.array(z.string()).min(1), canal: z.string().min(1), request_id: RequestId });
const MonitorSchema = z.object({ metricas: z.array(z.string()).optional(), intervalo: z.number().positive().default(5_000), request_id: RequestId });

const CONTROL: Record<string, { action: ExecAction; verb: string }> = {
  EXECUCAO_PAUSAR: { action: 'pausar', verb: 'pausar' },
  EXECUCAO_RESUMIR: { action: 'resumir', verb: 'resumir' },
  EXECUCAO_CANCELAR: { action: 'cancelar', verb: 'cancelar' },
};

const AUTOPLAY_URLS = ['https://blog.exemplo.com.br', 'https://www.receitasdavovo.com.br', 'https://tecnoblog.exemplo.net', 'https://lento.exemplo.com/timeout'];
const ALERTS = [
  { nivel: 'warning', categoria: 'performance', mensagem: 'Uso de CPU acima de 80%', acoes: ['Reduzir número de execuções simultâneas', 'Verificar processos em background'] },
  { nivel: 'info', categoria: 'manutencao', mensagem: 'Janela de manutenção agendada para 02:00', acoes: ['Evitar iniciar execuções longas próximo ao horário'] },
  { nivel: 'critical', categoria: 'infraestrutura', mensagem: 'Fila de crawling com atraso superior a 5 minutos', acoes: ['Pausar execuções não prioritárias', 'Acionar plantão de infraestrutura'] },
  { nivel: 'warning', categoria: 'rede', mensagem: 'Taxa de timeouts acima do normal em sites externos', acoes: ['Aumentar timeout das execuções'] },
] as const;
const NOTICES = [
  { tipo: 'info', titulo: 'Sistema Atualizado', mensagem: 'Nova versão disponível com melhorias de performance', acao: { tipo: 'link', url: 'https://exemplo.com/changelog' } },
  { tipo: 'warning', titulo: 'Cota de execuções', mensagem: 'Você utilizou 80% da cota mensal de execuções', acao: { tipo: 'link', url: 'https://exemplo.com/planos' } },
  { tipo: 'info', titulo: 'Novo relatório', mensagem: 'Relatório semanal de keywords disponível', acao: { tipo: 'link', url: 'https://exemplo.com/relatorios' } },
] as const;

function rejectUpgrade(socket: Duplex, status: number, reason: string, body: unknown): void {
  const text = JSON.stringify(body);
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(text)}\r\n${status === 401 ? 'WWW-Authenticate: Bearer\r\n' : ''}\r\n${text}`,
  );
  socket.once('finish', () => socket.destroy());
}

export async function startKeywordHubSimulator(opts: KeywordHubSimulatorOptions = {}): Promise<KeywordHubSimulator> {
  const host = opts.host ?? '127.0.0.1';
  const speed = opts.speed && opts.speed > 0 ? opts.speed : 1;
  const rateLimit = opts.rateLimit ?? { max: 200, windowMs: 1_000 };
  const seedOnly = opts.seedOnly ?? false;
  const random = createRandom(opts.seed);
  let token = opts.token ?? null;
  let pongsSilenced = false;
  let baseUrl = '';
  const received: KeywordHubMessage[] = [];
  const clients = new Set<Client>();

  const frame = (event: string, data: unknown) => JSON.stringify({ event, data, timestamp: hubTimestamp() });
  const sendTo = (client: Client, event: string, data: unknown) => {
    if (client.ws.readyState === WebSocket.OPEN) client.ws.send(frame(event, data));
  };
  const broadcastText = (text: string) => {
    for (const c of clients) if (c.ws.readyState === WebSocket.OPEN) c.ws.send(text);
  };
  const broadcast = (event: string, data: unknown) => broadcastText(frame(event, data));
  const error = (client: Client, codigo: string, mensagem: string, requestId: string | number | null, detalhes: unknown = {}, recomendacao = 'Verificar os dados enviados') =>
    sendTo(client, 'ERRO', { codigo, mensagem, detalhes, recomendacao, request_id: requestId });
  const validationError = (client: Client, issues: z.ZodError['issues'], requestId: string | number | null) =>
    error(client, 'VALIDATION_ERROR', 'Dados de entrada inválidos', requestId, {
      campos: issues.map((i) => ({ campo: i.path.join('.') || '(raiz)', erro: i.message })),
    }, 'Corrigir os campos indicados e reenviar');

  /** A named answer: to the requester with its request_id; in seed-only mode the others get the broadcast without it. */
  const answer = (client: Client, event: string, data: Record<string, unknown>, requestId: string | number | null) => {
    if (!seedOnly) return broadcast(event, { ...data, request_id: requestId });
    sendTo(client, event, { ...data, request_id: requestId });
    for (const c of clients) if (c !== client) sendTo(c, event, data);
  };

  const engine = new ExecutionEngine(random, speed, broadcast, (id) => `${baseUrl}/download/${id}`, seedOnly ? (n) => `exec_${n}` : null);

  const metrics = () => ({
    cpu_uso: Math.round((20 + random.next() * 65) * 10) / 10,
    memoria_uso: Math.round((40 + random.next() * 40) * 10) / 10,
    tempo_resposta_medio: random.int(60, 320),
    requisicoes_por_segundo: Math.round((2 + random.next() * 20) * 10) / 10,
    execucoes_ativas: engine.activeCount,
  });

  const withinRate = (client: Client): boolean => {
    const now = Date.now();
    if (now - client.windowStart >= rateLimit.windowMs) {
      client.windowStart = now;
      client.count = 0;
      client.limited = 0;
    }
    return ++client.count <= rateLimit.max;
  };

  const handleControl = (client: Client, event: string, data: unknown, requestId: string | number | null) => {
    const parsed = ControleSchema.safeParse(data);
    if (!parsed.success) return validationError(client, parsed.error.issues, requestId);
    const exec = engine.get(parsed.data.execucao_id);
    if (!exec && event === 'EXECUCAO_STATUS') {
      return error(client, 'NOT_FOUND', `Execução ${parsed.data.execucao_id} não encontrada`, requestId, { execucao_id: parsed.data.execucao_id }, 'Iniciar a execução novamente se ainda for necessária');
    }
    if (!exec) {
      return error(client, 'VALIDATION_ERROR', `Execução ${parsed.data.execucao_id} não encontrada`, requestId, { execucao_id: parsed.data.execucao_id }, 'Verificar o execucao_id ou listar as execuções (EXECUCAO_LISTAR)');
    }
    if (event === 'EXECUCAO_STATUS') return sendTo(client, 'EXECUCAO_STATUS', { ...engine.statusOf(exec), request_id: requestId });
    const { action, verb } = CONTROL[event]!;
    const result = engine.transition(exec, action);
    if (!result.ok) {
      return error(client, 'VALIDATION_ERROR', `Não é possível ${verb} uma execução com status "${result.status}"`, requestId,
        { execucao_id: exec.id, status_atual: result.status, acao: action, permitido_a_partir_de: ALLOWED_FROM[action] },
        'Consultar o status atual da execução antes de enviar o comando');
    }
    if (action === 'pausar') answer(client, 'EXECUCAO_PAUSADA', { execucao_id: exec.id, status: 'pausada' }, requestId);
    // The seed names no answer to resume/cancel: seed-only mode only broadcasts the new status.
    else if (seedOnly) broadcast('EXECUCAO_STATUS', engine.statusOf(exec));
    else broadcast('EXECUCAO_STATUS', { ...engine.statusOf(exec), request_id: requestId });
  };

  const startMonitor = (client: Client, intervalo: number, requestId: string | number | null) => {
    if (client.monitor) clearInterval(client.monitor);
    // The first sample doubles as the acknowledgement (carries request_id); then one per interval.
    sendTo(client, 'METRICA_PERFORMANCE', seedOnly ? metrics() : { ...metrics(), request_id: requestId });
    client.monitor = setInterval(() => sendTo(client, 'METRICA_PERFORMANCE', metrics()), Math.max(200, intervalo));
    client.monitor.unref();
  };

  const handleMessage = (client: Client, text: string) => {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      return error(client, 'VALIDATION_ERROR', 'JSON inválido', null, { recebido: text.slice(0, 200) }, 'Enviar mensagens JSON no formato {event, data, timestamp}');
    }
    const msg = message as Partial<KeywordHubMessage> | null;
    if (!msg || typeof msg !== 'object' || typeof msg.event !== 'string') {
      return error(client, 'VALIDATION_ERROR', 'Mensagem sem campo "event"', null, {}, 'Enviar mensagens JSON no formato {event, data, timestamp}');
    }
    const data = msg.data && typeof msg.data === 'object' ? msg.data : {};
    received.push({ event: msg.event, data, timestamp: typeof msg.timestamp === 'string' ? msg.timestamp : '' });
    const requestId = requestIdOf(data);
    if (!withinRate(client)) {
      // One ERRO per refused message (never more: no amplification), so a client knows what was
      // dropped. Seed-only mode: no request_id, as in the seed's ERRO example.
      client.limited++;
      error(client, 'RATE_LIMIT_ERROR', 'Limite de requisições excedido', seedOnly ? null : requestId, { limite: rateLimit.max, janela_ms: rateLimit.windowMs }, 'Aguardar antes de enviar novas mensagens');
      return;
    }
    if (seedOnly && (msg.event === 'EXECUCAO_LISTAR' || msg.event === 'EXECUCAO_STATUS')) {
      return error(client, 'VALIDATION_ERROR', `Evento desconhecido: ${msg.event}`, requestId, { evento: msg.event }, 'Consultar a documentação de eventos WebSocket');
    }
    switch (msg.event) {
      case 'EXECUCAO_INICIAR': {
        const parsed = IniciarSchema.safeParse(data);
        if (!parsed.success) return validationError(client, parsed.error.issues, requestId);
        const exec = engine.start(parsed.data);
        return answer(client, 'EXECUCAO_INICIADA', { execucao_id: exec.id, status: 'iniciada' }, requestId);
      }
      case 'EXECUCAO_PAUSAR':
      case 'EXECUCAO_RESUMIR':
      case 'EXECUCAO_CANCELAR':
      case 'EXECUCAO_STATUS':
        return handleControl(client, msg.event, data, requestId);
      case 'EXECUCAO_LISTAR':
        return sendTo(client, 'EXECUCAO_LISTA', { execucoes: engine.list(), request_id: requestId });
      case 'NOTIFICACAO_CONFIGURAR': {
        const parsed = NotificacaoSchema.safeParse(data);
        if (!parsed.success) return validationError(client, parsed.error.issues, requestId);
        if (seedOnly) return; // the seed names no answer
        return sendTo(client, 'NOTIFICACAO_GERAL', {
          tipo: 'info',
          titulo: 'Preferências de notificação atualizadas',
          mensagem: `Notificações (${parsed.data.tipos.join(', ')}) via ${parsed.data.canal}`,
          tipos: parsed.data.tipos,
          canal: parsed.data.canal,
          request_id: requestId,
        });
      }
      case 'MONITORAMENTO_INICIAR': {
        const parsed = MonitorSchema.safeParse(data);
        if (!parsed.success) return validationError(client, parsed.error.issues, requestId);
        return startMonitor(client, parsed.data.intervalo, requestId);
      }
      case 'SESSAO_PING':
        if (!pongsSilenced) sendTo(client, 'SESSAO_PONG', { request_id: requestId, server_time: hubTimestamp() });
        return;
      default:
        return error(client, 'VALIDATION_ERROR', `Evento desconhecido: ${msg.event}`, requestId, { evento: msg.event }, 'Consultar a documentação de eventos WebSocket');
    }
  };

  // autoPong off: protocol pongs are answered by hand so silencePongs also kills them.
  const wss = new WebSocketServer({ noServer: true, autoPong: false });
  wss.on('connection', (ws) => {
    const client: Client = { ws, monitor: null, windowStart: Date.now(), count: 0, limited: 0 };
    clients.add(client);
    ws.on('ping', (payload) => {
      if (!pongsSilenced) ws.pong(payload);
    });
    ws.on('message', (raw) => handleMessage(client, raw.toString()));
    ws.on('close', () => {
      if (client.monitor) clearInterval(client.monitor);
      clients.delete(client);
    });
    ws.on('error', () => ws.terminate());
  });

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const path = new URL(req.url ?? '/', 'http://sim.local').pathname;
    if (path !== '/ws' && path !== '/ws/') return rejectUpgrade(socket, 404, 'Not Found', { erro: 'Não encontrado' });
    if (token !== null && req.headers.authorization !== `Bearer ${token}`) {
      return rejectUpgrade(socket, 401, 'Unauthorized', {
        codigo: 'AUTHENTICATION_ERROR',
        mensagem: req.headers.authorization ? 'Token de autenticação inválido' : 'Token de autenticação ausente',
        recomendacao: 'Renovar token de autenticação',
      });
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  };

  const sendJson = (res: ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  };
  // Download links are unauthenticated so the console can hand them to a browser.
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://sim.local').pathname;
    const match = /^\/download\/([\w-]+)$/.exec(path);
    if (req.method === 'GET' && match) {
      const id = match[1]!;
      const csv = engine.csv(id);
      if (csv === null) {
        const exists = engine.get(id);
        return sendJson(res, exists ? 409 : 404, { erro: exists ? 'Execução ainda não concluída' : 'Execução não encontrada', execucao_id: id });
      }
      res.writeHead(200, {
        'Content-Type': 'text/csv; charset=utf-8',
        'Content-Disposition': `attachment; filename="keywords_${id}.csv"`,
        'Content-Length': Buffer.byteLength(csv),
      });
      return res.end(csv);
    }
    if (req.method === 'GET' && path === '/') return sendJson(res, 200, { servico: 'omni-keywords-finder (demo)', websocket: '/ws' });
    sendJson(res, 404, { erro: 'Não encontrado' });
  };

  let server!: Server;
  const listen = (port: number) => {
    server = createServer(onRequest);
    server.on('upgrade', onUpgrade);
    return listenOn(server, port, host);
  };
  const dropClients = () => {
    for (const c of clients) c.ws.terminate();
  };
  const close = () => {
    dropClients();
    return closeServer(server);
  };

  baseUrl = await listen(opts.port ?? 0);
  const port = portOf(server);

  // Autoplay: alerts/notices now and then, plus "another operator's" executions when idle.
  let autoTimer: NodeJS.Timeout | null = null;
  const scheduleAuto = () => {
    autoTimer = setTimeout(() => {
      const roll = random.next();
      if (roll < 0.35) {
        const alert = random.pick(ALERTS);
        broadcast('SISTEMA_ALERTA', { ...alert, acoes: [...alert.acoes] });
      }
      else if (roll < 0.7) broadcast('NOTIFICACAO_GERAL', random.pick(NOTICES));
      else if (engine.activeCount === 0) {
        const exec = engine.start({ blog_url: random.pick(AUTOPLAY_URLS), categoria_id: random.int(1, 5), configuracoes: { max_keywords: random.int(50, 200), profundidade: 3, timeout: 30 } });
        broadcast('EXECUCAO_INICIADA', seedOnly ? { execucao_id: exec.id, status: 'iniciada' } : { execucao_id: exec.id, status: 'iniciada', request_id: null });
      }
      scheduleAuto();
    }, Math.max(200, random.int(8_000, 25_000) / speed));
    autoTimer.unref();
  };
  const setAutoplay = (on: boolean) => {
    if (autoTimer) clearTimeout(autoTimer);
    autoTimer = null;
    if (on) scheduleAuto();
  };
  setAutoplay(opts.autoplay ?? true);

  return {
    name: 'keyword-hub',
    url: baseUrl,
    port,
    get executions() {
      return engine.list();
    },
    get received() {
      return received;
    },
    get clientCount() {
      return clients.size;
    },
    setToken(next) {
      token = next;
    },
    silencePongs(on) {
      pongsSilenced = on;
    },
    send(message) {
      broadcastText(JSON.stringify(message));
    },
    sendRaw(text) {
      broadcastText(text);
    },
    setAutoplay,
    dropClients,
    closeClients(code, reason = 'service restart') {
      for (const c of clients) c.ws.close(code, reason);
    },
    // Executions are server state: they keep running while the listener is down. In seed-only
    // mode a restart is the hub process restarting: executions forgotten, ids from exec_1 again.
    async restart() {
      await close();
      if (seedOnly) engine.forget();
      await listen(port);
    },
    async stop() {
      setAutoplay(false);
      engine.stop();
      await close();
      wss.close();
    },
  };
}
