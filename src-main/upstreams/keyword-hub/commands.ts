import { isTerminal, type ExecAction, type ExecutionsState, type StartInput } from '../../contract/keyword-hub';
import { CommandError, type CommandHandles } from '../../core/commands';
import type { CoreContext } from '../../core/context';
import type { HubConnection } from './connection';
import type { HubStatusBoard } from './hub-status';
import type { ExecutionStore } from './store';
import type { Requests } from './requests';
import type { OfflineQueue } from './offline-queue';
import type { Resync } from './resync';
import { checkAction } from './state-machine';
import { CLIENT_EVENT, wireMonitor, wirePrefs, wireStart } from './wire';

export interface HubCommandsDeps {
  ctx: CoreContext;
  conn: HubConnection;
  status: HubStatusBoard;
  store: ExecutionStore;
  requests: Requests;
  queue: OfflineQueue;
  resync: Resync;
  state(): ExecutionsState;
}

/**
 * The `executions.*` commands of the bridge: start and operator actions (checked against the
 * state machine, queued while the link is reconnecting), re-sync, the offline queue, notification
 * preferences and monitoring.
 */
export class HubCommands {
  constructor(private readonly deps: HubCommandsDeps) {}

  register(commands: CommandHandles): void {
    const { conn, status, store, queue, resync } = this.deps;
    commands.handle('executions.state', () => this.deps.state());
    commands.handle('executions.detail', ({ id }) => store.detail(id));
    commands.handle('executions.start', (input) => this.start(input));
    commands.handle('executions.control', ({ id, action }) => this.control(id, action));
    commands.handle('executions.resync', async () => {
      if (!conn.online()) throw new CommandError('unavailable', 'the keyword hub is not connected');
      return { executions: await resync.run() };
    });
    commands.handle('executions.unqueue', ({ requestId }) => {
      if (!queue.remove(requestId)) throw new CommandError('invalid-argument', `nothing queued with request_id ${requestId}`);
      status.publish();
      return { ok: true as const };
    });
    commands.handle('executions.configureNotifications', async (next) => {
      store.setPrefs(next);
      status.publish();
      const reply = conn.online() ? await this.sendPrefs() : null;
      return { ok: true as const, confirmed: reply?.confirmed ?? false };
    });
    commands.handle('executions.monitor', async (next) => {
      store.setMonitor(next);
      status.publish();
      const reply = conn.online() ? await this.sendMonitor() : null;
      return { ok: true as const, confirmed: reply?.confirmed ?? false };
    });
    commands.handle('executions.clearNotifications', () => {
      store.clearNotifications();
      return { ok: true as const };
    });
  }

  /**
   * Preferences and monitoring are settings, not queued: re-sent on every connect. The seed names
   * no answer to either: an event echoing the request_id confirms them, and for monitoring so does
   * the first metric sample; otherwise they end "sent, not confirmed" (not an error).
   */
  sendPrefs() {
    const { prefs } = this.deps.store;
    return this.deps.requests.request('NOTIFICACAO_CONFIGURAR', wirePrefs(prefs), { soft: true });
  }
  sendMonitor() {
    const { monitor } = this.deps.store;
    return this.deps.requests.request('MONITORAMENTO_INICIAR', wireMonitor(monitor), { soft: true, confirmOn: 'METRICA_PERFORMANCE' });
  }

  private async start(input: StartInput) {
    const { conn, store, requests, queue } = this.deps;
    const data = wireStart(input);
    if (!conn.online()) {
      queue.refuseUnlessReconnecting();
      return queue.enqueue('EXECUCAO_INICIAR', data, null, `EXECUCAO_INICIAR ${input.blogUrl}`);
    }
    const reply = await requests.request('EXECUCAO_INICIAR', data, { start: input });
    const id = String((reply.data as { execucao_id: string }).execucao_id);
    const e = store.get(id);
    if (e && !e.mine) {
      Object.assign(e, { mine: true, blogUrl: input.blogUrl, categoryId: input.categoryId ?? null, config: { maxKeywords: input.maxKeywords, depth: input.depth, timeout: input.timeout } });
      store.touch(e, true);
    }
    return { queued: false as const, executionId: id, status: e?.status ?? 'iniciada', confirmed: true };
  }

  /** Pause, resume or cancel: refused with `conflict` when the state machine does not allow it (never sent). */
  private async control(id: string, action: ExecAction) {
    const { ctx, conn, store, requests, queue } = this.deps;
    const e = store.get(id);
    if (!e) throw new CommandError('invalid-argument', `unknown execution ${id}`);
    if (e.hubId !== null) throw new CommandError('conflict', `${id} is an earlier run of ${e.hubId}; the hub has reused that id`);
    const check = checkAction(e.status, action);
    if (!check.ok) throw new CommandError('conflict', check.reason);
    if (e.pending) throw new CommandError('conflict', `execution ${id} is already waiting for an answer to ${e.pending}`);
    const event = CLIENT_EVENT[action];
    if (!conn.online()) {
      queue.refuseUnlessReconnecting();
      const already = queue.queuedFor(id);
      if (already) throw new CommandError('conflict', `a command for ${id} is already queued (${already.summary})`);
      return queue.enqueue(event, { execucao_id: id }, id, `${event} ${id}`);
    }
    store.actionSent(e, action, true);
    ctx.journal.record({ upstream: 'keywordHub', type: `${event}.sent`, level: 'info', ids: { execution: id }, summary: `${action} sent for ${id}`, raw: null });
    // Confirmed by an event echoing the request_id or by the effect on the execution; with neither
    // in time it may still have been accepted: "sent, not confirmed", never a failure.
    const reply = await requests.request(event, { execucao_id: id }, { executionId: id, action, soft: true });
    const now = store.get(id) ?? e;
    if (!reply.confirmed && !isTerminal(now.status)) {
      now.unconfirmed = action;
      store.touch(now, true);
    }
    return { queued: false as const, executionId: id, status: now.status, confirmed: reply.confirmed };
  }
}
