import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { listen, portOf } from '../core/http-listen';
import { checkJsonText, JSON_LIMITS } from '../core/json-limits';
import type { StatementSync } from 'node:sqlite';
import { z } from 'zod';
import type { InboundEvent, InboundSource, IntegrationSettings } from '../contract/integrations';
import type { Storage } from '../core/storage';
import { RefusalCounter, type RefusalMinute } from './inbound-refusals';
import { verifyInbound, type InboundVerifyResult, type VerifyFailure } from './signing';

/**
 * The inbound receiver: `POST /hooks/<source>` with a signed JSON body, as seed 003's
 * fiscal system sends (`nfe_importada`, `cte_importado`, `consulta_concluida`,
 * `documento_atualizado`, `erro_importacao`, or any other name).
 *
 * Checks, in this order (each refusal with its status, counted per reason per minute):
 *   429 pre-authentication budget of the client address · 405 not POST · 404 unknown/disabled
 *   source · 413 body over the cap · 408 body not complete within the deadline (or
 *   `truncated`, counted only, when the client hangs up first) · 503 source
 *   without a secret · 400 missing signature headers · 401 bad signature · 401 stale/future
 *   timestamp · 429 verified budget of the source · 400 not a JSON object (or nested too
 *   deep) · 409 replayed id.
 * Unsigned requests spend only their address's budget, so they cannot use up the source's
 * budget that correctly signed deliveries need.
 */

export type InboundSettings = IntegrationSettings['inbound'];
export type RefusalReason =
  | 'pre-auth-limited'
  | 'method'
  | 'unknown-source'
  | 'rate-limited'
  | 'too-large'
  | 'timeout'
  | 'truncated'
  | 'bad-request'
  | 'no-secret'
  | VerifyFailure
  | 'invalid-json'
  | 'too-deep'
  | 'replay';

const statusOf: Record<RefusalReason, number> = {
  'pre-auth-limited': 429,
  method: 405,
  'unknown-source': 404,
  'rate-limited': 429,
  'too-large': 413,
  timeout: 408,
  truncated: 400,
  'bad-request': 400,
  'no-secret': 503,
  'missing-headers': 400,
  'bad-signature': 401,
  'stale-timestamp': 401,
  'future-timestamp': 401,
  'invalid-json': 400,
  'too-deep': 400,
  replay: 409,
};

/** The body: a JSON object; seed-style `{event, timestamp, data}`, or `type` (Standard Webhooks, Stripe). */
const Payload = z.looseObject({
  event: z.string().min(1).max(200).optional(),
  type: z.string().min(1).max(200).optional(),
  id: z.string().max(200).optional(),
  timestamp: z.union([z.string(), z.number()]).optional(),
  data: z.unknown().optional(),
});

/** Seen ids are remembered this long for schemes without a signed timestamp. */
const UNTIMED_REPLAY_WINDOW_MS = 24 * 3_600_000;
/** Deeper JSON is refused before parsing: every later stringify (journal, outbound) stays safe. */
export const MAX_JSON_DEPTH = JSON_LIMITS.inbound.maxDepth;
const MINUTE = 60_000;
/** Address windows kept before expired ones are swept (a flood from many addresses stays bounded). */
const MAX_ADDRESS_WINDOWS = 10_000;

export interface InboundOptions {
  storage: Storage;
  settings: () => InboundSettings;
  secretOf(source: string): string | undefined;
  now?: () => number;
  /** A request's body must be complete this long after its headers (default 10 s). */
  bodyTimeoutMs?: number;
  /** The request headers must be complete this long after the connection (default 10 s). */
  headersTimeoutMs?: number;
  onEvent(event: InboundEvent, payload: Record<string, unknown>): void;
  onRefused?(reason: RefusalReason, source: string, detail: string): void;
  /** Once per minute that had refusals, when it is over: the counts per reason. */
  onRefusalMinute?(minute: RefusalMinute): void;
}

/** Whether a JSON text nests deeper than `max` (the scan of `core/json-limits.ts`). */
export const jsonDepthOver = (text: string, max: number): boolean => checkJsonText(text, { maxDepth: max })?.code === 'too-deep';

