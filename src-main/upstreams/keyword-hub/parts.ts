import type { CoreContext } from '../../core/context';
import type { HubConnection, HubSettings, Pinger } from './connection';
import type { HubErrors } from './hub-errors';
import type { HubStatusBoard } from './hub-status';
import type { OfflineQueue } from './offline-queue';
import type { ExecutionReports } from './reports';
import type { Requests } from './requests';
import type { Resync } from './resync';
import type { ExecutionStore } from './store';

/**
 * The parts of one keyword hub connector, built once by `createKeywordHub`
 * (src-main/upstreams/keyword-hub.ts); each part takes the few others it needs with `Pick`.
 */
export interface HubParts {
  ctx: CoreContext;
  /** Clock for timestamps and queue expiry (tests replace it). */
  now: () => number;
  settings: HubSettings;
  /** True once the module is stopping: nothing new is started. */
  isStopped: () => boolean;
  conn: HubConnection;
  store: ExecutionStore;
  status: HubStatusBoard;
  requests: Requests;
  queue: OfflineQueue;
  reports: ExecutionReports;
  resync: Resync;
  pinger: Pinger;
  hubErrors: HubErrors;
}
