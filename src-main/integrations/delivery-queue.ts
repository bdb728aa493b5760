import { randomUUID } from 'node:crypto';
import type { Attempt } from '../contract/integrations';
import type { StatementSync } from 'node:sqlite';
import type { Storage } from '../core/storage';

/**
 * The outbound delivery queue and log, durable in SQLite (WAL). An event and one delivery
 * row per subscribed webhook are written in ONE transaction before `enqueue` returns, so an
 * accepted event survives a crash or kill at any later moment. A delivery stays `pending`
 * until an attempt's outcome is committed: a kill in the middle of a request means it is
 * sent again after restart, with the same event id (at-least-once).
 */

export interface StoredEvent {
  /** `msg_…`: the `webhook-id` every attempt and replay of this event carries. */
  id: string;
  type: string;
  at: number;
  data: unknown;
}

export interface DeliveryRow {
  id: string;
  webhookId: string;
  eventId: string;
  eventType: string;
  state: 'pending' | 'succeeded' | 'failed';
  /** Attempts made (shown). */
  attempts: number;
  /** Failures that consumed the retry schedule (an unreachable network does not). */
  failures: number;
  /** When due; null = parked until its webhook is enabled again. */
  nextAt: number | null;
  createdAt: number;
  updatedAt: number;
  lastStatus: number | null;
  lastError: string | null;
  replayOf: string | null;
}

export interface AttemptRecord extends Omit<Attempt, 'deliveryId' | 'n'> {
  ok: boolean;
}

export interface Outcome {
  state: DeliveryRow['state'];
  nextAt: number | null;
  failures: number;
  status: number | null;
  error: string | null;
}

type Row = Record<string, string | number | null>;

const toDelivery = (r: Row): DeliveryRow => ({
  id: String(r.id),
  webhookId: String(r.webhook_id),
  eventId: String(r.event_id),
  eventType: String(r.event_type),
  state: String(r.state) as DeliveryRow['state'],
  attempts: Number(r.attempts),
  failures: Number(r.failures),
  nextAt: r.next_at === null ? null : Number(r.next_at),
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
  lastStatus: r.last_status === null ? null : Number(r.last_status),
  lastError: r.last_error === null ? null : String(r.last_error),
  replayOf: r.replay_of === null ? null : String(r.replay_of),
});

export const newEventId = (): string => `msg_${randomUUID().replaceAll('-', '')}`;

export class DeliveryQueue {
  constructor(private readonly storage: Storage) {
    storage.migrate('webhooks', [
      `CREATE TABLE wh_webhooks (id TEXT PRIMARY KEY, body TEXT NOT NULL, created_at INTEGER NOT NULL);
       CREATE TABLE wh_events (id TEXT PRIMARY KEY, type TEXT NOT NULL, at INTEGER NOT NULL, payload TEXT NOT NULL);
       CREATE INDEX wh_events_at ON wh_events(at);
       CREATE TABLE wh_deliveries (id TEXT PRIMARY KEY, webhook_id TEXT NOT NULL, event_id TEXT NOT NULL, event_type TEXT NOT NULL,
         state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, failures INTEGER NOT NULL DEFAULT 0, next_at INTEGER,
         created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, last_status INTEGER, last_error TEXT, replay_of TEXT);
       CREATE INDEX wh_deliveries_due ON wh_deliveries(state, next_at);
       CREATE INDEX wh_deliveries_webhook ON wh_deliveries(webhook_id, created_at);
       CREATE INDEX wh_deliveries_created ON wh_deliveries(created_at);
       CREATE INDEX wh_deliveries_event ON wh_deliveries(event_id);
       CREATE TABLE wh_attempts (id INTEGER PRIMARY KEY, delivery_id TEXT NOT NULL, webhook_id TEXT NOT NULL, n INTEGER NOT NULL,
         at INTEGER NOT NULL, url TEXT NOT NULL, request_headers TEXT NOT NULL, request_body TEXT NOT NULL, status INTEGER,
         excerpt TEXT NOT NULL, duration_ms REAL NOT NULL, error TEXT, ok INTEGER NOT NULL);
       CREATE INDEX wh_attempts_delivery ON wh_attempts(delivery_id);
       CREATE INDEX wh_attempts_webhook ON wh_attempts(webhook_id, at);
       CREATE INDEX wh_attempts_at ON wh_attempts(at);`,
    ]);
  }

