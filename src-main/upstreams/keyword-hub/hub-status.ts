import type { HubError, HubHealth, HubStatus } from '../../contract/keyword-hub';
import type { CoreContext } from '../../core/context';
import { MutableDisposable, timeout, type Disposable } from '../../core/disposable';
import { authAlert } from './alerts';
import type { HubConnection } from './connection';
import { queuedCommands } from './offline-queue';
import type { ExecutionStore } from './store';

export interface HubStatusDeps {
  ctx: CoreContext;
  now: () => number;
  store: ExecutionStore;
  conn: HubConnection;
  /** How many refused commands wait for the rate-limit window (requests.ts knows; read only once running). */
  refusedCount: () => number;
}

type TokenRefusal = NonNullable<HubStatus['auth']>;

/**
 * The hub line and banners of the executions page: health counters (unknown, malformed,
 * refusals, timeouts, stale updates), the token refusal, retry advice, the rate-limit window and
 * the last re-sync; published on `executions.hub`, coalesced to one snapshot per 100 ms.
 */
export class HubStatusBoard implements Disposable {
  // Owned here: the other parts change them through the methods below, never by assignment.
  private readonly health: HubHealth = { unknownEvents: 0, malformed: 0, refusals: 0, timeouts: 0, staleUpdates: 0, unconfirmed: 0, lastProblem: null, unknownNames: [] };
  private auth: HubStatus['auth'] = null;
  private advice: HubError | null = null;
  private limitedUntil: number | null = null;
  private lastSyncAt: number | null = null;
  private readonly timer = new MutableDisposable<ReturnType<typeof timeout>>();

  constructor(private readonly deps: HubStatusDeps) {}

  snapshot(): HubStatus {
    const rateLimitedUntil = this.limitedUntil;
    const { store, now } = this.deps;
    return {
      health: { ...this.health, unknownNames: [...this.health.unknownNames] },
      auth: this.auth,
      rateLimitedUntil: rateLimitedUntil && rateLimitedUntil > now() ? rateLimitedUntil : null,
      rateLimitedCommands: this.deps.refusedCount(),
      advice: this.advice,
      queue: store.db.isOpen ? queuedCommands(store.db) : [],
      prefs: store.prefs,
      monitor: store.monitor,
      lastSyncAt: this.lastSyncAt,
    };
  }

  /** Publish within 100 ms, once however many changes come; nothing once disposed. */
  publish(): void {
    if (this.timer.value?.pending) return;
    this.timer.value = timeout(
      100,
      this.deps.conn.guard(() => {
        if (this.deps.store.db.isOpen) this.deps.ctx.hub.publish('executions.hub', this.snapshot());
      }),
    );
  }

  /** Stop: a pending publish is cancelled and a change during shutdown arms no new one. */
  dispose(): void {
    this.timer.dispose();
  }

  rateLimited(): boolean {
    return this.limitedUntil !== null && this.limitedUntil > this.deps.now();
  }

  /** When the hub's rate-limit window closes (null: none seen). */
  get rateLimitedUntil(): number | null {
    return this.limitedUntil;
  }

  /** The hub asked us to wait `ms` (bounded to 1–60 s); returns when the window closes. */
  rateLimitFor(ms: number): number {
    this.limitedUntil = this.deps.now() + Math.min(60_000, Math.max(1_000, ms));
    return this.limitedUntil;
  }

  /** One more of a health counter (refused, timed out, unconfirmed, stale). */
  count(kind: 'refusals' | 'timeouts' | 'unconfirmed' | 'staleUpdates'): void {
    this.health[kind]++;
  }

  /** An event name the seed does not list: the last ten distinct ones are shown. */
  noteUnknownName(name: string): void {
    if (!this.health.unknownNames.includes(name)) this.health.unknownNames = [name, ...this.health.unknownNames].slice(0, 10);
  }

  /** The hub's advice for a timeout or network error (shown until the next). */
  setAdvice(advice: HubError): void {
    this.advice = advice;
  }

  synced(): void {
    this.lastSyncAt = this.deps.now();
  }

  /** A token was accepted or a new one saved: the refusal banner goes. */
  clearAuth(): void {
    if (!this.auth) return;
    this.auth = null;
    this.publish();
  }

  noteProblem(message: string): void {
    this.health.lastProblem = { at: this.deps.now(), message };
  }

  /** Unknown or malformed input: counted, raised on the link, journaled; the link stays up. */
  problem(kind: 'unknownEvents' | 'malformed', message: string, raw: unknown): void {
    this.health[kind]++;
    this.noteProblem(message);
    this.deps.conn.reportError(message);
    this.deps.ctx.journal.record({ upstream: 'keywordHub', type: kind === 'unknownEvents' ? 'invalid.unknown' : 'invalid.malformed', level: 'error', ids: {}, summary: message, raw });
    this.publish();
  }

  /** The hub refused the token: the banner and the `keywordHub:auth` alert until a new one is saved. */
  tokenRefused(refusal: TokenRefusal): void {
    this.auth = refusal;
    this.deps.ctx.alerts.raise(authAlert(refusal));
    this.publish();
  }
}