/** The budget key of a client: its IPv4 address, or the /64 of an IPv6 one (one host has many). */
export function clientKey(address: string | undefined): string {
  if (!address) return '?';
  const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (v4) return v4[1]!;
  if (!address.includes(':')) return address;
  const [head = '', tail = ''] = address.split('::');
  const groups = head ? head.split(':') : [];
  const rest = tail ? tail.split(':') : [];
  const full = [...groups, ...Array<string>(Math.max(0, 8 - groups.length - rest.length)).fill('0'), ...rest];
  return `${full.slice(0, 4).join(':')}::/64`;
}

export class InboundReceiver {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  /** Verified deliveries per source. */
  private readonly windows = new Map<string, { start: number; count: number }>();
  /** Every request per client address, before anything is verified. */
  private readonly addressWindows = new Map<string, { start: number; count: number }>();
  private readonly now: () => number;
  private sinceSweep = 0;
  private history: Array<[string, number, string, string, string, string, string, string]> = [];
  private historyTimer: NodeJS.Timeout | null = null;
  private statements: { seen: StatementSync; insert: StatementSync } | null = null;
  private readonly refusals: RefusalCounter;
  private readonly countedSockets = new WeakSet<Socket>();
  accepted = 0;
  url = '';

  constructor(private readonly options: InboundOptions) {
    this.now = options.now ?? Date.now;
    this.refusals = new RefusalCounter(this.now, (m) => options.onRefusalMinute?.(m));
    options.storage.migrate('inbound', [
      `CREATE TABLE inbound_seen (source TEXT NOT NULL, id TEXT NOT NULL, expires_at INTEGER NOT NULL, PRIMARY KEY (source, id));
       CREATE INDEX inbound_seen_expiry ON inbound_seen(expires_at);
       CREATE TABLE inbound_events (id TEXT PRIMARY KEY, at INTEGER NOT NULL, source TEXT NOT NULL, scheme TEXT NOT NULL,
         event TEXT NOT NULL, summary TEXT NOT NULL, level TEXT NOT NULL, body TEXT NOT NULL);
       CREATE INDEX inbound_events_at ON inbound_events(at);`,
    ]);
  }

  /** Refusals since start, per reason. */
  get refused(): Record<string, number> {
    return { ...this.refusals.totals };
  }

  /** The last hour's refusals minute by minute, newest first. */
  refusedPerMinute(): RefusalMinute[] {
    return this.refusals.recent();
  }

  get listening(): boolean {
    return this.server?.listening ?? false;
  }

