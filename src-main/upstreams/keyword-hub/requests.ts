import type { ExecAction, Execution, StartInput } from '../../contract/keyword-hub';
import { CommandError } from '../../core/commands';
import type { CoreContext } from '../../core/context';
import type { HubConnection, HubSettings } from './connection';
import type { HubStatusBoard } from './hub-status';
import type { ExecutionStore } from './store';
import { actionTarget } from './state-machine';
import { frameOf, newRequestId } from './wire';

/** What settled a request: the event that echoed its request_id or showed its effect; `event: null` when neither came in time. */
export interface Reply {
  event: string | null;
  data: Record<string, unknown>;
  confirmed: boolean;
}

/** A client event waiting for the reply that carries its request_id (or for its effect). */
export interface Pending {
  event: string;
  requestId: string;
  resolve(reply: Reply): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout | null;
  executionId: string | null;
  action: ExecAction | null;
  start: StartInput | null;
  frame: string;
  /** Send order; re-sends keep it. */
  seq: number;
  /** Written to the socket (not only held for a rate-limit window). */
  sent: boolean;
  /** Refused for the rate limit; waiting for the window to close. */
  refused: boolean;
  /** No answer in time → "sent, not confirmed" (resolved, not failed). */
  soft: boolean;
  /** An optional extra (not in the seed): no answer only switches it off, quietly. */
  probe: boolean;
  /** Any event of this name confirms it (MONITORAMENTO_INICIAR → METRICA_PERFORMANCE). */
  confirmOn: string | null;
  arm(): void;
}

export interface RequestMeta {
  executionId?: string | null;
  action?: ExecAction | null;
  start?: StartInput | null;
  /** Reuse the id given when the command was queued offline. */
  requestId?: string;
  /** The seed names no answer: the observed effect confirms it, and no answer means "sent, not confirmed". */
  soft?: boolean;
  probe?: boolean;
  confirmOn?: string;
}

/** Whether an execution now in `status` shows the effect of `action` (resumed → running, cancelled → cancelada, …). */
export const confirmsAction = (action: ExecAction, status: Execution['status']): boolean =>
  status === actionTarget[action] || (action === 'resumir' && status === 'concluida');

export interface RequestsDeps {
  ctx: CoreContext;
  /** Clock for timestamps and queue expiry (tests replace it). */
  now: () => number;
  settings: HubSettings;
  conn: HubConnection;
  status: HubStatusBoard;
  store: ExecutionStore;
}

/**
 * Request/reply matching (docs/keyword-hub.md "Correlation"): every client event gets a fresh
 * `request_id`; any event echoing it answers the request whatever its name, an ERRO with it fails
 * it, and for commands whose answer the seed does not name the observed effect confirms them.
 * With neither within `requestTimeoutMs`: `timeout` for commands with a named answer, "sent, not
 * confirmed" for the others. While the hub's rate-limit window is open, frames are held and
 * written when it closes, in send order; refused ones are written again.
 */
export class Requests {
  private readonly pending = new Map<string, Pending>();
  private held: Array<{ seq: number; frame: string; onSent?: () => void }> = [];
  private heldTimer: NodeJS.Timeout | null = null;
  private seq = 0;
  /** SESSAO_PINGs written and not yet answered (request_id → send order); the Pinger owns them. */
  private readonly pings = new Map<string, number>();

  constructor(private readonly deps: RequestsDeps) {}

  /** The request a reply answers, if it is one of ours still waiting. */
  waiting(requestId: string | null): Pending | undefined {
    return requestId !== null ? this.pending.get(requestId) : undefined;
  }

  /** Commands refused for the rate limit and not yet written again. */
  get refusedCount(): number {
    let n = 0;
    for (const p of this.pending.values()) if (p.refused) n++;
    return n;
  }

