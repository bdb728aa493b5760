import type { ExecutionsState } from '../contract/keyword-hub';
import type { CoreContext, ModuleFactory } from '../core/context';
import { HubCommands } from './keyword-hub/commands';
import { HubConnection, Pinger, createHubLink } from './keyword-hub/connection';
import { HubErrors } from './keyword-hub/hub-errors';
import { HubStatusBoard } from './keyword-hub/hub-status';
import { OfflineQueue } from './keyword-hub/offline-queue';
import { ExecutionReports } from './keyword-hub/reports';
import { Requests } from './keyword-hub/requests';
import { Resync } from './keyword-hub/resync';
import { ServerEvents } from './keyword-hub/server-events';
import { ExecutionStore } from './keyword-hub/store';

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

export { newRequestId } from './keyword-hub/wire';

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
  const store = new ExecutionStore(ctx, now, conn.guard);
  const status = new HubStatusBoard({ ctx, now, store, conn });
  const requests = new Requests({ ctx, now, settings, conn, status, store });
  const queue = new OfflineQueue({ ctx, now, conn, status, store, requests, isStopped });
  const reports = new ExecutionReports({ ctx, now, store, status });
  const resync = new Resync({ ctx, now, conn, status, store, requests, reports, isStopped });
  const pinger = new Pinger({ ctx, now, settings, conn, status, requests });
  const hubErrors = new HubErrors({ ctx, now, conn, status, store, requests, reports });
  const events = new ServerEvents({ ctx, now, conn, status, store, requests, reports, resync, pinger, hubErrors, isStopped });
  status.refusedCount = () => requests.refusedCount;
  const state = (): ExecutionsState => ({ ...store.snapshot(), hub: status.snapshot() });
  const commands = new HubCommands({ ctx, conn, status, store, requests, queue, resync, state });

  /** After every connect: re-sync, re-send preferences and monitoring, then the offline queue. */
  const afterConnect = async () => {
    if (stopped) return;
    resync.connected();
    await resync.run().catch(() => undefined);
    if (stopped) return;
    void commands.sendPrefs().catch(() => undefined);
    void commands.sendMonitor().catch(() => undefined);
    await queue.flush();
  };
  const makeLink = () => createHubLink({ ctx, now, settings, conn, status, pinger, requests, onText: (text) => events.receive(text), afterConnect });
  conn.link = makeLink();

  const unsubscribe: Array<() => void> = [];
  const module = {
    name: 'keywordHub',
    start() {
      commands.register();
      unsubscribe.push(
        ctx.settings.onChange((next, previous) => {
          const a = next.upstreams.keywordHub;
          const b = previous.upstreams.keywordHub;
          if (a.url === b.url && a.enabled === b.enabled && a.pingIntervalMs === b.pingIntervalMs) return;
          // The idle timeout follows the ping interval, and is fixed when the link is created.
          if (a.pingIntervalMs !== b.pingIntervalMs) conn.link = makeLink();
          if (a.enabled && settings().url) conn.link.connect();
          else conn.link.disconnect(a.enabled ? 'unconfigured' : 'disabled');
        }),
        ctx.secrets.onChange((name) => {
          if (name !== 'keywordHub.token') return;
          status.auth = null;
          status.publish();
          if (conn.link.currentState === 'auth-failed') conn.link.retryAuth();
          else if (settings().enabled && settings().url) conn.link.connect();
        }),
      );
      if (settings().enabled && settings().url) conn.link.connect();
      else conn.link.disconnect(settings().url ? 'disabled' : 'unconfigured');
    },
    stop() {
      stopped = true;
      for (const off of unsubscribe) off();
      store.stop();
      status.stop();
      resync.stop();
      pinger.stop();
      requests.failAll('the console is shutting down');
      store.persist();
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