  /** Listen on the configured address; resolves with the base URL. */
  async start(port = this.options.settings().port): Promise<string> {
    await this.stop();
    const { bind } = this.options.settings();
    const headersTimeout = this.options.headersTimeoutMs ?? 10_000;
    const bodyTimeout = this.options.bodyTimeoutMs ?? 10_000;
    // Node checks these deadlines on an interval (30 s by default): check often enough.
    const server = createServer({ headersTimeout, requestTimeout: headersTimeout + bodyTimeout + 1_000, connectionsCheckingInterval: Math.max(100, Math.min(1_000, headersTimeout / 2)) }, (req, res) => this.handle(req, res));
    server.keepAliveTimeout = 10_000;
    // Unparseable requests and header deadlines: counted like every refusal, answered, closed.
    server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
      if (error.code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
      const timedOut = error.code === 'ERR_HTTP_REQUEST_TIMEOUT';
      // The client hung up in the middle of a request (Node reports it as a parse error at EOF).
      const reason = timedOut ? 'timeout' : error.code === 'HPE_INVALID_EOF_STATE' ? 'truncated' : 'bad-request';
      this.countedSockets.add(socket); // a request cut by this error is not counted twice
      this.refusals.record(reason);
      this.options.onRefused?.(reason, '?', error.code ?? 'bad request');
      socket.end(`HTTP/1.1 ${timedOut ? '408 Request Timeout' : '400 Bad Request'}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      socket.destroySoon?.();
    });
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    this.url = await listen(server, port, bind);
    this.server = server;
    return this.url;
  }

  get port(): number | null {
    return this.server ? portOf(this.server) : null;
  }

  stop(): Promise<void> {
    this.flushHistory();
    this.refusals.stop();
    const server = this.server;
    this.server = null;
    if (!server) return Promise.resolve();
    for (const socket of this.sockets) socket.destroy();
    return new Promise((resolve) => server.close(() => resolve()));
  }

  /** History rows are written in small batches (one transaction per 100 ms); replay ids at once. */
  flushHistory(): void {
    if (this.historyTimer) clearTimeout(this.historyTimer);
    this.historyTimer = null;
    if (this.history.length === 0) return;
    const rows = this.history;
    this.history = [];
    const insert = this.stmts().insert;
    this.options.storage.transaction(() => {
      for (const row of rows) insert.run(...row);
    });
  }

  private stmts() {
    return (this.statements ??= {
      seen: this.options.storage.db.prepare(
        'INSERT INTO inbound_seen (source, id, expires_at) VALUES (?, ?, ?) ON CONFLICT(source, id) DO UPDATE SET expires_at = excluded.expires_at WHERE inbound_seen.expires_at < ?',
      ),
      insert: this.options.storage.db.prepare('INSERT OR REPLACE INTO inbound_events (id, at, source, scheme, event, summary, level, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
    });
  }

  recent(limit: number): InboundEvent[] {
    this.flushHistory();
    const rows = this.options.storage.db.prepare('SELECT * FROM inbound_events ORDER BY at DESC, rowid DESC LIMIT ?').all(limit) as Array<Record<string, string | number>>;
    return rows.map((r) => ({
      id: String(r.id),
      at: Number(r.at),
      source: String(r.source),
      scheme: String(r.scheme) as InboundEvent['scheme'],
      event: String(r.event),
      summary: String(r.summary),
      level: String(r.level) as InboundEvent['level'],
      data: JSON.parse(String(r.body)) as unknown,
    }));
  }

  countBetween(from: number, to: number): number {
    this.flushHistory();
    return Number((this.options.storage.db.prepare('SELECT COUNT(*) AS n FROM inbound_events WHERE at >= ? AND at <= ?').get(from, to) as { n: number }).n);
  }

  /** Retention: inbound history older than `cutoff` (errors kept when asked), expired replay ids. */
  purgeOlderThan(cutoff: number, keepErrors: boolean): number {
    this.flushHistory();
    const db = this.options.storage.db;
    db.prepare('DELETE FROM inbound_seen WHERE expires_at < ?').run(this.now());
    const sql = keepErrors ? "DELETE FROM inbound_events WHERE at < ? AND level != 'error'" : 'DELETE FROM inbound_events WHERE at < ?';
    return Number(db.prepare(sql).run(cutoff).changes);
  }

  // ---- request handling ----------------------------------------------------------------

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const settings = this.options.settings();
    const path = (req.url ?? '/').split('?')[0]!;
    if (req.method === 'GET' && (path === '/health' || path === '/')) return this.reply(res, 200, { status: 'ok', sources: settings.sources.filter((s) => s.enabled).map((s) => s.name) });

    // Pre-authentication budget per client address: every request counts, nothing verified yet.
    const now = this.now();
    const address = clientKey(req.socket.remoteAddress);
    const pre = this.spend(this.addressWindows, address, settings.preAuthPerMin, now);
    const preHeaders = { 'x-ratelimit-limit': String(settings.preAuthPerMin), 'x-ratelimit-remaining': String(pre.remaining) };
    if (!pre.ok) return this.refuse(req, res, 'pre-auth-limited', '?', `${address} over ${settings.preAuthPerMin}/min`, { ...preHeaders, 'retry-after': String(pre.retryAfterSec) }, true);

    const match = /^\/hooks\/([a-z0-9][a-z0-9_-]{0,39})\/?$/.exec(path);
    const source = match ? settings.sources.find((s) => s.name === match[1] && s.enabled) : undefined;
    if (req.method !== 'POST') return this.refuse(req, res, 'method', source?.name ?? '?', `method ${String(req.method).slice(0, 20)}`, { allow: 'POST' }, true);
    if (!source) return this.refuse(req, res, 'unknown-source', match?.[1] ?? '?', `no source for ${path.slice(0, 80)}`, {}, true);

    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > settings.maxBodyBytes) return this.refuse(req, res, 'too-large', source.name, `${declared} bytes`, {}, true);
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    // A body trickling in is cut at the deadline (Node's own request timeout is minutes).
    const deadline = setTimeout(() => {
      if (done) return;
      done = true;
      this.refuse(req, res, 'timeout', source.name, `body not complete after ${this.options.bodyTimeoutMs ?? 10_000} ms`, {}, true);
    }, this.options.bodyTimeoutMs ?? 10_000);
    const finish = () => {
      done = true;
      clearTimeout(deadline);
    };
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > settings.maxBodyBytes) {
        finish();
        this.refuse(req, res, 'too-large', source.name, `over ${settings.maxBodyBytes} bytes`, {}, true);
      } else chunks.push(chunk);
    });
    req.on('end', () => {
      if (done) return;
      finish();
      try {
        this.accept(req, res, source, Buffer.concat(chunks));
      } catch (error) {
        // Never let a handler error escape: the request is answered and counted.
        this.refuse(req, res, 'bad-request', source.name, `failed: ${(error as Error).message}`);
      }
    });
    // The client hung up before its body was complete: nobody to answer, still counted.
    const hungUp = () => {
      if (done) return;
      finish();
      if (this.countedSockets.has(req.socket)) return;
      this.refusals.record('truncated');
      this.options.onRefused?.('truncated', source.name, `body cut after ${size} bytes`);
    };
    req.on('error', hungUp);
    req.on('close', hungUp);
  }

  /** Fixed one-minute windows; spends one unit when there is one left. */
  private spend(map: Map<string, { start: number; count: number }>, key: string, limit: number, now: number) {
    let window = map.get(key);
    if (!window || now - window.start >= MINUTE) {
      if (!window && map.size >= MAX_ADDRESS_WINDOWS) {
        for (const [k, w] of map) if (now - w.start >= MINUTE) map.delete(k);
        if (map.size >= MAX_ADDRESS_WINDOWS) map.clear();
      }
      map.set(key, (window = { start: now, count: 0 }));
    }
    const retryAfterSec = Math.max(1, Math.ceil((window.start + MINUTE - now) / 1000));
    if (window.count >= limit) return { ok: false, remaining: 0, retryAfterSec };
    window.count++;
    return { ok: true, remaining: Math.max(0, limit - window.count), retryAfterSec };
  }

  private accept(req: IncomingMessage, res: ServerResponse, source: InboundSource, body: Buffer): void {
    const settings = this.options.settings();
    const secret = this.options.secretOf(source.name);
    if (!secret) return this.refuse(req, res, 'no-secret', source.name, 'no secret configured for this source');
    const headers = req.headers as Record<string, string | undefined>;
    let verified: InboundVerifyResult;
    try {
      verified = verifyInbound(source.scheme, secret, headers, body, { toleranceSec: settings.toleranceSec, nowSec: Math.floor(this.now() / 1000) });
    } catch (error) {
      return this.refuse(req, res, 'no-secret', source.name, `secret unusable: ${(error as Error).message}`);
    }
    if (!verified.ok) return this.refuse(req, res, verified.reason, source.name, `${source.scheme} signature: ${verified.reason}`);

    // Only correctly signed deliveries spend the source's budget (the seed's X-RateLimit-* headers).
    const now = this.now();
    const budget = this.spend(this.windows, source.name, settings.rateLimitPerMin, now);
    const rate = { 'x-ratelimit-limit': String(settings.rateLimitPerMin), 'x-ratelimit-remaining': String(budget.remaining) };
    if (!budget.ok) return this.refuse(req, res, 'rate-limited', source.name, `over ${settings.rateLimitPerMin}/min`, { ...rate, 'retry-after': String(budget.retryAfterSec) });

    const text = body.toString('utf8');
    if (checkJsonText(text, JSON_LIMITS.inbound)) return this.refuse(req, res, 'too-deep', source.name, `JSON nested deeper than ${MAX_JSON_DEPTH}`, rate);
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      return this.refuse(req, res, 'invalid-json', source.name, 'not JSON', rate);
    }
    const parsed = Payload.safeParse(raw);
    if (!parsed.success || Array.isArray(raw)) return this.refuse(req, res, 'invalid-json', source.name, 'not a JSON object with a usable event', rate);
    const payload = parsed.data;

    const id = replayId(source.scheme, verified, payload, body);
    const timed = verified.timestamp !== undefined;
    const expires = now + (timed ? 2 * settings.toleranceSec * 1000 : UNTIMED_REPLAY_WINDOW_MS);
    const db = this.options.storage.db;
    const fresh = this.stmts().seen.run(source.name, id, expires, now);
    if (Number(fresh.changes) === 0) return this.refuse(req, res, 'replay', source.name, `id ${id.slice(0, 80)} already received`, rate);

    const headerText = (name: string) => {
      const v = headers[name];
      return typeof v === 'string' && v.length > 0 && v.length <= 200 ? v : undefined;
    };
    const eventName = payload.event ?? payload.type ?? headerText('x-webhook-event') ?? headerText('x-github-event') ?? 'evento';
    const event: InboundEvent = {
      id: String(id),
      at: now,
      source: source.name,
      scheme: source.scheme,
      event: eventName,
      summary: summarize(eventName, payload),
      level: /erro|error|fail|falha/i.test(eventName) ? 'error' : 'info',
      data: payload,
    };
    this.history.push([`${source.name}:${event.id}`, now, source.name, source.scheme, eventName, event.summary, event.level, text.length > 65_536 ? JSON.stringify({ truncated: true }) : text]);
    if (this.history.length >= 500) this.flushHistory();
    else this.historyTimer ??= setTimeout(() => this.flushHistory(), 100);
    if (++this.sinceSweep >= 1_000) {
      this.sinceSweep = 0;
      db.prepare('DELETE FROM inbound_seen WHERE expires_at < ?').run(now);
    }
    this.accepted++;
    this.reply(res, 200, { recebido: true, id: event.id }, rate);
    this.options.onEvent(event, payload);
  }

  /**
   * `close`: the body was not (fully) read — answer with `Connection: close` so whatever the
   * client still sends is dropped with the socket instead of being read.
   */
  private refuse(req: IncomingMessage, res: ServerResponse, reason: RefusalReason, source: string, detail: string, headers: Record<string, string> = {}, close = false): void {
    this.refusals.record(reason);
    this.reply(res, statusOf[reason], { error: reason }, close ? { ...headers, connection: 'close' } : headers);
    if (close) res.once('finish', () => req.socket.destroySoon?.());
    this.options.onRefused?.(reason, source, detail);
  }

  private reply(res: ServerResponse, status: number, body: object, headers: Record<string, string> = {}): void {
    if (res.headersSent || res.destroyed) return;
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
    res.end(text);
  }
}

/** A one-line summary for the seed's events; any other event shows its name. */
export function summarize(event: string, payload: Record<string, unknown>): string {
  const d = (payload.data ?? {}) as Record<string, unknown>;
  const s = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : '?');
  const money = (v: unknown) => (typeof v === 'number' ? `R$ ${v.toLocaleString('pt-BR', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}` : '');
  switch (event) {
    case 'nfe_importada':
      return `NF-e ${s(d.numero)} · ${s(d.emitente)} · ${money(d.valor)}`;
    case 'cte_importado':
      return `CT-e ${s(d.numero)} · ${s(d.origem)} → ${s(d.destino)} · ${money(d.valor)}`;
    case 'consulta_concluida':
      return `Consulta SEFAZ ${s(d.empresa)}: ${s(d.documentos_encontrados)} documentos (${s(d.nfes_novas)} NF-e, ${s(d.ctes_novos)} CT-e)`;
    case 'documento_atualizado':
      return `Documento ${s(d.numero)}: ${s(d.situacao_anterior)} → ${s(d.situacao_atual)}`;
    case 'erro_importacao':
      return `Erro ${s(d.codigo)} (${s(d.etapa)}): ${s(d.erro)}`;
    default:
      return typeof d.summary === 'string' ? `${event}: ${d.summary.slice(0, 200)}` : event;
  }
}

/**
 * The replay key: only what the signature covers. Standard Webhooks signs its `webhook-id`;
 * a Stripe body's `id` is signed with the body (else the hash of `t.body`, what Stripe signs);
 * simple and GitHub sign only the body, so its hash is the key — never an unsigned header
 * such as `x-webhook-id` or `x-github-delivery`, which anyone can change to replay a body.
 */
export function replayId(scheme: InboundSource['scheme'], verified: InboundVerifyResult, payload: { id?: string | undefined }, body: Buffer): string {
  const hash = (...parts: Array<string | Buffer>) => {
    const h = createHash('sha256');
    for (const p of parts) h.update(p);
    return `sha256:${h.digest('hex').slice(0, 32)}`;
  };
  if (scheme === 'standard' && verified.ok && verified.id) return verified.id;
  if (scheme === 'stripe') return payload.id ?? hash(`${verified.ok ? (verified.timestamp ?? '') : ''}.`, body);
  return hash(body);
}
