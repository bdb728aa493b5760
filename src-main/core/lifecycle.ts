import type { LinkState, TestResult, UpstreamId, UpstreamStatus } from '../contract';
import { Backoff, type BackoffOptions } from './backoff';

/** The upstream refused our credentials (HTTP 401/403, an auth error event): no retry storm. */
export class AuthError extends Error {
  constructor(
    message: string,
    readonly statusCode = 401,
  ) {
    super(message);
  }
}

/** What a connector's open() gets: how to report activity, events, errors and loss. */
export interface LinkSession {
  readonly signal: AbortSignal;
  /** Bytes or frames arrived: the link is alive (resets idle detection). */
  activity(): void;
  /** One upstream event accepted (also activity). */
  event(): void;
  /** Bad input or an upstream error: counted and shown, the link stays up. */
  error(message: string): void;
  /** The link died; reconnect with backoff (or after `retryAfterMs`, e.g. a rate limit). */
  lost(reason: string, options?: { retryAfterMs?: number; auth?: boolean }): void;
  latency(ms: number): void;
  /**
   * `fn` with its errors caught: a throw (or a rejected promise) from a message handler, a
   * parser or a timer of this session restarts this link alone — counted in `restarts`,
   * alerted — instead of escaping into the socket's event loop and ending the process.
   */
  guard<A extends unknown[]>(fn: (...args: A) => unknown): (...args: A) => void;
}

/** What the connect policy reads: the link's settings as they are now. */
export interface ConnectInput {
  enabled: boolean;
  /** Where to connect; empty = not configured. */
  url: string;
}

/**
 * The connect policy, the one place it is decided: switched off → stopped `disabled`; switched
 * on without an address → stopped `unconfigured` (never a retry loop against nothing); else
 * connect (and retry with backoff, or wait in auth-failed for new credentials).
 */
export function connectDecision(input: ConnectInput): 'disabled' | 'unconfigured' | 'connect' {
  if (!input.enabled) return 'disabled';
  if (!input.url.trim()) return 'unconfigured';
  return 'connect';
}

export interface LinkOptions {
  id: UpstreamId;
  /** Sub-link name (an Evolution namespace…); absent for the upstream's main link. */
  link?: string;
  url: () => string;
  /**
   * The settings the connect policy reads (`apply()`, `credentialsChanged()`); absent for a
   * link its connector starts and stops itself (an instance's sub-link, the inbound receiver).
   */
  policy?: () => ConnectInput;
  demo?: () => boolean;
  /** Open the connection; resolve once open, reject (AuthError for credentials) otherwise. */
  open(session: LinkSession): Promise<void>;
  /** Tear down whatever open() created. Idempotent. */
  close(): void;
  test(): Promise<TestResult>;
  /** No activity for this long while open → treat as dead and reconnect. */
  idleTimeoutMs?: number;
  backoff?: BackoffOptions;
  onStatus(status: UpstreamStatus): void;
  /** Counter-only updates are coalesced to one status per this period. */
  statusThrottleMs?: number;
  /** An error escaped the connector and the link restarts (the registry journals and alerts it). */
  onCrash?(error: unknown, status: UpstreamStatus): void;
}

const isThenable = (value: unknown): value is PromiseLike<unknown> => typeof (value as { then?: unknown } | null)?.then === 'function';

const stoppedMessages = { operator: 'disconnected by operator', disabled: 'disabled in settings', unconfigured: 'no URL configured' } as const;

/**
 * The connection lifecycle every connector shares: idle → connecting → open ⇄ reconnecting,
 * auth-failed (waits for new credentials), stopped (manual). One implementation, five users.
 */
export class Link {
  private state: LinkState = 'idle';
  private since = Date.now();
  private message = '';
  private note: UpstreamStatus['note'] = 'idle';
  private reason: string | null = null;
  private attemptNo = 0;
  private retryAt: number | null = null;
  private lastEventAt: number | null = null;
  private events = 0;
  private errors = 0;
  private reconnects = 0;
  private restarts = 0;
  private latencyMs: number | null = null;
  private readonly backoff: Backoff;
  private session: AbortController | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private idleTimer: NodeJS.Timeout | null = null;
  private lastActivityAt = 0;
  private statusTimer: NodeJS.Timeout | null = null;
  private everOpened = false;

  constructor(private readonly options: LinkOptions) {
    this.backoff = new Backoff(options.backoff);
  }

  get currentState(): LinkState {
    return this.state;
  }

