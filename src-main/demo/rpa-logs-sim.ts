import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { closeServer, listen as listenOn, portOf } from '../core/http-listen';
import { createRandom, type Random } from './random';
import type { Simulator, SimulatorOptions } from './types';

/**
 * RPA log upstream: the external API's SSE feed (`GET /events/logs`, Bearer JWT) plus the Flask
 * proxy form from the seed (`/api/v2/logs-tempo-real/...`, no auth, filtered by job).
 *
 * Framing follows the seed: events carry their kind in the JSON `type` and have NO `event:`
 * field, so a plain `EventSource.onmessage` sees them (a named `error` event would also collide
 * with EventSource's own `error`). Log/error events take ids from one global sequence and are kept
 * in a ring buffer for `Last-Event-ID` replay. The per-client `connection` greeting is sent
 * without an `id:` line on purpose: SSE keeps the previous last-event-id for id-less events, so
 * the greeting never shifts a client's resume point nor duplicates an id.
 *
 * `seedOnly`: exactly what seed 000 shows and nothing of ours — no `id:` lines (so no
 * `Last-Event-ID` replay), no `retry:`, no keepalive comments, no `?job_id=` filter on
 * `/events/logs`, and `timestamp: ""` on the connection and error events as in its examples.
 */

export type RpaLogLevel = 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR';

export interface RpaLogEvent {
  type: 'log';
  level: RpaLogLevel;
  message: string;
  operadora: string;
  job_id: string;
  timestamp: string;
  service: string;
  logger: string;
}
export interface RpaErrorEvent { type: 'error'; message: string; timestamp: string }
export interface RpaConnectionEvent { type: 'connection'; message: string; timestamp: string }
export type RpaStreamEvent = RpaLogEvent | RpaErrorEvent | RpaConnectionEvent;
/** What `emit` accepts: a partial log (default) or an explicit upstream error event. */
export type RpaEmitInput = Partial<RpaLogEvent> | (Partial<RpaErrorEvent> & { type: 'error' });

export interface RpaLogSimulatorOptions extends SimulatorOptions {
  /** Speak exactly what the seed documents, nothing of ours beyond it (`--seed-only`). */
  seedOnly?: boolean;
  /** Bearer token `/events/logs` requires; null/undefined = open. */
  token?: string | null;
  jobs?: string[];
  ratePerSec?: number;
  retryMs?: number;
  heartbeatMs?: number;
}

export interface RpaLogSimulator extends Simulator {
  readonly jobs: readonly string[];
  /** Id of the newest event (0 before the first one). */
  readonly lastEventId: number;
  /** Open SSE streams (both forms). */
  readonly clientCount: number;
  /** Fill defaults, assign the next id, buffer and broadcast; returns the id. */
  emit(event?: RpaEmitInput): number;
  /** Generate n events synchronously, written in batches; returns the last id. */
  emitBurst(n: number, jobId?: string): number;
  /** Write bytes verbatim to every open stream (framing tests). */
  writeRaw(data: string | Buffer): void;
  setToken(token: string | null): void;
  setAutoplay(on: boolean): void;
}

export const RPA_BUFFER_SIZE = 50_000;
export const DEFAULT_RPA_JOBS = ['abc-123-def-456', 'fgh-789-ijk-012', 'lmn-345-opq-678', 'rst-901-uvw-234'];
const OPERADORAS = ['VIVO', 'CLARO', 'TIM', 'OI'] as const;
const PROXY_PREFIX = '/api/v2/logs-tempo-real';
const BATCH = 1_000;
const TICK_MS = 50;
/** Roughly one upstream error event per 500 logs: visible in a demo, rare enough not to alarm. */
const ERROR_EVENT_CHANCE = 0.002;

