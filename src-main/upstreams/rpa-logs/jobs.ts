import type { JobSummary, LogLine } from '../../contract/logs';
import { renamed } from '../../core/renamed-fields';
import type { Storage } from '../../core/storage';

/** Fixed-capacity ring, oldest first; resizing keeps the newest items. */
export class Ring<T> {
  private items: (T | undefined)[];
  private start = 0;
  size = 0;

  constructor(private capacity: number) {
    this.items = new Array<T | undefined>(Math.min(capacity, 1_024));
  }

  push(item: T): void {
    if (this.size < this.capacity) {
      if (this.size === this.items.length) this.grow();
      this.items[(this.start + this.size++) % this.items.length] = item;
    } else {
      this.items[this.start] = item;
      this.start = (this.start + 1) % this.items.length;
    }
  }

  at(index: number): T | undefined {
    return index < 0 || index >= this.size ? undefined : this.items[(this.start + index) % this.items.length];
  }

  /** Items [from, to) by position (0 = oldest). */
  slice(from: number, to: number): T[] {
    const out: T[] = [];
    for (let i = Math.max(0, from); i < Math.min(this.size, to); i++) out.push(this.items[(this.start + i) % this.items.length]!);
    return out;
  }

  resize(capacity: number): void {
    const keep = this.slice(Math.max(0, this.size - capacity), this.size);
    this.capacity = capacity;
    this.items = new Array<T | undefined>(Math.max(1, Math.min(capacity, Math.max(1_024, keep.length))));
    this.start = 0;
    this.size = 0;
    for (const item of keep) this.push(item);
  }

  private grow(): void {
    // Grow by doubling up to capacity, so a job with ten lines does not hold a 100,000-slot array.
    const next = new Array<T | undefined>(Math.min(this.capacity, this.items.length * 2));
    for (let i = 0; i < this.size; i++) next[i] = this.items[(this.start + i) % this.items.length];
    this.items = next;
    this.start = 0;
  }
}

interface JobState {
  jobId: string;
  ring: Ring<LogLine>;
  nextSeq: number;
  lines: number;
  errors: number;
  warnings: number;
  firstAt: number | null;
  lastAt: number | null;
  carriers: Set<string>;
  services: Set<string>;
  silent: boolean;
  /** Lines not yet on disk (only the newest `persistLines` are ever written). */
  unsaved: LogLine[];
}

const MAX_TAGS = 8;
/** Service/logger names shared by held lines: how many, and how long (others keep their own copy). */
const MAX_NAMES = 4_096;
const MAX_NAME_LENGTH = 100;

/**
 * Per-job bounded buffers in main, the job summaries the picker shows, and the small durable
 * tail of each job (newest N lines in SQLite, written in batches).
 */
export class JobBook {
  private readonly jobs = new Map<string, JobState>();
  private readonly dirty = new Set<string>();
  private pinned = new Set<string>();
  /** Silent jobs that logged again since the last silence check. */
  private readonly revived = new Set<string>();
  private readonly names = new Map<string, string>();
  private bufferLines: number;
  persistLines: number;

  constructor(
    private readonly storage: Storage,
    options: { bufferLines: number; persistLines: number; pinned: readonly string[] },
  ) {
    this.bufferLines = options.bufferLines;
    this.persistLines = options.persistLines;
    this.pinned = new Set(options.pinned);
    storage.migrate('logs', [
      `CREATE TABLE logs_lines (job_id TEXT NOT NULL, seq INTEGER NOT NULL, body TEXT NOT NULL, PRIMARY KEY (job_id, seq)) WITHOUT ROWID;
       CREATE TABLE logs_jobs (job_id TEXT PRIMARY KEY, body TEXT NOT NULL);`,
    ]);
    this.load();
  }