  status(): UpstreamStatus {
    return {
      id: this.options.id,
      ...(this.options.link ? { link: this.options.link } : {}),
      state: this.state,
      since: this.since,
      url: this.options.url(),
      lastEventAt: this.lastEventAt,
      events: this.events,
      errors: this.errors,
      reconnects: this.reconnects,
      restarts: this.restarts,
      message: this.message,
      note: this.note,
      reason: this.reason,
      attempt: this.attemptNo,
      retryAt: this.retryAt,
      latencyMs: this.latencyMs,
      demo: this.options.demo?.() ?? false,
    };
  }

  /** Connect now (manual connect, or start-up). Cancels a pending retry or an auth-failed wait. */
  connect(): void {
    this.clearRetry();
    this.teardown();
    this.backoff.reset();
    this.attempt(this.everOpened ? 'reconnecting' : 'connecting');
  }

  /** Stop the link: by an operator, switched off in settings, or no URL set. Stays down until connect(). */
  disconnect(why: 'operator' | 'disabled' | 'unconfigured' = 'operator'): void {
    this.clearRetry();
    this.teardown();
    this.setState('stopped', stoppedMessages[why], why, null);
  }

  /**
   * Follow the connect policy (at start, and when the link's settings changed): stopped as
   * `disabled` or `unconfigured`, or (re)connect now.
   */
  apply(): void {
    const decision = connectDecision(this.policyInput());
    if (decision === 'connect') this.connect();
    else this.disconnect(decision);
  }

  /**
   * New credentials were saved. A link the policy (or an operator) stopped stays stopped — a
   * saved token does not switch a disabled link on; one waiting in auth-failed tries again; a
   * live or retrying link reconnects so the new credentials are used from now on.
   */
  credentialsChanged(): void {
    if (this.state === 'stopped' || this.state === 'idle') return;
    if (connectDecision(this.policyInput()) !== 'connect') return this.apply();
    this.connect();
  }

  private policyInput(): ConnectInput {
    return this.options.policy?.() ?? { enabled: true, url: this.options.url() };
  }

  /** New credentials were saved: leave auth-failed and try again at once. */
  retryAuth(): void {
    if (this.state === 'auth-failed') this.connect();
  }

  /** Count an error seen outside an open session (e.g. a failed REST call). */
  noteError(message: string): void {
    this.errors++;
    this.message = message;
    this.reason = message;
    this.publishSoon();
  }

  test(): Promise<TestResult> {
    return this.options.test();
  }

  /**
   * `fn` with its errors caught, for the connector's own callbacks outside a session (module
   * timers): a throw restarts this link, as `LinkSession.guard` does for a session's.
   */
  guard<A extends unknown[]>(fn: (...args: A) => unknown): (...args: A) => void {
    return guarded(fn, (error) => this.crashed(error));
  }

  /**
   * An error escaped the connector: count it, tell the registry (journal, alert) and restart
   * the link with backoff — a connector that throws on every message cannot spin. A link that
   * is idle, stopped or waits for credentials stays so; `stale` errors (from a session already
   * replaced) are only counted.
   */
  crashed(error: unknown, stale = false): void {
    this.restarts++;
    this.errors++;
    const message = `internal error: ${error instanceof Error ? error.message : String(error)}`;
    this.message = message;
    this.reason = message;
    console.error(`${this.options.id}${this.options.link ? `/${this.options.link}` : ''}: ${message}`, error);
    try {
      this.options.onCrash?.(error, this.status());
    } catch (hookError) {
      console.error(`${this.options.id}: crash report failed`, hookError);
    }
    if (stale || this.state === 'idle' || this.state === 'stopped' || this.state === 'auth-failed') return this.publishNow();
    this.clearRetry();
    this.teardown();
    this.scheduleRetry(message);
  }

  private attempt(state: 'connecting' | 'reconnecting'): void {
    const controller = new AbortController();
    this.session = controller;
    this.attemptNo = state === 'connecting' ? 0 : Math.max(1, this.backoff.attempts);
    this.setState(state, state === 'connecting' ? 'connecting…' : `reconnecting (attempt ${this.attemptNo})…`, state, this.reason);
    let ended = false;
    const current = () => !ended && this.session === controller;
    const session: LinkSession = {
      signal: controller.signal,
      activity: () => current() && this.touch(),
      event: () => {
        if (!current()) return;
        this.events++;
        this.lastEventAt = Date.now();
        this.touch();
        this.publishSoon();
      },
      error: (message) => {
        if (!current()) return;
        this.errors++;
        this.message = message;
        this.reason = message;
        this.publishSoon();
      },
      latency: (ms) => {
        if (!current()) return;
        this.latencyMs = Math.round(ms);
        this.publishSoon();
      },
      guard: (fn) => guarded(fn, (error) => this.crashed(error, !current())),
      lost: (reason, opts) => {
        if (!current()) return;
        ended = true;
        this.teardown();
        if (opts?.auth) return this.setState('auth-failed', reason, 'auth-failed', reason);
        this.reconnects++;
        this.scheduleRetry(reason, opts?.retryAfterMs);
      },
    };
    this.options.open(session).then(
      () => {
        if (!current()) return;
        this.everOpened = true;
        this.backoff.reset();
        this.attemptNo = 0;
        this.setState('open', 'connected', 'connected', null);
        this.touch();
      },
      (error: unknown) => {
        if (!current()) return;
        ended = true;
        this.teardown();
        const reason = error instanceof Error ? error.message : String(error);
        if (error instanceof AuthError) return this.setState('auth-failed', reason, 'auth-failed', reason);
        this.errors++;
        this.scheduleRetry(reason);
      },
    );
  }