  /** Send a client event with a fresh request_id; resolves with the reply carrying that id (or its effect). */
  request(event: string, data: Record<string, unknown>, meta: RequestMeta = {}): Promise<Reply> {
    const { ctx, now, status } = this.deps;
    const timeoutMs = () => this.deps.settings().requestTimeoutMs;
    const requestId = meta.requestId ?? newRequestId();
    const frame = frameOf(event, { ...data, request_id: requestId }, now());
    return new Promise((resolve, reject) => {
      const entry: Pending = {
        event,
        requestId,
        resolve,
        reject,
        timer: null,
        executionId: meta.executionId ?? null,
        action: meta.action ?? null,
        start: meta.start ?? null,
        frame,
        seq: ++this.seq,
        sent: false,
        refused: false,
        soft: meta.soft ?? false,
        probe: meta.probe ?? false,
        confirmOn: meta.confirmOn ?? null,
        arm: () => undefined,
      };
      this.pending.set(requestId, entry);
      // The clock starts when the frame is written (after a rate-limit window, if any).
      entry.arm = () => {
        entry.sent = true;
        entry.refused = false;
        if (entry.timer) clearTimeout(entry.timer);
        entry.timer = setTimeout(this.deps.conn.guard(() => {
          if (this.pending.get(requestId) !== entry) return;
          this.pending.delete(requestId);
          this.release(entry);
          const ids = entry.executionId ? { execution: entry.executionId } : {};
          if (entry.probe) {
            ctx.journal.record({ upstream: 'keywordHub', type: 'request.no-answer', level: 'info', ids, summary: `no answer to ${event} (an optional extra) within ${timeoutMs()} ms`, raw: { event, requestId } });
            return reject(new CommandError('timeout', `the hub did not answer ${event}`));
          }
          if (entry.soft) {
            // Counted for operator actions; settings the hub never acknowledges would only add noise.
            if (entry.action) status.count('unconfirmed');
            ctx.journal.record({ upstream: 'keywordHub', type: 'request.unconfirmed', level: 'info', ids, summary: `${event} sent (request_id ${requestId}); neither an answer nor its effect within ${timeoutMs()} ms: sent, not confirmed`, raw: { event, requestId } });
            status.publish();
            return resolve({ event: null, data: {}, confirmed: false });
          }
          status.count('timeouts');
          const message = `the hub did not answer ${event} (request_id ${requestId}) within ${timeoutMs()} ms`;
          status.noteProblem(message);
          ctx.journal.record({ upstream: 'keywordHub', type: 'request.timeout', level: 'warn', ids, summary: message, raw: { event, requestId } });
          status.publish();
          reject(new CommandError('timeout', message));
        }), timeoutMs());
      };
      if (!this.transmit(entry.seq, frame, entry.arm)) {
        this.pending.delete(requestId);
        reject(new CommandError('unavailable', 'the keyword hub is not connected'));
      }
    });
  }

  /** The reply has come: the request resolves with it. */
  answer(requestId: string, entry: Pending, reply: Omit<Reply, 'confirmed'>): void {
    this.forget(requestId, entry);
    this.release(entry);
    entry.resolve({ ...reply, confirmed: true });
  }

  /** Stop waiting for a reply (the caller settles the request). */
  forget(requestId: string, entry: Pending): void {
    this.pending.delete(requestId);
    if (entry.timer) clearTimeout(entry.timer);
  }

  /** An execution's status changed: the actions waiting on it whose effect this is are confirmed. */
  observeExecution(e: Execution, event: string): void {
    for (const [id, p] of this.pending) {
      if (p.sent && p.action && p.executionId === e.id && confirmsAction(p.action, e.status)) this.answer(id, p, { event, data: { execucao_id: e.id, status: e.status } });
    }
  }

  /** An event arrived: requests confirmed by any event of that name (the first metric sample after MONITORAMENTO_INICIAR) are. */
  observeEvent(event: string, data: Record<string, unknown>): void {
    for (const [id, p] of this.pending) if (p.sent && p.confirmOn === event) this.answer(id, p, { event, data });
  }

  /**
   * The hub refused the request with RATE_LIMIT_ERROR and dropped it: send it once more when the
   * window (`status.rateLimitedUntil`) closes, in its send order, and time it from then.
   */
  resendAfterRateLimit(entry: Pending): void {
    const { now, status } = this.deps;
    if (entry.timer) clearTimeout(entry.timer);
    entry.timer = null;
    entry.sent = false;
    entry.refused = true;
    this.held.push({ seq: entry.seq, frame: entry.frame, onSent: entry.arm });
    this.heldTimer ??= this.flushHeldIn(Math.max(0, (status.rateLimitedUntil ?? now()) - now()));
  }

