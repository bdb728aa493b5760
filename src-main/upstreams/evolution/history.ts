import type { StatementSync } from 'node:sqlite';
import type { WaEvent } from '../../contract/evolution';
import type { Storage } from '../../core/storage';
import { linkGuard, type TimerGuard } from '../../core/lifecycle';
import { HistoryBatch, HistoryWriter } from './history-writer';

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
/** A batch goes to the writer when it is this big, or FLUSH_MS after its first row. */
const BATCH_ROWS = 500;
const FLUSH_MS = 100;
const TRIM_EVERY = 1_000;
const ERROR_REPORT_MS = 10_000;

/**
 * Evolution event history on disk (`whatsapp_events`), written in batches from a worker thread
 * (`HistoryWriter`): a row is committed at most `flushMs` (100 ms) plus one transaction after it
 * arrives, and on close. Bounded to the newest `maxRows`, queried by instance, type and text on
 * the main connection after waiting for the writer, so a query sees every event added before it.
 * Sequence numbers continue across restarts so the renderer can page by `seq`.
 */
export class EventHistory {
  private seq: number;
  private pending = new HistoryBatch();
  private timer: NodeJS.Timeout | null = null;
  /** Rows posted and not yet committed as of the last post (an upper bound until the next one). */
  private writerRows = 0;
  private sinceTrim = 0;
  private readonly writer: HistoryWriter;
  /** Rows not written: the queue overflowed or the writer failed (counted). */
  dropped = 0;
  private errorReportedAt = -Infinity;

  /** The newest rows kept (older ones are trimmed as new ones are written). */
  get maxRows(): number {
    return this.rows;
  }

  /** The configuration changed: keep this many rows from the next write on. */
  setMaxRows(rows: number): void {
    this.rows = rows;
  }

  constructor(
    private readonly storage: Storage,
    private rows: number,
    private readonly options: { flushMs?: number; maxPending?: number; onError?: (message: string) => void; guard?: TimerGuard } = {},
  ) {
    storage.migrate('whatsapp', [
      `CREATE TABLE whatsapp_events (seq INTEGER PRIMARY KEY, received_at INTEGER NOT NULL, date_time TEXT, latency_ms INTEGER,
         event TEXT NOT NULL, instance TEXT NOT NULL, via TEXT NOT NULL, sender TEXT, summary TEXT NOT NULL, data TEXT);`,
    ]);
    const row = storage.db.prepare('SELECT MAX(seq) AS seq FROM whatsapp_events').get() as { seq: number | null };
    this.seq = row.seq ?? 0;
    this.writer = new HistoryWriter({
      path: storage.path,
      table: 'whatsapp_events',
      onError: (message, rows) => {
        this.dropped += rows;
        // One report per ERROR_REPORT_MS (a broken disk fails every batch); `dropped` keeps the count.
        const now = Date.now();
        if (now - this.errorReportedAt < ERROR_REPORT_MS) return;
        this.errorReportedAt = now;
        options.onError?.(rows ? `${message} — ${rows} event(s) not stored` : message);
      },
    });
  }

  nextSeq(): number {
    return ++this.seq;
  }

  /** Queue one event; `dataJson` is `JSON.stringify(event.data)` when the caller has it already. */
  add(event: WaEvent, dataJson?: string): void {
    const max = this.options.maxPending ?? 50_000;
    // The writer's count is only asked when the last one known says full: it can only have gone
    // down since (rows are added to it only by post()), so below the cap the answer is the same.
    if (this.pending.length + this.writerRows >= max && this.pending.length + (this.writerRows = this.writer.pendingRows) >= max) {
      this.dropped++;
      return;
    }
    const p = this.pending;
    p.seq.push(event.seq);
    p.receivedAt.push(event.receivedAt);
    p.dateTime.push(event.dateTime);
    p.latencyMs.push(event.latencyMs);
    p.event.push(event.event);
    p.instance.push(event.instance);
    p.via.push(event.via);
    p.sender.push(event.sender);
    p.summary.push(event.summary);
    p.data.push(dataText(event.data, dataJson));
    if (this.pending.length >= BATCH_ROWS) this.post();
    else this.timer ??= setTimeout((this.options.guard ?? linkGuard(() => null))(() => this.post()), this.options.flushMs ?? FLUSH_MS);
  }

  /** Hand the pending rows to the writer without waiting. */
  private post(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = new HistoryBatch();
    this.sinceTrim += batch.length;
    let trimBelow = 0;
    if (this.sinceTrim >= TRIM_EVERY) {
      this.sinceTrim = 0;
      trimBelow = this.seq - this.maxRows;
    }
    this.writer.write(batch, trimBelow);
    this.writerRows = this.writer.pendingRows;
  }

  /** Write everything added so far and wait until it is committed. */
  flush(): void {
    this.post();
    this.writer.sync();
  }

  /**
   * Rows in the table, estimated from the sequence range: no table scan (COUNT(*) reads every page)
   * and no wait for the writer, so the once-a-second metrics never stall the main thread.
   */
  approximateRows(): number {
    this.firstSeq ??= this.storage.db.prepare('SELECT MIN(seq) AS seq FROM whatsapp_events');
    const first = (this.firstSeq.get() as { seq: number | null }).seq;
    return first === null ? 0 : Math.min(this.maxRows, this.seq - first + 1);
  }
  private firstSeq: StatementSync | null = null;

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
    this.post();
    this.writer.close();
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