type Template = [RpaLogLevel, string, (op: string, r: Random) => string];
const invoice = (r: Random) => `${r.int(100000, 999999)}`;
const TEMPLATES: Template[] = [
  ['INFO', 'app.main', (op) => `Processando RPA da operadora ${op}`],
  ['INFO', 'app.auth', (op) => `Login realizado com sucesso no portal ${op}`],
  ['INFO', 'app.scraper', (_op, r) => `Extraindo dados da página ${r.int(1, 40)} de 40`],
  ['INFO', 'app.downloader', (op, r) => `Fatura ${invoice(r)} baixada com sucesso (${op})`],
  ['INFO', 'app.parser', (_op, r) => `Fatura ${invoice(r)} processada: R$ ${r.int(80, 25000)},${r.int(10, 99)}`],
  ['INFO', 'app.main', (_op, r) => `Lote ${r.int(1, 12)} de 12 concluído`],
  ['INFO', 'app.downloader', (op, r) => `Upload do arquivo fatura_${op.toLowerCase()}_${invoice(r)}.pdf concluído`],
  ['DEBUG', 'app.scraper', () => 'Seletor #btn-download encontrado'],
  ['DEBUG', 'app.scraper', (_op, r) => `Aguardando carregamento da página (${r.int(300, 2500)} ms)`],
  ['DEBUG', 'app.auth', () => 'Cookies de sessão atualizados'],
  ['DEBUG', 'app.main', (_op, r) => `Resposta HTTP 200 em ${r.int(80, 900)} ms`],
  ['WARNING', 'app.scraper', (op, r) => `Tempo de resposta elevado no portal ${op}: ${r.int(5, 15)}.${r.int(0, 9)} s`],
  ['WARNING', 'app.auth', (_op, r) => `Captcha detectado, nova tentativa (${r.int(1, 3)}/3)`],
  ['WARNING', 'app.scraper', () => 'Elemento não encontrado, nova tentativa em 5 s'],
  ['WARNING', 'app.auth', (op) => `Sessão expirada no portal ${op}, refazendo login`],
  ['ERROR', 'app.downloader', (_op, r) => `Falha ao baixar fatura ${invoice(r)}: Timeout após 30 s`],
  ['ERROR', 'app.auth', (op) => `Erro de autenticação no portal ${op}: credenciais inválidas`],
  ['ERROR', 'app.parser', (_op, r) => `Não foi possível extrair o valor total da fatura ${invoice(r)}`],
];
const TEMPLATES_BY_LEVEL = new Map<RpaLogLevel, Template[]>(
  (['DEBUG', 'INFO', 'WARNING', 'ERROR'] as const).map((level) => [level, TEMPLATES.filter((t) => t[0] === level)]),
);
const ERROR_MESSAGES = [
  'Erro de conexão: Connection timeout',
  'Erro de conexão: Connection reset by peer',
  'Fila de processamento indisponível, reconectando',
];
const serviceOf = (logger: string) => (logger === 'app.main' || logger === 'app.auth' ? 'rpa-api' : 'rpa-worker');

interface Entry { id: number; jobId: string | null; frame: string }
interface Client { res: ServerResponse; jobId: string | null }

/** Fixed-capacity ring; ids are contiguous, so the replay start is found by arithmetic. */
class EventRing {
  private readonly items: (Entry | undefined)[];
  private start = 0;
  private size = 0;
  constructor(private readonly capacity: number) {
    this.items = new Array<Entry | undefined>(capacity);
  }
  push(entry: Entry): void {
    if (this.size < this.capacity) {
      this.items[(this.start + this.size++) % this.capacity] = entry;
    } else {
      this.items[this.start] = entry;
      this.start = (this.start + 1) % this.capacity;
    }
  }
  /** Entries with id > afterId, oldest first (all of them if afterId fell out of the ring). */
  since(afterId: number): Entry[] {
    const oldest = this.items[this.start];
    if (!oldest) return [];
    const out: Entry[] = [];
    for (let i = Math.max(0, afterId - oldest.id + 1); i < this.size; i++) {
      out.push(this.items[(this.start + i) % this.capacity]!);
    }
    return out;
  }
}

const frameOf = (id: number | null, event: RpaStreamEvent) =>
  `${id === null ? '' : `id: ${id}\n`}data: ${JSON.stringify(event)}\n\n`;

function sendJson(res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text), ...extra });
  res.end(text);
}

