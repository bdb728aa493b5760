import type { DatabaseSync } from 'node:sqlite';
import { z } from 'zod';
import {
  Cluster,
  Execution,
  HubNotification,
  MonitorConfig,
  NotificationPrefs,
  isTerminal,
  monitorMetrics,
  type ExecAction,
  type ExecutionsState,
  type Keyword,
  type MetricSample,
} from '../../contract/keyword-hub';
import { CommandError } from '../../core/commands';
import type { CoreContext } from '../../core/context';
import { MutableDisposable, timeout, type Disposable } from '../../core/disposable';
import { linkGuard, type TimerGuard } from '../../core/lifecycle';
import { clusterRow, executionRow, keywordRow, monitorRow, notificationRow, prefsRow } from './legacy-rows';

const MAX_NOTIFICATIONS = 200;
const MAX_METRICS = 3_600;
const MAX_KEYWORDS_PER_EXECUTION = 20_000;
const MAX_EXECUTIONS = 500;

/**
 * What the console knows about the hub's executions, and the keyword hub's SQLite tables:
 * executions, keywords and clusters (written in one transaction at most every 500 ms),
 * notifications, metrics, notification preferences and the monitoring choice, each with its cap.
 * Execution snapshots are published on `executions.changed`.
 */
export class ExecutionStore implements Disposable {
  readonly executions = new Map<string, Execution>();
  readonly notifications: HubNotification[];
  readonly metrics: MetricSample[] = [];
  prefs: NotificationPrefs;
  monitor: MonitorConfig;
  readonly db: DatabaseSync;
  private readonly keywordCounts = new Map<string, number>();
  private readonly dirtyExec = new Set<string>();
  private readonly changedExec = new Set<string>();
  private newKeywords: Keyword[] = [];
  private newClusters: Cluster[] = [];
  private notificationsDirty = false;
  private readonly persistTimer = new MutableDisposable<ReturnType<typeof timeout>>();
  private readonly publishTimer = new MutableDisposable<ReturnType<typeof timeout>>();
  /** Stopped (the module is stopping): no coalesced publish is armed any more. */
  private stopped = false;

  constructor(
    private readonly ctx: CoreContext,
    private readonly now: () => number,
    /** For its publish and persist timers: a throw restarts the hub link (`HubConnection.guard`). */
    private readonly guard: TimerGuard = linkGuard(() => null),
  ) {
    // kh_queue belongs to the offline queue (offline-queue.ts); one migration creates every table.
    ctx.storage.migrate('keywordHub', [
      `CREATE TABLE kh_executions (id TEXT PRIMARY KEY, updated_at INTEGER NOT NULL, body TEXT NOT NULL);
     CREATE TABLE kh_keywords (seq INTEGER PRIMARY KEY AUTOINCREMENT, execution_id TEXT NOT NULL, body TEXT NOT NULL);
     CREATE INDEX kh_keywords_exec ON kh_keywords(execution_id, seq);
     CREATE TABLE kh_clusters (execution_id TEXT NOT NULL, id TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (execution_id, id));
     CREATE TABLE kh_queue (request_id TEXT PRIMARY KEY, event TEXT NOT NULL, data TEXT NOT NULL, execution_id TEXT, summary TEXT NOT NULL,
       queued_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, state TEXT NOT NULL, sent_at INTEGER, note TEXT);`,
    ]);
    const db = (this.db = ctx.storage.db);
    for (const row of db.prepare('SELECT body FROM kh_executions ORDER BY updated_at').all() as Array<{ body: string }>) {
      const parsed = Execution.safeParse(executionRow(JSON.parse(row.body)));
      if (parsed.success) this.executions.set(parsed.data.id, { ...parsed.data, pending: null });
    }
    for (const row of db.prepare('SELECT execution_id AS id, COUNT(*) AS n FROM kh_keywords GROUP BY execution_id').all() as Array<{ id: string; n: number }>) this.keywordCounts.set(row.id, Number(row.n));
    this.notifications = z.array(HubNotification).catch([]).parse((ctx.storage.getJson<unknown[]>('keywordHub.notifications') ?? []).map(notificationRow));
    this.prefs = NotificationPrefs.catch({ types: ['execucao_concluida', 'erro', 'aviso'], channel: 'websocket' }).parse(prefsRow(ctx.storage.getJson('keywordHub.prefs')));
    this.monitor = MonitorConfig.catch({ metrics: [...monitorMetrics], intervalMs: 5_000 }).parse(monitorRow(ctx.storage.getJson('keywordHub.monitor')));
  }