  private readonly statements = new Map<string, StatementSync>();

  /** Prepared statements are cached: the queue runs a few per delivery. */
  private get db() {
    return { prepare: (sql: string): StatementSync => {
      let st = this.statements.get(sql);
      if (!st) {
        if (this.statements.size > 200) this.statements.clear();
        this.statements.set(sql, (st = this.storage.db.prepare(sql)));
      }
      return st;
    } };
  }

  // ---- webhook definitions (JSON bodies; the module owns their shape) -------------------

  loadWebhooks<T>(): T[] {
    return (this.db.prepare('SELECT body FROM wh_webhooks ORDER BY created_at').all() as Array<{ body: string }>).map((r) => JSON.parse(r.body) as T);
  }

  saveWebhook(id: string, body: unknown, createdAt: number): void {
    this.db.prepare('INSERT INTO wh_webhooks (id, body, created_at) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET body = excluded.body').run(id, JSON.stringify(body), createdAt);
  }

  /** Delete the webhook and drop its pending deliveries (the log of past attempts stays until retention). */
  deleteWebhook(id: string, now: number): void {
    this.storage.transaction(() => {
      this.db.prepare('DELETE FROM wh_webhooks WHERE id = ?').run(id);
      this.db.prepare("UPDATE wh_deliveries SET state = 'failed', next_at = NULL, last_error = 'webhook deleted', updated_at = ? WHERE webhook_id = ? AND state = 'pending'").run(now, id);
    });
  }

  // ---- queue ---------------------------------------------------------------------------

  /** Accept an event for these webhooks: event + deliveries in one transaction. */
  enqueue(event: StoredEvent, webhookIds: readonly string[], now: number): DeliveryRow[] {
    if (webhookIds.length === 0) return [];
    const rows: DeliveryRow[] = webhookIds.map((webhookId) => ({
      id: `dlv_${randomUUID().replaceAll('-', '')}`,
      webhookId,
      eventId: event.id,
      eventType: event.type,
      state: 'pending',
      attempts: 0,
      failures: 0,
      nextAt: now,
      createdAt: now,
      updatedAt: now,
      lastStatus: null,
      lastError: null,
      replayOf: null,
    }));
    this.storage.transaction(() => {
      this.db.prepare('INSERT OR IGNORE INTO wh_events (id, type, at, payload) VALUES (?, ?, ?, ?)').run(event.id, event.type, event.at, JSON.stringify(event.data ?? null));
      const insert = this.db.prepare(
        "INSERT INTO wh_deliveries (id, webhook_id, event_id, event_type, state, attempts, failures, next_at, created_at, updated_at) VALUES (?, ?, ?, ?, 'pending', 0, 0, ?, ?, ?)",
      );
      for (const r of rows) insert.run(r.id, r.webhookId, r.eventId, r.eventType, now, now, now);
    });
    return rows;
  }

  /** A new delivery of a past delivery's event to the same webhook (same event id). */
  replay(deliveryId: string, now: number): DeliveryRow | null {
    const original = this.get(deliveryId);
    if (!original) return null;
    const row: DeliveryRow = { ...original, id: `dlv_${randomUUID().replaceAll('-', '')}`, state: 'pending', attempts: 0, failures: 0, nextAt: now, createdAt: now, updatedAt: now, lastStatus: null, lastError: null, replayOf: original.id };
    this.db
      .prepare("INSERT INTO wh_deliveries (id, webhook_id, event_id, event_type, state, attempts, failures, next_at, created_at, updated_at, replay_of) VALUES (?, ?, ?, ?, 'pending', 0, 0, ?, ?, ?, ?)")
      .run(row.id, row.webhookId, row.eventId, row.eventType, now, now, now, original.id);
    return row;
  }

