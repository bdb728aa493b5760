import type { EventIds, JournalEntry } from '../contract';
import type { Hub } from './hub';
import type { Storage } from './storage';

export type JournalInput = Omit<JournalEntry, 'seq' | 'at'> & { at?: number };

export interface JournalFilter {
  limit: number;
  upstream?: string | undefined;
  type?: string | undefined;
  /** Matches any of the entry's ids (job, execution, instance, ticket…). */
  id?: string | undefined;
}

/**
 * The cross-upstream timeline behind the event inspector: every upstream event, error and
 * console action, in order, published live and written to disk in batches so history
 * survives a restart. Old rows are trimmed by retention (count here, age by the scheduler).
 */
export class Journal {
  private seq: number;
  private pending: JournalEntry[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly hub: Hub,
    private readonly storage: Storage,
    private readonly options: { maxRows?: number; flushMs?: number } = {},
  ) {
    storage.migrate('journal', [
      `CREATE TABLE journal (seq INTEGER PRIMARY KEY, at INTEGER NOT NULL, upstream TEXT NOT NULL, type TEXT NOT NULL,
         level TEXT NOT NULL, ids TEXT NOT NULL, summary TEXT NOT NULL, raw TEXT);
       CREATE INDEX journal_at ON journal(at);
       CREATE INDEX journal_upstream_type ON journal(upstream, type);`,
    ]);
    const row = storage.db.prepare('SELECT MAX(seq) AS seq FROM journal').get() as { seq: number | null };
    this.seq = row.seq ?? 0;
  }

  record(input: JournalInput): JournalEntry {
    const entry: JournalEntry = { ...input, at: input.at ?? Date.now(), seq: ++this.seq };
    this.pending.push(entry);
    this.timer ??= setTimeout(() => this.flush(), this.options.flushMs ?? 250);
    this.hub.publish('inspector.entries', entry);
    return entry;
  }

  /**
   * A catch for background work nobody awaits (a re-sync after connect, a periodic refresh):
   * the failure is journaled as an error with its cause, never dropped in silence.
   */
  failed(upstream: JournalInput['upstream'], what: string): (error: unknown) => void {
    return (error) => {
      const message = error instanceof Error ? error.message : String(error);
      this.record({ upstream, type: 'background.failed', level: 'error', ids: {}, summary: `${what}: ${message}`, raw: { what, message } });
    };
  }

  /** Write what is pending (also at shutdown). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.pending.length === 0) return;
    const rows = this.pending;
    this.pending = [];
    const insert = this.storage.db.prepare('INSERT INTO journal (seq, at, upstream, type, level, ids, summary, raw) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    this.storage.transaction(() => {
      for (const e of rows) insert.run(e.seq, e.at, e.upstream, e.type, e.level, JSON.stringify(e.ids), e.summary, safeJson(e.raw));
    });
    const maxRows = this.options.maxRows ?? 200_000;
    if (this.seq % 1_000 < rows.length) this.storage.run('DELETE FROM journal WHERE seq <= ?', this.seq - maxRows);
  }

  recent(filter: JournalFilter): JournalEntry[] {
    this.flush();
    const where: string[] = [];
    const params: string[] = [];
    const add = (clause: string, value: string | undefined) => {
      if (!value) return;
      where.push(clause);
      params.push(value);
    };
    add('upstream = ?', filter.upstream);
    add('type = ?', filter.type);
    add('EXISTS (SELECT 1 FROM json_each(ids) WHERE value = ?)', filter.id);
    const sql = `SELECT * FROM journal ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ${filter.limit}`;
    const rows = this.storage.db.prepare(sql).all(...params) as Array<Record<string, string | number | null>>;
    return rows.reverse().map((r) => ({
      seq: Number(r.seq),
      at: Number(r.at),
      upstream: String(r.upstream) as JournalEntry['upstream'],
      type: String(r.type),
      level: String(r.level) as JournalEntry['level'],
      ids: JSON.parse(String(r.ids)) as EventIds,
      summary: String(r.summary),
      raw: r.raw === null ? null : (JSON.parse(String(r.raw)) as unknown),
    }));
  }

  /** Retention: drop entries older than `cutoff`, keeping errors when asked. */
  purgeOlderThan(cutoff: number, keepErrors: boolean): number {
    this.flush();
    const sql = keepErrors ? "DELETE FROM journal WHERE at < ? AND level != 'error'" : 'DELETE FROM journal WHERE at < ?';
    const result = this.storage.db.prepare(sql).run(cutoff);
    return Number(result.changes);
  }
}

function safeJson(value: unknown): string | null {
  if (value === undefined) return null;
  try {
    const text = JSON.stringify(value);
    // Keep the history small: very large raw payloads are cut, the summary stays.
    return text.length > 16_384 ? JSON.stringify({ truncated: true, preview: text.slice(0, 16_000) }) : text;
  } catch {
    return JSON.stringify({ unserialisable: true });
  }
}