  // ---- executions ---------------------------------------------------------------------------
  get(id: string): Execution | undefined {
    return this.executions.get(id);
  }
  add(e: Execution): Execution {
    this.executions.set(e.id, e);
    return e;
  }
  /** A new execution as first seen: status `iniciada`, nothing known yet. */
  blank(id: string): Execution {
    return {
      id,
      status: 'iniciada',
      blogUrl: null,
      categoryId: null,
      config: null,
      progress: { total: 0, current: 0, percent: 0 },
      keywordsFound: 0,
      clustersFormed: 0,
      elapsedSec: 0,
      estimatedSec: 0,
      startedAt: this.now(),
      updatedAt: this.now(),
      mine: false,
      result: null,
      error: null,
      refusal: null,
      pending: null,
      unconfirmed: null,
      noNewsSince: null,
      hubId: null,
    };
  }

  /**
   * The hub reused `e.id` for a new run (it restarted): keep this record in history under
   * `<id>@<startedAt>` (its keywords and clusters with it) and free the id for the new run.
   * Returns the history key.
   */
  archive(e: Execution): string {
    const hubId = e.hubId ?? e.id;
    let key = `${hubId}@${e.startedAt}`;
    for (let n = 2; this.executions.has(key); n++) key = `${hubId}@${e.startedAt}.${n}`;
    this.persist();
    const old = e.id;
    this.executions.delete(old);
    const moved: Execution = { ...e, id: key, hubId, pending: null };
    this.executions.set(key, moved);
    const count = this.keywordCounts.get(old);
    this.keywordCounts.delete(old);
    if (count !== undefined) this.keywordCounts.set(key, count);
    if (this.db.isOpen) {
      this.ctx.storage.transaction(() => {
        this.db.prepare('DELETE FROM kh_executions WHERE id = ?').run(old);
        this.db.prepare('UPDATE kh_keywords SET execution_id = ? WHERE execution_id = ?').run(key, old);
        this.db.prepare('UPDATE kh_clusters SET execution_id = ? WHERE execution_id = ?').run(key, old);
      });
    }
    this.touch(moved, true);
    return key;
  }

  /**
   * Mark an execution changed: status changes are published at once; progress is coalesced to
   * one snapshot per execution every 250 ms (an operator cannot read 10 Hz progress, and the
   * renderer stays smooth with hundreds running). Written to SQLite within 500 ms.
   */
  touch(e: Execution, immediate = false): void {
    e.updatedAt = this.now();
    this.dirtyExec.add(e.id);
    this.changedExec.add(e.id);
    this.persistSoon();
    if (immediate) this.publishChanged();
    else if (!this.stopped && !this.publishTimer.value?.pending) this.publishTimer.value = timeout(250, this.guard(() => this.publishChanged()));
  }

  /**
   * `action` was written for `e`: it takes no other until the hub answers. From the operator
   * (`fresh`): the last refusal and unconfirmed mark go, and the change is published at once.
   */
  actionSent(e: Execution, action: ExecAction, fresh = false): void {
    e.pending = action;
    if (fresh) {
      e.refusal = null;
      e.unconfirmed = null;
    }
    this.touch(e, fresh);
  }

  /** The hub refused `action` for `e` (an ERRO with its code): shown, and `e` takes actions again. */
  actionRefused(e: Execution, refusal: Execution['refusal'], action: ExecAction | null): void {
    e.refusal = refusal;
    if (action && e.pending === action) e.pending = null;
    this.touch(e, true);
  }

  /** The answer to `action` has come (or never will): the execution takes actions again. */
  releasePending(executionId: string | null, action: ExecAction | null): void {
    if (!executionId || !action) return;
    const e = this.executions.get(executionId);
    if (e && e.pending === action) {
      e.pending = null;
      this.touch(e);
    }
  }

  // ---- keywords, clusters, notifications, metrics (each with its cap) ------------------------
  addKeyword(e: Execution, k: Keyword): void {
    const n = this.keywordCounts.get(e.id) ?? 0;
    if (n < MAX_KEYWORDS_PER_EXECUTION) {
      this.keywordCounts.set(e.id, n + 1);
      this.newKeywords.push(k);
      this.persistSoon();
    }
    if (e.keywordsFound < n + 1) {
      e.keywordsFound = n + 1;
      this.touch(e);
    }
  }
  addCluster(e: Execution, c: Cluster): void {
    this.newClusters.push(c);
    this.persistSoon();
    e.clustersFormed++;
    this.touch(e);
  }
  addNotification(n: HubNotification): void {
    this.notifications.unshift(n);
    this.notifications.length = Math.min(this.notifications.length, MAX_NOTIFICATIONS);
    this.notificationsDirty = true;
    this.persistSoon();
  }
  clearNotifications(): void {
    this.notifications.length = 0;
    this.notificationsDirty = true;
    this.persistSoon();
  }
  addMetric(m: MetricSample): void {
    this.metrics.push(m);
    if (this.metrics.length > MAX_METRICS) this.metrics.splice(0, this.metrics.length - MAX_METRICS);
  }