  private scheduleRetry(reason: string, retryAfterMs?: number): void {
    const delay = Math.max(retryAfterMs ?? 0, this.backoff.next());
    this.retryAt = Date.now() + delay;
    this.setState('reconnecting', `${reason} — retrying in ${Math.ceil(delay / 1000)} s`, 'retrying', reason);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.retryAt = null;
      this.attempt('reconnecting');
    }, delay);
  }

  /**
   * Activity only notes the (monotonic) time; the one idle timer checks it when it fires and
   * re-arms for the rest. (Refreshing a Node timer per event was ~10 % of a busy stream's ingest.)
   */
  private touch(): void {
    const idle = this.options.idleTimeoutMs;
    if (!idle || this.state !== 'open') return;
    this.lastActivityAt = performance.now();
    this.idleTimer ??= this.armIdle(idle, idle);
  }

  private armIdle(idle: number, delay: number): NodeJS.Timeout {
    return setTimeout(() => {
      this.idleTimer = null;
      if (!this.session || this.state !== 'open') return;
      const quiet = performance.now() - this.lastActivityAt;
      if (quiet < idle) {
        this.idleTimer = this.armIdle(idle, idle - quiet);
        return;
      }
      this.reconnects++;
      this.teardown();
      this.scheduleRetry(`no data for ${Math.round(idle / 1000)} s`);
    }, delay);
  }

  private teardown(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    if (this.session) {
      this.session.abort();
      this.session = null;
      try {
        this.options.close();
      } catch (error) {
        console.error(`${this.options.id}: close failed`, error);
      }
    }
  }

  private clearRetry(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.retryAt = null;
  }

  private setState(state: LinkState, message: string, note: UpstreamStatus['note'], reason: string | null): void {
    const changed = state !== this.state;
    this.state = state;
    this.message = message;
    this.note = note;
    this.reason = reason;
    if (changed) this.since = Date.now();
    this.publishNow();
  }

  private publishSoon(): void {
    this.statusTimer ??= setTimeout(() => this.publishNow(), this.options.statusThrottleMs ?? 1_000);
  }

  private publishNow(): void {
    if (this.statusTimer) clearTimeout(this.statusTimer);
    this.statusTimer = null;
    this.options.onStatus(this.status());
  }

  /** Final shutdown (app exit): no timers left behind. */
  dispose(): void {
    this.clearRetry();
    this.teardown();
    if (this.statusTimer) clearTimeout(this.statusTimer);
    this.statusTimer = null;
    this.state = 'stopped';
  }
}

/** `fn` with every error (thrown or rejected) handed to `onError` instead of its caller. */
function guarded<A extends unknown[]>(fn: (...args: A) => unknown, onError: (error: unknown) => void): (...args: A) => void {
  return (...args) => {
    try {
      const result = fn(...args);
      if (isThenable(result)) result.then(undefined, onError);
    } catch (error) {
      onError(error);
    }
  };
}

/** Wraps a connector's own timer callbacks so that a throw restarts its link (`linkGuard`). */
export type TimerGuard = <A extends unknown[]>(fn: (...args: A) => unknown) => (...args: A) => void;

/**
 * The guard for every timer of a connector's parts (publish, persist, re-sync, request
 * timeouts, refresh): `underLink` with the link looked up when the timer fires.
 */
export const linkGuard =
  (link: () => Link | null | undefined): TimerGuard =>
  (fn) =>
    underLink(link, fn);

/**
 * `work` for a module's own timer (save, publish, refresh): a throw restarts the module's link
 * (`Link.guard`) when it has one now, and is logged when it has none — never left to escape.
 */
export function underLink<A extends unknown[]>(link: () => Link | null | undefined, work: (...args: A) => unknown): (...args: A) => void {
  return (...args) => {
    const current = link();
    if (current) return current.guard(work)(...args);
    guarded(work, (error) => console.error('connector timer failed (no link to restart)', error))(...args);
  };
}
