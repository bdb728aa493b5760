import { Worker } from 'node:worker_threads';

/**
 * A batch of rows as columns, in the order of `INSERT_COLUMNS`: one array per column clones to the
 * worker faster than one array per row, and costs no allocation per row.
 */
export class HistoryBatch {
  readonly seq: number[] = [];
  readonly receivedAt: number[] = [];
  readonly dateTime: Array<string | null> = [];
  readonly latencyMs: Array<number | null> = [];
  readonly event: string[] = [];
  readonly instance: string[] = [];
  readonly via: string[] = [];
  readonly sender: Array<string | null> = [];
  readonly summary: string[] = [];
  readonly data: Array<string | null> = [];

  get length(): number {
    return this.seq.length;
  }

  columns(): unknown[][] {
    return [this.seq, this.receivedAt, this.dateTime, this.latencyMs, this.event, this.instance, this.via, this.sender, this.summary, this.data];
  }
}

const INSERT_COLUMNS = '(seq, received_at, date_time, latency_ms, event, instance, via, sender, summary, data)';
const ROW = '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';
/** Rows per multi-row INSERT: far fewer calls across the SQLite binding than one per row. */
const CHUNK = 50;
/** How long a synchronous `sync()` waits for the writer before giving up (a stalled disk). */
const SYNC_TIMEOUT_MS = 10_000;

/**
 * Runs in the worker: one connection of its own to the same database file (WAL lets the main
 * thread's connection read and write alongside), one transaction per batch. Plain JavaScript in a
 * string so it runs the same under the bundle, tsx and vitest; kept to SQL and loops.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { DatabaseSync } = require('node:sqlite');
const { path, insertOne, insertMany, chunk, trimSql, done } = workerData;
let db = null;
let one, many, trim;
const open = () => {
  db = new DatabaseSync(path);
  db.exec('PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL;');
  one = db.prepare(insertOne);
  many = db.prepare(insertMany);
  trim = db.prepare(trimSql);
};
const row = (columns, j, values) => {
  for (const column of columns) values.push(column[j]);
  return values;
};
const write = (columns, count, trimBelow) => {
  let i = 0;
  for (; i + chunk <= count; i += chunk) {
    const values = [];
    for (let j = i; j < i + chunk; j++) row(columns, j, values);
    many.run(...values);
  }
  for (; i < count; i++) one.run(...row(columns, i, []));
  if (trimBelow > 0) trim.run(trimBelow);
};
parentPort.on('message', ({ columns, trimBelow, close }) => {
  if (close) {
    if (db) db.close();
    parentPort.close();
    return;
  }
  const count = columns[0].length;
  let error = null;
  try {
    if (!db) open();
    db.exec('BEGIN IMMEDIATE');
    try {
      write(columns, count, trimBelow);
      db.exec('COMMIT');
    } catch (e) {
      try { db.exec('ROLLBACK'); } catch {}
      throw e;
    }
  } catch (e) {
    error = (e && e.message) || String(e);
  }
  // The error goes first, so it is queued for the main thread before sync() returns. Every batch
  // is counted, written or not, so sync() never waits for a lost one.
  if (error) parentPort.postMessage({ error, rows: count });
  Atomics.add(done, 0, 1);
  Atomics.notify(done, 0);
});
`;

/**
 * Writes history batches from a worker thread, so the SQLite inserts (≈ 4 µs a row, most of the
 * connector's cost at burst rates) do not run on the main thread. `write()` only posts; `sync()`
 * blocks until everything posted is committed, so readers on the main connection see their writes.
 */
export class HistoryWriter {
  /** Batches committed (or failed) by the worker, shared so `sync()` can wait without the event loop. */
  private readonly done = new Int32Array(new SharedArrayBuffer(4));
  private posted = 0;
  /** Row counts of posted batches not yet confirmed, oldest first, and their sum. */
  private readonly inFlight: number[] = [];
  private inFlightRows = 0;
  private worker: Worker | null = null;

  constructor(
    private readonly options: { path: string; table: string; onError: (message: string, rows: number) => void },
  ) {
    if (options.path === ':memory:') throw new Error('event history needs a database file (it is written from a worker thread)');
  }

  /** Rows posted and not yet committed. */
  get pendingRows(): number {
    this.settle();
    return this.inFlightRows;
  }

  write(batch: HistoryBatch, trimBelow: number): void {
    this.spawn().postMessage({ columns: batch.columns(), trimBelow });
    this.posted++;
    this.inFlight.push(batch.length);
    this.inFlightRows += batch.length;
  }

  /** Block until every posted batch is committed (bounded by SYNC_TIMEOUT_MS). */
  sync(): void {
    const deadline = Date.now() + SYNC_TIMEOUT_MS;
    for (;;) {
      const done = Atomics.load(this.done, 0);
      if (done >= this.posted || !this.worker) break;
      const left = deadline - Date.now();
      if (left <= 0) {
        this.options.onError(`history writer did not answer within ${SYNC_TIMEOUT_MS / 1000} s`, 0);
        break;
      }
      Atomics.wait(this.done, 0, done, left);
    }
    this.settle();
  }

  /** Wait for the writes, then let the worker close its connection and end. */
  close(): void {
    this.sync();
    this.worker?.postMessage({ close: true });
    this.worker = null;
  }

  private settle(): void {
    for (let confirmed = Atomics.load(this.done, 0) - (this.posted - this.inFlight.length); confirmed > 0; confirmed--) this.inFlightRows -= this.inFlight.shift()!;
  }

  private spawn(): Worker {
    if (this.worker) return this.worker;
    const { path, table } = this.options;
    const insert = `INSERT OR REPLACE INTO ${table} ${INSERT_COLUMNS} VALUES`;
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        path,
        insertOne: `${insert} ${ROW}`,
        insertMany: `${insert} ${Array.from({ length: CHUNK }, () => ROW).join(', ')}`,
        chunk: CHUNK,
        trimSql: `DELETE FROM ${table} WHERE seq <= ?`,
        done: this.done,
      },
    });
    worker.unref(); // never keeps the process alive; close() (module stop) syncs first
    worker.on('message', (m: { error: string; rows: number }) => this.options.onError(m.error, m.rows));
    worker.on('error', (error) => this.lost(worker, error.message));
    worker.on('exit', (code) => this.lost(worker, `exited with code ${code}`));
    this.worker = worker;
    return worker;
  }

  /** The worker died: what it had not confirmed is lost (counted); the next write starts a new one. */
  private lost(worker: Worker, why: string): void {
    if (this.worker !== worker) return;
    this.worker = null;
    this.settle();
    const rows = this.inFlightRows;
    this.inFlight.length = 0;
    this.inFlightRows = 0;
    this.posted = Atomics.load(this.done, 0);
    this.options.onError(`history writer stopped (${why})`, rows);
  }
}
