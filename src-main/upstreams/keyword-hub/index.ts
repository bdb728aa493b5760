import type { ExecutionsState } from '../../contract/keyword-hub';
import type { CoreContext, ModuleFactory } from '../../core/context';
import { DisposableStore } from '../../core/disposable';
import { HubCommands } from './commands';
import { HubConnection, Pinger, createHubLink } from './connection';
import { HubErrors } from './hub-errors';
import { HubStatusBoard } from './hub-status';
import { OfflineQueue } from './offline-queue';
import { ExecutionReports } from './reports';
import { Requests } from './requests';
import { Resync } from './resync';
import { ServerEvents } from './server-events';
import { ExecutionStore } from './store';

/**
 * Seed 001's keyword hub over WebSocket. Main sends the Bearer token on the upgrade, wraps every
 * client event in `{event, data, timestamp}` with a unique `request_id`, matches replies by that
 * id (timeout → CommandError 'timeout'), enforces the execution state machine, pings with
 * SESSAO_PING (latency, dead link), re-synchronises after every connect (EXECUCAO_LISTAR, then
 * EXECUCAO_STATUS as fallback) and keeps commands given offline in a durable queue that is sent
 * once on reconnect or expires. Executions, keywords and clusters live in SQLite.
 *
 * This file only wires the parts together; each lives in `keyword-hub/` (see docs/keyword-hub.md).
 */

export { newRequestId } from './wire';

export interface KeywordHubOptions {
  /** Clock for queue expiry (tests). */
  now?: () => number;
}

export const keywordHubModule: ModuleFactory = (ctx) => createKeywordHub(ctx).module;

export function createKeywordHub(ctx: CoreContext, options: KeywordHubOptions = {}) {
  const now = options.now ?? Date.now;
  const settings = () => ctx.effective().upstreams.keywordHub;
  let stopped = false;
  const isStopped = () => stopped;

  const conn = new HubConnection();
  // Built in dependency order; the one pair that reads each other (status shows how many
  // refused commands wait, requests counts on status) does so only once running, never while built.
  const store = new ExecutionStore(ctx, now, conn.guard);
  const status = new HubStatusBoard({ ctx, now, store, conn, refusedCount: (): number => requests.refusedCount });
  const requests: Requests = new Requests({ ctx, now, settings, conn, status, store });
  const queue = new OfflineQueue({ ctx, now, conn, status, store, requests, isStopped });
  const reports = new ExecutionReports({ ctx, now, store, status });
  const resync = new Resync({ ctx, now, conn, status, store, requests, reports, isStopped });
  const pinger = new Pinger({ ctx, now, settings, conn, status, requests });
  const hubErrors = new HubErrors({ ctx, now, conn, status, store, requests, reports });
  const events = new ServerEvents({ ctx, now, conn, status, store, requests, reports, resync, pinger, hubErrors, isStopped });
  const state = (): ExecutionsState => ({ ...store.snapshot(), hub: status.snapshot() });
  const commands = new HubCommands({ ctx, conn, status, store, requests, queue, resync, state });

  /** After every connect: re-sync, re-send preferences and monitoring, then the offline queue. */
  const afterConnect = async () => {
    if (stopped) return;
    resync.connected();
    // Each failure is journaled (the re-sync also shows on the hub status); the rest goes on.
    await resync.run().catch(ctx.journal.failed('keywordHub', 're-sync after connect'));
    if (stopped) return;
    void commands.sendPrefs().catch(ctx.journal.failed('keywordHub', 'notification preferences after connect'));
    void commands.sendMonitor().catch(ctx.journal.failed('keywordHub', 'monitoring settings after connect'));
    await queue.flush();
  };
  const makeLink = () => createHubLink({ ctx, now, settings, conn, status, pinger, requests, onText: (text) => events.receive(text), afterConnect });
  conn.use(makeLink());

  const owned = new DisposableStore();
  const module = {
    name: 'keywordHub',
    start() {
      // Disposed newest first: listeners and commands, the link, the parts' timers (publishing
      // stops before the requests still waiting are failed), then the store is written last.
      owned.add(store);
      owned.defer(() => requests.failAll('the console is shutting down'));
      owned.add(pinger);
      owned.add(resync);
      owned.add(status);
      owned.defer(() => {
        stopped = true;
        store.stop();
      });
      owned.defer(() => conn.link.dispose());
      commands.register(ctx.commands.ownedBy(owned));
      owned.defer(
        ctx.settings.onChange((next, previous) => {
          const a = next.upstreams.keywordHub;
          const b = previous.upstreams.keywordHub;
          if (a.url === b.url && a.enabled === b.enabled && a.pingIntervalMs === b.pingIntervalMs) return;
          // The idle timeout follows the ping interval, and is fixed when the link is created.
          if (a.pingIntervalMs !== b.pingIntervalMs) conn.use(makeLink());
          conn.link.apply();
        }),
      );
      owned.defer(
        ctx.secrets.onChange((name) => {
          if (name !== 'keywordHub.token') return;
          status.clearAuth();
          conn.link.credentialsChanged();
        }),
      );
      conn.link.apply();
    },
    stop() {
      owned.dispose();
    },
  };

  return {
    module,
    connector: {
      state,
      /** Feed one decoded frame through the connector, as if the hub had sent it (tests, bench). */
      ingest: (text: string) => events.receive(text),
      detail: (id: string) => store.detail(id),
      link: () => conn.link,
      flush: () => store.persist(),
      flushQueue: () => queue.flush(),
    },
  };
}
