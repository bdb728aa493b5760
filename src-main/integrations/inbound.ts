import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { listen, portOf } from '../core/http-listen';
import type { StatementSync } from 'node:sqlite';
import { z } from 'zod';
import type { InboundEvent, InboundSource, IntegrationSettings } from '../contract/integrations';
import type { Storage } from '../core/storage';
import { verifyInbound, type VerifyFailure } from './signing';

/**
 * The inbound receiver: `POST /hooks/<source>` with a signed JSON body, as seed 003's
 * fiscal system sends (`nfe_importada`, `cte_importado`, `consulta_concluida`,
 * `documento_atualizado`, `erro_importacao`, or any other name).
 *
 * Checks, in this order (each refusal with its status, counted, and reported):
 *   405 not POST · 404 unknown/disabled source · 429 rate limit (before reading the body) ·
 *   413 body over the cap · 503 source without a secret · 400 missing signature headers ·
 *   401 bad signature · 401 stale/future timestamp · 400 not a JSON object · 409 replayed id.
 */

export type InboundSettings = IntegrationSettings['inbound'];
export type RefusalReason = 'method' | 'unknown-source' | 'rate-limited' | 'too-large' | 'no-secret' | VerifyFailure | 'invalid-json' | 'replay';

const statusOf: Record<RefusalReason, number> = {
  method: 405,
  'unknown-source': 404,
  'rate-limited': 429,
  'too-large': 413,
  'no-secret': 503,
  'missing-headers': 400,
  'bad-signature': 401,
  'stale-timestamp': 401,
  'future-timestamp': 401,
  'invalid-json': 400,
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

export interface InboundOptions {
  storage: Storage;
  settings: () => InboundSettings;
  secretOf(source: string): string | undefined;
  now?: () => number;
  onEvent(event: InboundEvent, payload: Record<string, unknown>): void;
  onRefused?(reason: RefusalReason, source: string, detail: string): void;
}

export class InboundReceiver {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private readonly windows = new Map<string, { start: number; count: number }>();
  private readonly now: () => number;
  private sinceSweep = 0;
  private history: Array<[string, number, string, string, string, string, string, string]> = [];
  private historyTimer: NodeJS.Timeout | null = null;
  private statements: { seen: StatementSync; insert: StatementSync } | null = null;
  accepted = 0;
  readonly refused: Record<string, number> = {};
  url = '';

  constructor(private readonly options: InboundOptions) {
    this.now = options.now ?? Date.now;
    options.storage.migrate('inbound', [
      `CREATE TABLE inbound_seen (source TEXT NOT NULL, id TEXT NOT NULL, expires_at INTEGER NOT NULL, PRIMARY KEY (source, id));
       CREATE INDEX inbound_seen_expiry ON inbound_seen(expires_at);
       CREATE TABLE inbound_events (id TEXT PRIMARY KEY, at INTEGER NOT NULL, source TEXT NOT NULL, scheme TEXT NOT NULL,
         event TEXT NOT NULL, summary TEXT NOT NULL, level TEXT NOT NULL, body TEXT NOT NULL);
       CREATE INDEX inbound_events_at ON inbound_events(at);`,
    ]);
  }

  get listening(): boolean {
    return this.server?.listening ?? false;
  }

  /** Listen on the configured address; resolves with the base URL. */
  async start(port = this.options.settings().port): Promise<string> {
    await this.stop();
    const { bind } = this.options.settings();
    const server = createServer((req, res) => this.handle(req, res));
    server.keepAliveTimeout = 10_000;
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
    const match = /^\/hooks\/([a-z0-9][a-z0-9_-]{0,39})\/?$/.exec(path);
    const source = match ? settings.sources.find((s) => s.name === match[1] && s.enabled) : undefined;
    if (req.method !== 'POST') return this.refuse(req, res, 'method', source?.name ?? '?', `method ${req.method}`, { allow: 'POST' });
    if (!source) return this.refuse(req, res, 'unknown-source', match?.[1] ?? '?', `no source for ${path.slice(0, 80)}`);

    // Rate limit per source, fixed one-minute windows (the seed's X-RateLimit-* headers).
    const now = this.now();
    const limit = settings.rateLimitPerMin;
    let window = this.windows.get(source.name);
    if (!window || now - window.start >= 60_000) this.windows.set(source.name, (window = { start: now, count: 0 }));
    const rate = { 'x-ratelimit-limit': String(limit), 'x-ratelimit-remaining': String(Math.max(0, limit - window.count - 1)) };
    if (window.count >= limit) {
      return this.refuse(req, res, 'rate-limited', source.name, `over ${limit}/min`, {
        'x-ratelimit-limit': String(limit),
        'x-ratelimit-remaining': '0',
        'retry-after': String(Math.max(1, Math.ceil((window.start + 60_000 - now) / 1000))),
      });
    }
    window.count++;

    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > settings.maxBodyBytes) return this.refuse(req, res, 'too-large', source.name, `${declared} bytes`, rate);
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > settings.maxBodyBytes) {
        over = true;
        this.refuse(req, res, 'too-large', source.name, `over ${settings.maxBodyBytes} bytes`, rate);
      } else chunks.push(chunk);
    });
    req.on('end', () => {
      if (!over) this.accept(req, res, source, Buffer.concat(chunks), rate);
    });
    req.on('error', () => undefined);
  }

  private accept(req: IncomingMessage, res: ServerResponse, source: InboundSource, body: Buffer, rate: Record<string, string>): void {
    const settings = this.options.settings();
    const secret = this.options.secretOf(source.name);
    if (!secret) return this.refuse(req, res, 'no-secret', source.name, 'no secret configured for this source', rate);
    const headers = req.headers as Record<string, string | undefined>;
    let verified;
    try {
      verified = verifyInbound(source.scheme, secret, headers, body, { toleranceSec: settings.toleranceSec, nowSec: Math.floor(this.now() / 1000) });
    } catch (error) {
      return this.refuse(req, res, 'no-secret', source.name, `secret unusable: ${(error as Error).message}`, rate);
    }
    if (!verified.ok) return this.refuse(req, res, verified.reason, source.name, `${source.scheme} signature: ${verified.reason}`, rate);

    const text = body.toString('utf8');
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      return this.refuse(req, res, 'invalid-json', source.name, `not JSON: ${text.slice(0, 80)}`, rate);
    }
    const parsed = Payload.safeParse(raw);
    if (!parsed.success) return this.refuse(req, res, 'invalid-json', source.name, `not a JSON object: ${text.slice(0, 80)}`, rate);
    const payload = parsed.data;

    // Replay protection: the signed id (Standard Webhooks), GitHub's delivery id, Stripe's
    // event id, a sender's webhook-id, else the body's hash.
    const now = this.now();
    const id = verified.id ?? payload.id ?? headers['webhook-id'] ?? headers['x-webhook-id'] ?? `sha256:${createHash('sha256').update(body).digest('hex').slice(0, 32)}`;
    const timed = verified.timestamp !== undefined;
    const expires = now + (timed ? 2 * settings.toleranceSec * 1000 : UNTIMED_REPLAY_WINDOW_MS);
    const db = this.options.storage.db;
    const fresh = this.stmts().seen.run(source.name, id, expires, now);
    if (Number(fresh.changes) === 0) return this.refuse(req, res, 'replay', source.name, `id ${id} already received`, rate);

    const eventName = payload.event ?? payload.type ?? headers['x-webhook-event'] ?? headers['x-github-event'] ?? 'evento';
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

  private refuse(req: IncomingMessage, res: ServerResponse, reason: RefusalReason, source: string, detail: string, headers: Record<string, string> = {}): void {
    this.refused[reason] = (this.refused[reason] ?? 0) + 1;
    this.reply(res, statusOf[reason], { error: reason }, headers);
    if (reason === 'too-large' || reason === 'rate-limited') req.resume();
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

export const newInboundId = () => randomUUID();