  /** Pending deliveries due at `now`, oldest first, skipping those in flight. */
  due(now: number, limit: number, inFlight: ReadonlySet<string>): DeliveryRow[] {
    const rows = this.db.prepare("SELECT * FROM wh_deliveries WHERE state = 'pending' AND next_at IS NOT NULL AND next_at <= ? ORDER BY next_at, created_at LIMIT ?").all(now, limit + inFlight.size) as Row[];
    const out: DeliveryRow[] = [];
    for (const r of rows) {
      if (inFlight.has(String(r.id))) continue;
      out.push(toDelivery(r));
      if (out.length >= limit) break;
    }
    return out;
  }

  /** Earliest due time of a pending delivery not in flight; null when nothing waits. */
  nextDueAt(inFlight: ReadonlySet<string>): number | null {
    const rows = this.db.prepare("SELECT id, next_at FROM wh_deliveries WHERE state = 'pending' AND next_at IS NOT NULL ORDER BY next_at LIMIT ?").all(inFlight.size + 1) as Row[];
    for (const r of rows) if (!inFlight.has(String(r.id))) return Number(r.next_at);
    return null;
  }

  event(id: string): StoredEvent | null {
    const r = this.db.prepare('SELECT * FROM wh_events WHERE id = ?').get(id) as Row | undefined;
    return r ? { id: String(r.id), type: String(r.type), at: Number(r.at), data: JSON.parse(String(r.payload)) as unknown } : null;
  }

