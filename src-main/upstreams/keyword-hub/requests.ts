import type { ExecAction, StartInput } from '../../contract/keyword-hub';
import { CommandError } from '../../core/commands';
import type { HubParts } from './parts';
import { frameOf, newRequestId, type ServerEvent } from './wire';

export interface Reply {
  event: ServerEvent;
  data: Record<string, unknown>;
}

/** A client event waiting for the reply that carries its request_id. */
export interface Pending {
  event: string;
  resolve(reply: Reply): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout | null;
  executionId: string | null;
  action: ExecAction | null;
  start: StartInput | null;
  frame: string;
}

export interface RequestMeta {
  executionId?: string | null;
  action?: ExecAction | null;
  start?: StartInput | null;
  /** Reuse the id given when the command was queued offline. */
  requestId?: string;
}

export type RequestsDeps = Pick<HubParts, 'ctx' | 'now' | 'settings' | 'conn' | 'status' | 'store'>;

/**
 * Request/reply matching: every client event gets a fresh `request_id`; the reply carrying it
 * resolves the request, no reply within `requestTimeoutMs` fails it with `timeout`. While the
 * hub's rate-limit window is open, frames are held and written when it closes.
 */
export class Requests {
  private readonly pending = new Map<string, Pending>();
  private held: Array<{ frame: string; onSent?: () => void }> = [];
  private heldTimer: NodeJS.Timeout | null = null;

  constructor(private readonly deps: RequestsDeps) {}

  /** The request a reply answers, if it is one of ours still waiting. */
  waiting(requestId: string | null): Pending | undefined {
    return requestId !== null ? this.pending.get(requestId) : undefined;
  }

  /** Send a client event with a fresh request_id; resolves with the reply carrying that id. */
  request(event: string, data: Record<string, unknown>, meta: RequestMeta = {}): Promise<Reply> {
    const { ctx, now, status } = this.deps;
    const timeoutMs = () => this.deps.settings().requestTimeoutMs;
    const requestId = meta.requestId ?? newRequestId();
    const frame = frameOf(event, { ...data, request_id: requestId }, now());
    return new Promise((resolve, reject) => {
      const entry: Pending = { event, resolve, reject, timer: null, executionId: meta.executionId ?? null, action: meta.action ?? null, start: meta.start ?? null, frame };
      this.pending.set(requestId, entry);
      // The clock starts when the frame is written (after a rate-limit window, if any).
      const armTimer = () => {
        if (entry.timer) clearTimeout(entry.timer);
        entry.timer = setTimeout(() => {
          if (!this.pending.delete(requestId)) return;
          status.health.timeouts++;
          const message = `the hub did not answer ${event} (request_id ${requestId}) within ${timeoutMs()} ms`;
          status.noteProblem(message);
          ctx.journal.record({ upstream: 'keywordHub', type: 'request.timeout', level: 'warn', ids: entry.executionId ? { execution: entry.executionId } : {}, summary: message, raw: { event, requestId } });
          this.release(entry);
          status.publish();
          reject(new CommandError('timeout', message));
        }, timeoutMs());
      };
      if (!this.transmit(frame, armTimer)) {
        this.pending.delete(requestId);
        reject(new CommandError('unavailable', 'the keyword hub is not connected'));
      }
    });
  }

  /** The reply has come: the request resolves with it. */
  answer(requestId: string, entry: Pending, reply: Reply): void {
    this.forget(requestId, entry);
    this.release(entry);
    entry.resolve(reply);
  }

  /** Stop waiting for a reply (the caller settles the request). */
  forget(requestId: string, entry: Pending): void {
    this.pending.delete(requestId);
    if (entry.timer) clearTimeout(entry.timer);
  }

  /**
   * The hub refused the request with RATE_LIMIT_ERROR and dropped it: send it once more when the
   * window (`status.rateLimitedUntil`) closes, and time it out a request timeout after that.
   */
  resendAfterRateLimit(requestId: string, entry: Pending, reason: string): void {
    const { status, settings, now } = this.deps;
    const until = status.rateLimitedUntil!;
    if (entry.timer) clearTimeout(entry.timer);
    this.held.push({ frame: entry.frame });
    this.heldTimer ??= setTimeout(() => this.flushHeld(), until - now());
    entry.timer = setTimeout(() => {
      if (this.pending.get(requestId) !== entry) return;
      this.pending.delete(requestId);
      this.release(entry);
      status.health.timeouts++;
      entry.reject(new CommandError('timeout', `the hub did not answer ${entry.event} after its rate limit (${reason})`));
    }, until - now() + settings().requestTimeoutMs);
  }

  /** The link went down (or the console stops): nothing pending will be answered. */
  failAll(message: string): void {
    for (const [id, entry] of this.pending) {
      if (entry.timer) clearTimeout(entry.timer);
      this.pending.delete(id);
      this.release(entry);
      entry.reject(new CommandError('unavailable', message));
    }
    this.held = [];
    if (this.heldTimer) clearTimeout(this.heldTimer);
    this.heldTimer = null;
  }

  /** Write a frame now, or after the rate-limit window; false when offline. */
  private transmit(frame: string, onSent?: () => void): boolean {
    const { conn, status, now } = this.deps;
    if (!conn.online()) return false;
    const wait = status.rateLimitedUntil !== null ? status.rateLimitedUntil - now() : 0;
    if (wait > 0) {
      this.held.push({ frame, ...(onSent ? { onSent } : {}) });
      this.heldTimer ??= setTimeout(() => this.flushHeld(), wait);
      return true;
    }
    conn.ws!.send(frame);
    onSent?.();
    return true;
  }

  private flushHeld() {
    if (this.heldTimer) clearTimeout(this.heldTimer);
    this.heldTimer = null;
    const list = this.held;
    this.held = [];
    for (const item of list) this.transmit(item.frame, item.onSent);
  }

  /** An operator action that will not be answered any more no longer blocks its execution. */
  private release(entry: Pending) {
    this.deps.store.releasePending(entry.executionId, entry.action);
  }
}