  /** File `line` under `jobId`: sets its `jobId` and `seq` and keeps that very object (no copy). */
  add(jobId: string, line: LogLine): LogLine {
    const job = this.ensure(jobId);
    // The book's own id string: every held line shares it instead of keeping its parsed copy.
    line.jobId = job.jobId;
    line.seq = job.nextSeq++;
    line.service = this.intern(line.service);
    line.logger = this.intern(line.logger);
    job.ring.push(line);
    if (line.kind === 'log') {
      job.lines++;
      if (line.level === 'ERROR' || line.level === 'CRITICAL') job.errors++;
      else if (line.level === 'WARNING' || line.level === 'WARN') job.warnings++;
      if (line.carrier && job.carriers.size < MAX_TAGS) job.carriers.add(line.carrier);
      if (line.service && job.services.size < MAX_TAGS) job.services.add(line.service);
      job.firstAt ??= line.receivedAt;
      job.lastAt = line.receivedAt;
      if (job.silent) {
        job.silent = false;
        this.revived.add(jobId);
      }
    }
    if (this.persistLines > 0) {
      job.unsaved.push(line);
      // Bound the pending list under a flood: older unsaved lines would be trimmed on disk anyway.
      if (job.unsaved.length > this.persistLines * 2) job.unsaved.splice(0, job.unsaved.length - this.persistLines);
    }
    this.dirty.add(jobId);
    return line;
  }

  has(jobId: string): boolean {
    return this.jobs.has(jobId);
  }

  ids(): string[] {
    return [...this.jobs.keys()];
  }

  /** Jobs with a line in the last `withinMs`, plus pinned ones (where system lines also go). */
  activeJobs(now: number, withinMs: number): string[] {
    const out = new Set(this.pinned);
    for (const job of this.jobs.values()) if (job.lastAt !== null && now - job.lastAt <= withinMs) out.add(job.jobId);
    return [...out];
  }

  summary(jobId: string): JobSummary {
    const job = this.jobs.get(jobId);
    if (!job) {
      return { jobId, lines: 0, errors: 0, warnings: 0, firstAt: null, lastAt: null, carriers: [], services: [], pinned: this.pinned.has(jobId), buffered: 0, oldestSeq: 0, newestSeq: 0, silent: false };
    }
    return {
      jobId,
      lines: job.lines,
      errors: job.errors,
      warnings: job.warnings,
      firstAt: job.firstAt,
      lastAt: job.lastAt,
      carriers: [...job.carriers],
      services: [...job.services],
      pinned: this.pinned.has(jobId),
      buffered: job.ring.size,
      oldestSeq: job.ring.at(0)?.seq ?? job.nextSeq,
      newestSeq: job.nextSeq - 1,
      silent: job.silent,
    };
  }

  list(): JobSummary[] {
    const ids = new Set([...this.jobs.keys(), ...this.pinned]);
    return [...ids].map((id) => this.summary(id)).sort((a, b) => Number(b.pinned) - Number(a.pinned) || (b.lastAt ?? 0) - (a.lastAt ?? 0));
  }