  // ---- preferences (kv table) ---------------------------------------------------------------
  setPrefs(next: NotificationPrefs): void {
    this.prefs = next;
    this.ctx.storage.putJson('keywordHub.prefs', next);
  }
  setMonitor(next: MonitorConfig): void {
    this.monitor = next;
    this.ctx.storage.putJson('keywordHub.monitor', next);
  }

  // ---- reading ------------------------------------------------------------------------------
  snapshot(): Omit<ExecutionsState, 'hub'> {
    return {
      executions: [...this.executions.values()].sort((a, b) => b.startedAt - a.startedAt),
      notifications: [...this.notifications],
      metrics: this.metrics.slice(-MAX_METRICS),
    };
  }

  detail(id: string) {
    const e = this.executions.get(id);
    if (!e) throw new CommandError('invalid-argument', `unknown execution ${id}`);
    this.persist();
    const keywords = (this.db.prepare('SELECT body FROM kh_keywords WHERE execution_id = ? ORDER BY seq').all(id) as Array<{ body: string }>).map((r) => keywordRow(JSON.parse(r.body)) as Keyword);
    const clusters = (this.db.prepare('SELECT body FROM kh_clusters WHERE execution_id = ? ORDER BY rowid').all(id) as Array<{ body: string }>).map((r) => clusterRow(JSON.parse(r.body)) as Cluster);
    return { execution: e, keywords, clusters };
  }

  // ---- persistence & publishing -------------------------------------------------------------
  /** Write everything pending to SQLite now. */
  persist(): void {
    this.persistTimer.clear();
    const db = this.db;
    if (!db.isOpen) return;
    const upsert = db.prepare('INSERT INTO kh_executions (id, updated_at, body) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET updated_at = excluded.updated_at, body = excluded.body');
    const kw = db.prepare('INSERT INTO kh_keywords (execution_id, body) VALUES (?, ?)');
    const cl = db.prepare('INSERT INTO kh_clusters (execution_id, id, body) VALUES (?, ?, ?) ON CONFLICT(execution_id, id) DO UPDATE SET body = excluded.body');
    const keywords = this.newKeywords;
    const clusters = this.newClusters;
    this.newKeywords = [];
    this.newClusters = [];
    this.ctx.storage.transaction(() => {
      for (const id of this.dirtyExec) {
        const e = this.executions.get(id);
        if (e) upsert.run(id, e.updatedAt, JSON.stringify({ ...e, pending: null }));
      }
      for (const k of keywords) kw.run(k.executionId, JSON.stringify(k));
      for (const c of clusters) cl.run(c.executionId, c.id, JSON.stringify(c));
    });
    this.dirtyExec.clear();
    if (this.notificationsDirty) this.ctx.storage.putJson('keywordHub.notifications', this.notifications);
    this.notificationsDirty = false;
    this.prune();
  }

  /** Stop publishing: the coalesced publish is cancelled and none is armed again (writes still are). */
  stop(): void {
    this.stopped = true;
    this.publishTimer.dispose();
  }

  /** The module stops: publishing stops, what is pending is written now, no timer is left. */
  dispose(): void {
    this.stop();
    this.persist();
    this.persistTimer.dispose();
  }

  private persistSoon() {
    if (!this.persistTimer.value?.pending) this.persistTimer.value = timeout(500, this.guard(() => this.persist()));
  }

  /** Keep the newest MAX_EXECUTIONS finished executions (running ones are never pruned). */
  private prune() {
    const { executions } = this;
    if (executions.size <= MAX_EXECUTIONS) return;
    const finished = [...executions.values()].filter((e) => isTerminal(e.status)).sort((a, b) => a.updatedAt - b.updatedAt);
    const drop = finished.slice(0, executions.size - MAX_EXECUTIONS);
    this.ctx.storage.transaction(() => {
      for (const e of drop) {
        executions.delete(e.id);
        this.keywordCounts.delete(e.id);
        for (const table of ['kh_executions', 'kh_keywords', 'kh_clusters']) this.db.prepare(`DELETE FROM ${table} WHERE ${table === 'kh_executions' ? 'id' : 'execution_id'} = ?`).run(e.id);
      }
    });
    this.ctx.hub.publish('executions.removed', { ids: drop.map((e) => e.id) });
  }

  private publishChanged() {
    this.publishTimer.clear();
    for (const id of this.changedExec) {
      const e = this.executions.get(id);
      if (e) this.ctx.hub.publish('executions.changed', e);
    }
    this.changedExec.clear();
  }
}
