import type { DatabaseSync } from 'node:sqlite';
import { z } from 'zod';
import { isTerminal, type QueuedCommand } from '../../contract/keyword-hub';
import { CommandError } from '../../core/commands';
import { expiredAlert } from './alerts';
import type { CoreContext } from '../../core/context';
import type { HubConnection } from './connection';
import type { HubStatusBoard } from './hub-status';
import type { ExecutionStore } from './store';
import type { Requests } from './requests';
import { checkAction } from './state-machine';
import { actionOfEvent, newRequestId, startFromWire } from './wire';

/** `settings.extra.keywordHub`: knobs without a place in the shared settings schema. */
const ExtraSettings = z.object({
  /** How long a command given offline waits for the link before it expires. */
  queueTtlMs: z.number().int().min(1_000).max(24 * 3600_000).default(10 * 60_000),
});

/** The commands waiting for the hub (state `queued`), oldest first. */
export const queuedCommands = (db: DatabaseSync): QueuedCommand[] =>
  (db.prepare("SELECT request_id, event, execution_id, summary, queued_at, expires_at FROM kh_queue WHERE state = 'queued' ORDER BY queued_at").all() as Array<Record<string, string | number | null>>).map((r) => ({
    requestId: String(r.request_id),
    event: String(r.event),
    executionId: r.execution_id === null ? null : String(r.execution_id),
    summary: String(r.summary),
    queuedAt: Number(r.queued_at),
    expiresAt: Number(r.expires_at),
  }));

export interface OfflineQueueDeps {
  ctx: CoreContext;
  /** Clock for timestamps and queue expiry (tests replace it). */
  now: () => number;
  conn: HubConnection;
  status: HubStatusBoard;
  store: ExecutionStore;
  requests: Requests;
  /** True once the module is stopping: nothing new is started. */
  isStopped: () => boolean;
}

/**
 * Start, pause, resume and cancel given while the link is reconnecting wait in SQLite (`kh_queue`)
 * until it is back or they expire; see docs/keyword-hub.md "Offline commands — the policy".
 */
export class OfflineQueue {
  private flushing = false;

  constructor(private readonly deps: OfflineQueueDeps) {}

  /** Queue only while the link is trying to come back; refuse at once when it will not by itself. */
  refuseUnlessReconnecting(): void {
    const state = this.deps.conn.link.currentState;
    if (state === 'stopped') throw new CommandError('unavailable', 'the keyword hub link is switched off; connect it first');
    if (state === 'auth-failed') throw new CommandError('unavailable', 'the keyword hub refused the token; renew it in Settings first');
  }

  /** The command already waiting for this execution (at most one may). */
  queuedFor(executionId: string): QueuedCommand | undefined {
    return queuedCommands(this.deps.store.db).find((q) => q.executionId === executionId);
  }

  enqueue(event: string, data: Record<string, unknown>, executionId: string | null, summary: string) {
    const { ctx, now, store, status } = this.deps;
    const requestId = newRequestId();
    const queuedAt = now();
    const expiresAt = queuedAt + this.ttlMs();
    store.db.prepare("INSERT INTO kh_queue (request_id, event, data, execution_id, summary, queued_at, expires_at, state) VALUES (?, ?, ?, ?, ?, ?, ?, 'queued')").run(
      requestId,
      event,
      JSON.stringify(data),
      executionId,
      summary,
      queuedAt,
      expiresAt,
    );
    ctx.journal.record({ upstream: 'keywordHub', type: 'queued', level: 'info', ids: executionId ? { execution: executionId } : {}, summary: `offline: ${summary} queued until ${new Date(expiresAt).toISOString()}`, raw: { requestId, event } });
    status.publish();
    return { queued: true as const, requestId, expiresAt };
  }

  /** The operator removed a queued command; false when nothing is queued with that id. */
  remove(requestId: string): boolean {
    return this.settle(requestId, 'dropped', 'removed by operator');
  }

  /** After re-sync: send what is still valid, once; expire or drop the rest. */
  async flush(): Promise<void> {
    const { ctx, now, conn, status, store, requests } = this.deps;
    if (this.flushing || this.deps.isStopped() || !store.db.isOpen) return;
    this.flushing = true;
    try {
      const rows = store.db.prepare("SELECT request_id, event, data, execution_id, summary, expires_at FROM kh_queue WHERE state = 'queued' ORDER BY queued_at").all() as Array<Record<string, string | number | null>>;
      for (const r of rows) {
        if (!conn.online()) break;
        const requestId = String(r.request_id);
        const executionId = r.execution_id === null ? null : String(r.execution_id);
        const ids = executionId ? { execution: executionId } : {};
        if (Number(r.expires_at) <= now()) {
          this.settle(requestId, 'expired', 'expired before the link came back');
          ctx.journal.record({ upstream: 'keywordHub', type: 'queue.expired', level: 'warn', ids, summary: `${String(r.summary)}: expired before the link came back; not sent`, raw: { requestId } });
          ctx.alerts.raise(expiredAlert(requestId, String(r.summary), ids));
          continue;
        }
        const data = JSON.parse(String(r.data)) as Record<string, unknown>;
        const event = String(r.event);
        const action = actionOfEvent(event);
        if (action && executionId) {
          const e = store.get(executionId);
          const check = e ? checkAction(e.status, action) : { ok: false as const, reason: 'execution unknown' };
          if (!check.ok) {
            this.settle(requestId, 'dropped', check.reason);
            ctx.journal.record({ upstream: 'keywordHub', type: 'queue.dropped', level: 'warn', ids, summary: `${String(r.summary)}: not sent after re-sync — ${check.reason}`, raw: { requestId } });
            continue;
          }
        }
        // Marked sent before writing: a crash in between loses the command rather than sending it twice.
        if (!this.settle(requestId, 'sent', null)) continue;
        const start = event === 'EXECUCAO_INICIAR' ? startFromWire(data) : null;
        const e = action && executionId ? store.get(executionId) : undefined;
        if (e && action) store.actionSent(e, action);
        ctx.journal.record({ upstream: 'keywordHub', type: 'queue.sent', level: 'info', ids, summary: `${String(r.summary)}: sent after reconnect (request_id ${requestId})`, raw: { requestId } });
        void requests
          .request(event, data, { requestId, executionId, action, start, soft: action !== null })
          .then((reply) => {
            // Neither answered nor seen to take effect: shown as "sent, not confirmed" until it does.
            const now = executionId ? store.get(executionId) : undefined;
            if (!reply.confirmed && action && now && !isTerminal(now.status)) {
              now.unconfirmed = action;
              store.touch(now, true);
            }
          })
          .catch((error: unknown) => {
            ctx.journal.record({ upstream: 'keywordHub', type: 'queue.failed', level: 'warn', ids, summary: `${String(r.summary)}: ${error instanceof Error ? error.message : String(error)}`, raw: { requestId } });
          });
      }
    } finally {
      this.flushing = false;
      status.publish();
    }
  }

  private settle(requestId: string, state: 'sent' | 'expired' | 'dropped', note: string | null): boolean {
    return this.deps.store.db.prepare('UPDATE kh_queue SET state = ?, sent_at = ?, note = ? WHERE request_id = ? AND state = ?').run(state, this.deps.now(), note, requestId, 'queued').changes > 0;
  }

  /** Read at each enqueue, so a changed setting applies at once. */
  private ttlMs(): number {
    return ExtraSettings.parse((this.deps.ctx.settings.get().extra as Record<string, unknown>).keywordHub ?? {}).queueTtlMs;
  }
}