export async function startRpaLogSimulator(opts: RpaLogSimulatorOptions = {}): Promise<RpaLogSimulator> {
  const host = opts.host ?? '127.0.0.1';
  const jobs = opts.jobs?.length ? [...opts.jobs] : [...DEFAULT_RPA_JOBS];
  const ratePerSec = opts.ratePerSec ?? 20;
  const retryMs = opts.retryMs ?? 3_000;
  const seedOnly = opts.seedOnly ?? false;
  /** The seed's connection and error examples carry an empty timestamp. */
  const systemStamp = () => (seedOnly ? '' : new Date().toISOString());
  const heartbeatMs = opts.heartbeatMs ?? 15_000;
  const random = createRandom(opts.seed);
  // Each job runs one carrier's RPA, as in the seed ("Processando RPA da operadora VIVO").
  const operadoraOf = (job: string) => OPERADORAS[Math.max(0, jobs.indexOf(job)) % OPERADORAS.length]!;

  let token = opts.token ?? null;
  let seq = 0;
  const ring = new EventRing(RPA_BUFFER_SIZE);
  const clients = new Set<Client>();

  const makeLog = (partial: Partial<RpaLogEvent> = {}): RpaLogEvent => {
    const jobId = partial.job_id ?? random.pick(jobs);
    const roll = random.next();
    const level: RpaLogLevel = roll < 0.03 ? 'ERROR' : roll < 0.13 ? 'WARNING' : roll < 0.25 ? 'DEBUG' : 'INFO';
    const [, logger, text] = random.pick(TEMPLATES_BY_LEVEL.get(partial.level ?? level) ?? TEMPLATES);
    const operadora = partial.operadora ?? operadoraOf(jobId);
    return {
      type: 'log',
      level,
      message: text(operadora, random),
      operadora,
      job_id: jobId,
      timestamp: new Date().toISOString(),
      service: serviceOf(partial.logger ?? logger),
      logger,
      ...partial,
    };
  };

  const matches = (client: Client, entry: Entry) =>
    client.jobId === null || entry.jobId === null || entry.jobId === client.jobId;

  /** Upstream errors (no job) are relayed to proxy streams too, as the Flask proxy surfaces them. */
  const writeEntries = (client: Client, entries: Entry[]) => {
    let chunk = '';
    let count = 0;
    for (const entry of entries) {
      if (!matches(client, entry)) continue;
      chunk += entry.frame;
      if (++count % BATCH === 0) {
        client.res.write(chunk);
        chunk = '';
      }
    }
    if (chunk) client.res.write(chunk);
  };

  const record = (event: RpaLogEvent | RpaErrorEvent): Entry => {
    const id = ++seq;
    const entry = { id, jobId: event.type === 'log' ? event.job_id : null, frame: frameOf(seedOnly ? null : id, event) };
    ring.push(entry);
    return entry;
  };

  const build = (input: RpaEmitInput = {}): RpaLogEvent | RpaErrorEvent =>
    input.type === 'error'
      ? { message: random.pick(ERROR_MESSAGES), timestamp: systemStamp(), ...input }
      : makeLog(input as Partial<RpaLogEvent>);

  const emit = (input?: RpaEmitInput): number => {
    const entry = record(build(input));
    for (const client of clients) writeEntries(client, [entry]);
    return entry.id;
  };

  const emitBurst = (n: number, jobId?: string): number => {
    for (let done = 0; done < n; done += BATCH) {
      const batch: Entry[] = [];
      for (let i = done; i < Math.min(n, done + BATCH); i++) batch.push(record(makeLog(jobId ? { job_id: jobId } : {})));
      for (const client of clients) writeEntries(client, batch);
    }
    return seq;
  };

  const openStream = (req: IncomingMessage, res: ServerResponse, jobId: string | null, greeting: string) => {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    req.socket.setNoDelay(true);
    if (!seedOnly) res.write(`retry: ${retryMs}\n\n`);
    res.write(frameOf(null, { type: 'connection', message: greeting, timestamp: systemStamp() }));
    const client: Client = { res, jobId };
    const header = req.headers['last-event-id'];
    const lastId = typeof header === 'string' && /^\d+$/.test(header.trim()) ? Number(header.trim()) : null;
    // Replay and registration happen in the same tick, so no live event can fall in between.
    if (lastId !== null && !seedOnly) writeEntries(client, ring.since(lastId));
    clients.add(client);
    res.on('close', () => clients.delete(client));
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://sim.local');
    if (req.method !== 'GET') return sendJson(res, 405, { error: 'Método não permitido' }, { Allow: 'GET' });
    if (url.pathname === '/events/logs') {
      const auth = req.headers.authorization;
      if (token !== null && !auth) return sendJson(res, 401, { error: 'Token JWT não configurado' }, { 'WWW-Authenticate': 'Bearer' });
      if (token !== null && auth !== `Bearer ${token}`) {
        return sendJson(res, 401, { error: 'Token JWT expirado ou inválido' }, { 'WWW-Authenticate': 'Bearer error="invalid_token"' });
      }
      const jobId = seedOnly ? null : url.searchParams.get('job_id');
      return openStream(req, res, jobId, jobId ? `Conectado ao stream de logs para job ${jobId}` : 'Conectado ao stream de logs');
    }
    if (url.pathname === `${PROXY_PREFIX}/teste-conexao`) {
      return sendJson(res, 200, {
        success: true,
        message: 'Conexão com API externa de logs estabelecida com sucesso',
        status_code: 200,
        token_status: 'Token JWT global válido',
      });
    }
    const match = /^\/api\/v2\/logs-tempo-real\/stream\/([^/]+)\/?$/.exec(url.pathname);
    if (match) {
      let jobId: string;
      try {
        jobId = decodeURIComponent(match[1]!);
      } catch {
        return sendJson(res, 400, { error: 'job_id inválido' });
      }
      return openStream(req, res, jobId, `Conectado ao stream de logs para job ${jobId}`);
    }
    sendJson(res, 404, { error: 'Não encontrado' });
  };

  const server: Server = createServer(handle);
  const listen = (port: number) => listenOn(server, port, host);
  const dropClients = () => {
    for (const client of clients) client.res.destroy();
    clients.clear();
  };
  const close = () => {
    dropClients();
    return closeServer(server);
  };

  const url = await listen(opts.port ?? 0);
  const port = portOf(server);

  // One heartbeat for all streams: keeps proxies from idling the connection out.
  const heartbeat = setInterval(() => {
    if (!seedOnly) for (const client of clients) client.res.write(': keepalive\n\n');
  }, heartbeatMs);
  heartbeat.unref();

  // Autoplay keeps a fractional carry so any rate (even < 1/s) is honoured over time.
  let autoplay: NodeJS.Timeout | null = null;
  const setAutoplay = (on: boolean) => {
    if (autoplay) clearInterval(autoplay);
    autoplay = null;
    if (!on || ratePerSec <= 0) return;
    let carry = 0;
    let last = Date.now();
    autoplay = setInterval(() => {
      const now = Date.now();
      carry = Math.min(carry + (ratePerSec * (now - last)) / 1000, ratePerSec * 2); // no catch-up storms after a stall
      last = now;
      for (; carry >= 1; carry--) emit(random.chance(ERROR_EVENT_CHANCE) ? { type: 'error' } : undefined);
    }, TICK_MS);
    autoplay.unref();
  };
  setAutoplay(opts.autoplay ?? true);

  return {
    name: 'rpa-logs',
    url,
    port,
    jobs,
    get lastEventId() {
      return seq;
    },
    get clientCount() {
      return clients.size;
    },
    emit,
    emitBurst,
    writeRaw(data) {
      for (const client of clients) client.res.write(data);
    },
    setToken(next) {
      token = next;
    },
    setAutoplay,
    dropClients,
    // Buffer and id sequence survive a restart so clients resume with Last-Event-ID.
    async restart() {
      await close();
      await listen(port);
    },
    async stop() {
      setAutoplay(false);
      clearInterval(heartbeat);
      await close();
    },
  };
}
