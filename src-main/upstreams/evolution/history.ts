import type { SQLInputValue, StatementSync } from 'node:sqlite';
import type { WaEvent } from '../../contract/evolution';
import type { Storage } from '../../core/storage';

export interface HistoryFilter {
  limit: number;
  beforeSeq?: number | undefined;
  instance?: string | undefined;
  event?: string | undefined;
  text?: string | undefined;
  /** Event types left out unless asked for by `event`. */
  hiddenTypes?: readonly string[];
}

const MAX_DATA = 32_768;
const CHUNK = 50;
const INSERT = 'INSERT OR REPLACE INTO whatsapp_events (seq, received_at, date_time, latency_ms, event, instance, via, sender, summary, data) VALUES';
const ROW = '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';

/**
 * Evolution event history on disk (`whatsapp_events`), written in batches, bounded to the
 * newest `maxRows`, queried by instance, type and text. Sequence numbers continue across
 * restarts so the renderer can page by `seq`.
 */
export class EventHistory {
  private seq: number;
  private pending: WaEvent[] = [];
  private texts: Array<string | undefined> = [];
  private timer: NodeJS.Timeout | null = null;
  private sinceTrim = 0;
  /** Rows not written because a single flush window overflowed (counted). */
  dropped = 0;

  constructor(
    private readonly storage: Storage,
    public maxRows: number,
    private readonly options: { flushMs?: number; maxPending?: number } = {},
  ) {
    storage.migrate('whatsapp', [
      `CREATE TABLE whatsapp_events (seq INTEGER PRIMARY KEY, received_at INTEGER NOT NULL, date_time TEXT, latency_ms INTEGER,
         event TEXT NOT NULL, instance TEXT NOT NULL, via TEXT NOT NULL, sender TEXT, summary TEXT NOT NULL, data TEXT);`,
    ]);
    const row = storage.db.prepare('SELECT MAX(seq) AS seq FROM whatsapp_events').get() as { seq: number | null };
    this.seq = row.seq ?? 0;
  }

  nextSeq(): number {
    return ++this.seq;
  }

  /** Queue one event; `dataJson` is `JSON.stringify(event.data)` when the caller has it already. */
  add(event: WaEvent, dataJson?: string): void {
    if (this.pending.length >= (this.options.maxPending ?? 50_000)) {
      this.dropped++;
      return;
    }
    this.pending.push(event);
    this.texts.push(dataJson);
    this.timer ??= setTimeout(() => this.flush(), this.options.flushMs ?? 250);
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.pending.length === 0 || !this.storage.db.isOpen) return;
    const rows = this.pending;
    const texts = this.texts;
    this.pending = [];
    this.texts = [];
    const params = (e: WaEvent, i: number) => [e.seq, e.receivedAt, e.dateTime, e.latencyMs, e.event, e.instance, e.via, e.sender, e.summary, dataText(e.data, texts[i])];
    this.storage.transaction(() => {
      // Rows go in chunks of CHUNK per statement: far fewer calls across the SQLite binding.
      let i = 0;
      for (; i + CHUNK <= rows.length; i += CHUNK) {
        const values: SQLInputValue[] = [];
        for (let j = i; j < i + CHUNK; j++) values.push(...(params(rows[j]!, j) as SQLInputValue[]));
        this.insertMany().run(...values);
      }
      const one = this.insertOne();
      for (; i < rows.length; i++) one.run(...(params(rows[i]!, i) as SQLInputValue[]));
    });
    this.sinceTrim += rows.length;
    if (this.sinceTrim >= 1_000) this.trim();
  }

  private one: StatementSync | null = null;
  private many: StatementSync | null = null;
  private insertOne(): StatementSync {
    return (this.one ??= this.storage.db.prepare(`${INSERT} ${ROW}`));
  }
  private insertMany(): StatementSync {
    return (this.many ??= this.storage.db.prepare(`${INSERT} ${Array.from({ length: CHUNK }, () => ROW).join(', ')}`));
  }

  trim(): void {
    this.sinceTrim = 0;
    this.storage.run('DELETE FROM whatsapp_events WHERE seq <= ?', this.seq - this.maxRows);
  }

  count(): number {
    this.flush();
    const row = this.storage.db.prepare('SELECT COUNT(*) AS n FROM whatsapp_events').get() as { n: number };
    return Number(row.n);
  }

  query(filter: HistoryFilter): { events: WaEvent[]; hasMore: boolean } {
    this.flush();
    const where: string[] = [];
    const params: Array<string | number> = [];
    const add = (clause: string, value: string | number) => {
      where.push(clause);
      params.push(value);
    };
    if (filter.beforeSeq !== undefined) add('seq < ?', filter.beforeSeq);
    if (filter.instance) add('instance = ?', filter.instance);
    if (filter.event) add('event = ?', filter.event);
    else if (filter.hiddenTypes?.length) {
      where.push(`event NOT IN (${filter.hiddenTypes.map(() => '?').join(', ')})`);
      params.push(...filter.hiddenTypes);
    }
    if (filter.text) {
      const like = `%${filter.text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      where.push("(summary LIKE ? ESCAPE '\\' OR data LIKE ? ESCAPE '\\' OR instance LIKE ? ESCAPE '\\' OR event LIKE ? ESCAPE '\\')");
      params.push(like, like, like, like);
    }
    const sql = `SELECT * FROM whatsapp_events ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ${filter.limit + 1}`;
    const rows = this.storage.db.prepare(sql).all(...params) as Array<Record<string, string | number | null>>;
    const hasMore = rows.length > filter.limit;
    if (hasMore) rows.pop();
    return { events: rows.reverse().map(rowToEvent), hasMore };
  }

  dispose(): void {
    this.flush();
  }
}

function dataText(data: unknown, known?: string): string | null {
  if (data === undefined) return null;
  try {
    const text = known ?? JSON.stringify(data);
    return text.length > MAX_DATA ? JSON.stringify({ truncated: true, preview: text.slice(0, MAX_DATA - 100) }) : text;
  } catch {
    return JSON.stringify({ unserialisable: true });
  }
}

function rowToEvent(r: Record<string, string | number | null>): WaEvent {
  return {
    seq: Number(r.seq),
    receivedAt: Number(r.received_at),
    dateTime: r.date_time === null ? null : String(r.date_time),
    latencyMs: r.latency_ms === null ? null : Number(r.latency_ms),
    event: String(r.event),
    instance: String(r.instance),
    via: r.via === 'instance' ? 'instance' : 'global',
    sender: r.sender === null ? null : String(r.sender),
    summary: String(r.summary),
    data: r.data === null ? null : (JSON.parse(String(r.data)) as unknown),
  };
}

const CSV_COLUMNS = ['seq', 'received_at', 'date_time', 'latency_ms', 'instance', 'event', 'via', 'sender', 'summary', 'data'] as const;
const csvCell = (value: unknown): string => {
  const text = value === null || value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value);
  // Cells starting with = + - @ are prefixed so spreadsheets do not run them as formulas.
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
};

export function toCsv(events: readonly WaEvent[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const e of events) {
    lines.push([e.seq, new Date(e.receivedAt).toISOString(), e.dateTime, e.latencyMs, e.instance, e.event, e.via, e.sender, e.summary, e.data].map(csvCell).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

export const toNdjson = (events: readonly WaEvent[]): string => events.map((e) => JSON.stringify({ ...e, receivedAt: new Date(e.receivedAt).toISOString() })).join('\n') + (events.length ? '\n' : '');
