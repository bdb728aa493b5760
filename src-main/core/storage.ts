import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { privateDirMode, privateFileMode, tighten } from './data-dir';
import { DatabaseSync, type SQLInputValue } from 'node:sqlite';

/**
 * The one durable store (histories, queues, snapshots): SQLite through Node's built-in
 * `node:sqlite`, WAL mode, each module owning its tables and its own schema version.
 */
export class Storage {
  readonly db: DatabaseSync;

  private constructor(readonly path: string) {
    const onDisk = path !== ':memory:';
    if (onDisk) {
      mkdirSync(dirname(path), { recursive: true, mode: privateDirMode });
      // Created owner-only before SQLite opens it (SQLite would use 0644 minus the umask);
      // SQLite gives the -wal and -shm files the database file's mode.
      closeSync(openSync(path, 'a', privateFileMode));
    }
    this.db = new DatabaseSync(path);
    // busy_timeout first: switching to WAL needs a lock another connection (a closing history writer) may hold.
    this.db.exec('PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;');
    // And after the open, umask-independent: a database created by an older build was 0644.
    if (onDisk) for (const file of [path, `${path}-wal`, `${path}-shm`]) tighten(file, privateFileMode);
    this.db.exec('CREATE TABLE IF NOT EXISTS schema_versions (module TEXT PRIMARY KEY, version INTEGER NOT NULL)');
  }

  static open(path: string): Storage {
    return new Storage(path);
  }

  /** Apply the steps of `module` not applied yet; step i brings the module to version i + 1. */
  migrate(module: string, steps: readonly string[]): void {
    const row = this.db.prepare('SELECT version FROM schema_versions WHERE module = ?').get(module) as { version: number } | undefined;
    const current = row?.version ?? 0;
    if (current > steps.length) throw new Error(`${module}: database schema v${current} is newer than this console (v${steps.length})`);
    for (let version = current; version < steps.length; version++) {
      this.transaction(() => {
        this.db.exec(steps[version]!);
        this.db.prepare('INSERT INTO schema_versions (module, version) VALUES (?, ?) ON CONFLICT(module) DO UPDATE SET version = excluded.version').run(module, version + 1);
      });
    }
  }

  transaction<T>(work: () => T): T {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const result = work();
      this.db.exec('COMMIT');
      return result;
    } catch (error) {
      this.db.exec('ROLLBACK');
      throw error;
    }
  }

  /** Small key → JSON value table for snapshots and odd state. */
  getJson<T>(key: string): T | undefined {
    this.ensureKv();
    const row = this.db.prepare('SELECT value FROM kv WHERE key = ?').get(key) as { value: string } | undefined;
    return row ? (JSON.parse(row.value) as T) : undefined;
  }

  putJson(key: string, value: unknown): void {
    this.ensureKv();
    this.db.prepare('INSERT INTO kv (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at').run(key, JSON.stringify(value), Date.now());
  }

  run(sql: string, ...params: SQLInputValue[]): void {
    this.db.prepare(sql).run(...params);
  }

  close(): void {
    if (this.db.isOpen) this.db.close();
  }

  private kvReady = false;
  private ensureKv(): void {
    if (this.kvReady) return;
    this.migrate('kv', ['CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at INTEGER NOT NULL)']);
    this.kvReady = true;
  }
}