  pingSent(requestId: string): void {
    this.pings.set(requestId, ++this.seq);
    if (this.pings.size > 20) this.pings.delete(this.pings.keys().next().value!);
  }
  pongReceived(requestId: string): void {
    this.pings.delete(requestId);
  }

  /**
   * A RATE_LIMIT_ERROR without a request_id (as in the seed's ERRO example) refused one message
   * we wrote. The hub handles a connection's messages in order and answers each one it accepts
   * before it looks at the next, so when the ERRO arrives every earlier message it accepted has
   * shown that: by its named answer (EXECUCAO_INICIADA, EXECUCAO_PAUSADA, SESSAO_PONG) or by its
   * effect (the new status, the first metric sample). The refused message is therefore the oldest
   * written one with neither; each such ERRO takes one. A command already answered or confirmed is
   * never taken, so nothing the hub accepted is sent twice. Only NOTIFICACAO_CONFIGURAR shows
   * nothing when accepted; it is taken only when no other candidate is left. An unanswered ping
   * taken is simply dropped (the Pinger pauses during the window).
   */
  refusedWithoutId(): Pending | undefined {
    let oldest: Pending | undefined;
    for (const p of this.pending.values()) {
      if (!p.sent || p.refused) continue;
      if (!oldest || (this.observable(p) && !this.observable(oldest)) || (this.observable(p) === this.observable(oldest) && p.seq < oldest.seq)) oldest = p;
    }
    let ping: [string, number] | undefined;
    for (const entry of this.pings) if (!ping || entry[1] < ping[1]) ping = entry;
    if (ping && (!oldest || !this.observable(oldest) || ping[1] < oldest.seq)) {
      this.pings.delete(ping[0]);
      return undefined;
    }
    if (oldest) this.resendAfterRateLimit(oldest);
    return oldest;
  }

  /** Whether the hub shows it accepted this request (a named answer or an effect we watch for). */
  private observable(p: Pending): boolean {
    return !p.soft || p.action !== null || p.confirmOn !== null;
  }

  /**
   * The link went down (or the console stops): nothing pending will be answered. A command
   * written whose answer the seed does not name may still take effect: "sent, not confirmed".
   */
  failAll(message: string): void {
    for (const [id, entry] of this.pending) {
      if (entry.timer) clearTimeout(entry.timer);
      this.pending.delete(id);
      this.release(entry);
      if (entry.soft && entry.sent) {
        if (entry.action) this.deps.status.count('unconfirmed');
        entry.resolve({ event: null, data: {}, confirmed: false });
      } else entry.reject(new CommandError('unavailable', message));
    }
    this.held = [];
    this.pings.clear();
    if (this.heldTimer) clearTimeout(this.heldTimer);
    this.heldTimer = null;
  }

  /** Write a frame now, or after the rate-limit window; false when offline. */
  private transmit(seq: number, frame: string, onSent?: () => void): boolean {
    const { conn, status, now } = this.deps;
    if (!conn.online()) return false;
    const wait = status.rateLimitedUntil !== null ? status.rateLimitedUntil - now() : 0;
    if (wait > 0) {
      this.held.push({ seq, frame, ...(onSent ? { onSent } : {}) });
      this.heldTimer ??= this.flushHeldIn(wait);
      return true;
    }
    conn.ws!.send(frame);
    onSent?.();
    return true;
  }

  /** Held frames go out after `ms` (a throw there restarts the hub link). */
  private flushHeldIn(ms: number): NodeJS.Timeout {
    return setTimeout(this.deps.conn.guard(() => this.flushHeld()), ms);
  }

  private flushHeld() {
    if (this.heldTimer) clearTimeout(this.heldTimer);
    this.heldTimer = null;
    // A window opened again meanwhile: wait for it.
    const wait = this.deps.status.rateLimitedUntil !== null ? this.deps.status.rateLimitedUntil - this.deps.now() : 0;
    if (wait > 0) {
      this.heldTimer = this.flushHeldIn(wait);
      return;
    }
    // In send order: a refused command goes out before those given after it.
    const list = this.held.sort((a, b) => a.seq - b.seq);
    this.held = [];
    for (const item of list) this.transmit(item.seq, item.frame, item.onSent);
    this.deps.status.publish();
  }

  /** An operator action that will not be answered any more no longer blocks its execution. */
  private release(entry: Pending) {
    this.deps.store.releasePending(entry.executionId, entry.action);
  }
}