  /** Up to `limit` lines with seq < beforeSeq, oldest first. */
  page(jobId: string, beforeSeq: number | undefined, limit: number): { lines: LogLine[]; oldestSeq: number; newestSeq: number; hasMore: boolean } {
    const job = this.jobs.get(jobId);
    if (!job || job.ring.size === 0) return { lines: [], oldestSeq: 0, newestSeq: 0, hasMore: false };
    const oldestSeq = job.ring.at(0)!.seq;
    const newestSeq = job.nextSeq - 1;
    // Seqs rise through the ring (with gaps after a restart): binary search for the end.
    let end = job.ring.size;
    if (beforeSeq !== undefined) {
      let lo = 0;
      let hi = job.ring.size;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (job.ring.at(mid)!.seq < beforeSeq) lo = mid + 1;
        else hi = mid;
      }
      end = lo;
    }
    const start = Math.max(0, end - limit);
    return { lines: job.ring.slice(start, end), oldestSeq, newestSeq, hasMore: start > 0 };
  }

  setPinned(ids: readonly string[]): string[] {
    const changed = [...new Set([...ids, ...this.pinned])].filter((id) => ids.includes(id) !== this.pinned.has(id));
    this.pinned = new Set(ids);
    for (const id of changed) this.dirty.add(id);
    return changed;
  }

  isPinned(jobId: string): boolean {
    return this.pinned.has(jobId);
  }

  setBufferLines(n: number): void {
    if (n === this.bufferLines) return;
    this.bufferLines = n;
    for (const job of this.jobs.values()) {
      job.ring.resize(n);
      this.dirty.add(job.jobId);
    }
  }

  /** Pinned jobs silent for longer than `ms` (newly silent ones are returned once). */
  checkSilence(now: number, ms: number): { silent: string[]; back: string[] } {
    const silent: string[] = [];
    const back: string[] = [...this.revived];
    this.revived.clear();
    for (const jobId of this.pinned) {
      const job = this.ensure(jobId);
      const last = job.lastAt ?? job.firstAt;
      const isSilent = ms > 0 && last !== null && now - last > ms;
      if (isSilent && !job.silent) silent.push(jobId);
      if (!isSilent && job.silent) back.push(jobId);
      if (isSilent !== job.silent) {
        job.silent = isSilent;
        this.dirty.add(jobId);
      }
    }
    return { silent, back };
  }

  lastAt(jobId: string): number | null {
    return this.jobs.get(jobId)?.lastAt ?? null;
  }

  /** Summaries changed since the last call. */
  takeDirty(): JobSummary[] {
    const out = [...this.dirty].map((id) => this.summary(id));
    this.dirty.clear();
    return out;
  }

  /** Write the newest unsaved lines and the touched summaries in one transaction. */
  save(): void {
    const touched = [...this.jobs.values()].filter((j) => j.unsaved.length > 0);
    if (touched.length === 0) return;
    const db = this.storage.db;
    const insert = db.prepare('INSERT OR REPLACE INTO logs_lines (job_id, seq, body) VALUES (?, ?, ?)');
    const trim = db.prepare('DELETE FROM logs_lines WHERE job_id = ? AND seq <= ?');
    const upsert = db.prepare('INSERT INTO logs_jobs (job_id, body) VALUES (?, ?) ON CONFLICT(job_id) DO UPDATE SET body = excluded.body');
    this.storage.transaction(() => {
      for (const job of touched) {
        const rows = job.unsaved.length > this.persistLines ? job.unsaved.slice(-this.persistLines) : job.unsaved;
        job.unsaved = [];
        for (const line of rows) {
          const { jobId: _j, seq, ...body } = line;
          insert.run(job.jobId, seq, JSON.stringify(body));
        }
        trim.run(job.jobId, job.nextSeq - 1 - this.persistLines);
        const { buffered: _b, oldestSeq: _o, newestSeq, pinned: _p, silent: _s, ...summary } = this.summary(job.jobId);
        upsert.run(job.jobId, JSON.stringify({ ...summary, newestSeq }));
      }
    });
  }

  /**
   * One shared copy of a low-variety name: each parsed line brings its own copy of "rpa-worker",
   * "app.downloader"…, and held lines are most of main's heap (and of its GC work) under a flood.
   */
  private intern(name: string): string {
    if (name.length > MAX_NAME_LENGTH) return name;
    const known = this.names.get(name);
    if (known !== undefined) return known;
    if (this.names.size < MAX_NAMES) this.names.set(name, name);
    return name;
  }

  private ensure(jobId: string): JobState {
    let job = this.jobs.get(jobId);
    if (!job) {
      job = {
        jobId,
        ring: new Ring<LogLine>(this.bufferLines),
        nextSeq: 1,
        lines: 0,
        errors: 0,
        warnings: 0,
        firstAt: null,
        lastAt: null,
        carriers: new Set(),
        services: new Set(),
        silent: false,
        unsaved: [],
      };
      this.jobs.set(jobId, job);
    }
    return job;
  }

  /** The durable tail of every job from the last run. */
  private load(): void {
    const jobs = this.storage.db.prepare('SELECT job_id, body FROM logs_jobs').all() as Array<{ job_id: string; body: string }>;
    const lines = this.storage.db.prepare('SELECT seq, body FROM logs_lines WHERE job_id = ? ORDER BY seq');
    for (const row of jobs) {
      const saved = renamed(JSON.parse(row.body), { operadoras: 'carriers' }) as JobSummary;
      const job = this.ensure(row.job_id);
      Object.assign(job, {
        lines: saved.lines,
        errors: saved.errors,
        warnings: saved.warnings,
        firstAt: saved.firstAt,
        lastAt: saved.lastAt,
        carriers: new Set(saved.carriers),
        services: new Set(saved.services),
        nextSeq: saved.newestSeq + 1,
      });
      for (const r of lines.all(row.job_id) as Array<{ seq: number; body: string }>) {
        job.ring.push({ jobId: row.job_id, seq: r.seq, ...(renamed(JSON.parse(r.body), { operadora: 'carrier' }) as Omit<LogLine, 'jobId' | 'seq'>) });
      }
    }
  }
}