  /** Commit one attempt and the delivery's new state together. */
  finish(delivery: DeliveryRow, attempt: AttemptRecord, outcome: Outcome, now: number): DeliveryRow {
    const n = delivery.attempts + 1;
    this.storage.transaction(() => {
      this.db
        .prepare('INSERT INTO wh_attempts (delivery_id, webhook_id, n, at, url, request_headers, request_body, status, excerpt, duration_ms, error, ok) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
        .run(delivery.id, delivery.webhookId, n, attempt.at, attempt.url, JSON.stringify(attempt.requestHeaders), attempt.requestBody, attempt.status, attempt.responseExcerpt, attempt.durationMs, attempt.error, attempt.ok ? 1 : 0);
      this.db
        .prepare('UPDATE wh_deliveries SET state = ?, attempts = ?, failures = ?, next_at = ?, updated_at = ?, last_status = ?, last_error = ? WHERE id = ?')
        .run(outcome.state, n, outcome.failures, outcome.nextAt, now, outcome.status, outcome.error, delivery.id);
    });
    return { ...delivery, state: outcome.state, attempts: n, failures: outcome.failures, nextAt: outcome.nextAt, updatedAt: now, lastStatus: outcome.status, lastError: outcome.error };
  }

  /** Hold a webhook's pending deliveries until `until` (slow-down, unreachable); null parks them. */
  hold(webhookId: string, until: number | null): void {
    if (until === null) this.db.prepare("UPDATE wh_deliveries SET next_at = NULL WHERE webhook_id = ? AND state = 'pending'").run(webhookId);
    else this.db.prepare("UPDATE wh_deliveries SET next_at = MAX(COALESCE(next_at, 0), ?) WHERE webhook_id = ? AND state = 'pending'").run(until, webhookId);
  }

  /** Parked (or held) deliveries of a webhook become due now (enabled again, network back). */
  release(webhookId: string, now: number): void {
    this.db.prepare("UPDATE wh_deliveries SET next_at = ? WHERE webhook_id = ? AND state = 'pending' AND (next_at IS NULL OR next_at > ?)").run(now, webhookId, now);
  }

  // ---- log and statistics --------------------------------------------------------------

  get(id: string): DeliveryRow | null {
    const r = this.db.prepare('SELECT * FROM wh_deliveries WHERE id = ?').get(id) as Row | undefined;
    return r ? toDelivery(r) : null;
  }

  list(filter: { webhookId?: string | undefined; state?: string | undefined; limit: number }): DeliveryRow[] {
    const where: string[] = [];
    const params: string[] = [];
    if (filter.webhookId) {
      where.push('webhook_id = ?');
      params.push(filter.webhookId);
    }
    if (filter.state) {
      where.push('state = ?');
      params.push(filter.state);
    }
    const sql = `SELECT * FROM wh_deliveries ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, rowid DESC LIMIT ${Math.floor(filter.limit)}`;
    return (this.db.prepare(sql).all(...params) as Row[]).map(toDelivery);
  }

  attempts(deliveryId: string): Attempt[] {
    const rows = this.db.prepare('SELECT * FROM wh_attempts WHERE delivery_id = ? ORDER BY n').all(deliveryId) as Row[];
    return rows.map((r) => ({
      deliveryId: String(r.delivery_id),
      n: Number(r.n),
      at: Number(r.at),
      url: String(r.url),
      requestHeaders: JSON.parse(String(r.request_headers)) as Record<string, string>,
      requestBody: String(r.request_body),
      status: r.status === null ? null : Number(r.status),
      responseExcerpt: String(r.excerpt),
      durationMs: Number(r.duration_ms),
      error: r.error === null ? null : String(r.error),
    }));
  }

  stats(webhookId: string): { attempts: number; ok: number; durations: number[]; lastFailureAt: number | null; lastFailure: string | null; byState: Record<string, number> } {
    const totals = this.db.prepare('SELECT COUNT(*) AS n, COALESCE(SUM(ok), 0) AS ok FROM wh_attempts WHERE webhook_id = ?').get(webhookId) as { n: number; ok: number };
    const durations = (this.db.prepare('SELECT duration_ms AS d FROM wh_attempts WHERE webhook_id = ? AND status IS NOT NULL ORDER BY at DESC LIMIT 1000').all(webhookId) as Array<{ d: number }>).map((r) => r.d);
    const last = this.db.prepare('SELECT at, status, error FROM wh_attempts WHERE webhook_id = ? AND ok = 0 ORDER BY at DESC, id DESC LIMIT 1').get(webhookId) as Row | undefined;
    const byState = Object.fromEntries(
      (this.db.prepare('SELECT state, COUNT(*) AS n FROM wh_deliveries WHERE webhook_id = ? GROUP BY state').all(webhookId) as Array<{ state: string; n: number }>).map((r) => [r.state, Number(r.n)]),
    );
    return {
      attempts: Number(totals.n),
      ok: Number(totals.ok),
      durations,
      lastFailureAt: last ? Number(last.at) : null,
      lastFailure: last ? (last.error !== null ? String(last.error) : `HTTP ${String(last.status)}`) : null,
      byState,
    };
  }

  /** Deliveries settled in [from, to) by state, plus what is pending now (daily summary). */
  countBetween(from: number, to: number): { succeeded: number; failed: number; pending: number } {
    const rows = this.db.prepare("SELECT state, COUNT(*) AS n FROM wh_deliveries WHERE updated_at >= ? AND updated_at <= ? AND state != 'pending' GROUP BY state").all(from, to) as Array<{ state: string; n: number }>;
    const pending = (this.db.prepare("SELECT COUNT(*) AS n FROM wh_deliveries WHERE state = 'pending'").get() as { n: number }).n;
    const by = Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
    return { succeeded: by.succeeded ?? 0, failed: by.failed ?? 0, pending: Number(pending) };
  }

  /**
   * Retention: attempts older than `cutoff`, settled deliveries last touched before it, and
   * events no delivery refers to any more. Pending deliveries are never removed.
   */
  purgeOlderThan(cutoff: number): { deliveries: number; attempts: number } {
    return this.storage.transaction(() => {
      const attempts = Number(this.db.prepare('DELETE FROM wh_attempts WHERE at < ?').run(cutoff).changes);
      const deliveries = Number(this.db.prepare("DELETE FROM wh_deliveries WHERE state != 'pending' AND updated_at < ?").run(cutoff).changes);
      this.db.prepare('DELETE FROM wh_events WHERE at < ? AND NOT EXISTS (SELECT 1 FROM wh_deliveries d WHERE d.event_id = wh_events.id)').run(cutoff);
      return { deliveries, attempts };
    });
  }
}
