import { isTerminal } from '../../contract/keyword-hub';
import type { CoreContext } from '../../core/context';
import { MutableDisposable, timeout, type Disposable } from '../../core/disposable';
import type { HubConnection } from './connection';
import type { HubStatusBoard } from './hub-status';
import type { ExecutionReports } from './reports';
import type { Requests } from './requests';
import type { ExecutionStore } from './store';

export interface ResyncDeps {
  ctx: CoreContext;
  now: () => number;
  conn: HubConnection;
  status: HubStatusBoard;
  store: ExecutionStore;
  requests: Requests;
  reports: ExecutionReports;
  /** True once the module is stopping: a re-sync under way ends without a verdict. */
  isStopped: () => boolean;
}

/** An optional extra's standing on the current connection. */
type Extra = 'untried' | 'on' | 'off';

/**
 * Learning what the hub really did after every connect (and on "Re-synchronise"), using only
 * what seed 001 defines (docs/keyword-hub.md "Re-sync"): the hub's own reports. Two requests the
 * seed lacks, `EXECUCAO_LISTAR` and `EXECUCAO_STATUS {execucao_id}`, are optional extras: each is
 * tried once per connection and, when the hub does not know it (ERRO, an unknown-event answer, or
 * no answer), switched off for that connection without touching any execution. An execution the
 * hub has not reported since the link came back shows "no news since" its last report (status and
 * progress kept); its next report restores it; only a NOT_FOUND naming it ends it (hub-errors.ts).
 */
export class Resync implements Disposable {
  private readonly timer = new MutableDisposable<ReturnType<typeof timeout>>();
  private list: Extra = 'untried';
  private query: Extra = 'untried';
  private connectedAt = 0;

  constructor(private readonly deps: ResyncDeps) {}

  /** A new connection: the extras are tried again, and what was heard before it is old news. */
  connected(): void {
    this.list = 'untried';
    this.query = 'untried';
    this.connectedAt = this.deps.now();
  }

  /** Re-sync within a second, once however many times it is asked (executions started elsewhere). */
  soon(): void {
    if (this.list === 'off' || this.timer.value?.pending) return;
    this.timer.value = timeout(
      1_000,
      this.deps.conn.guard(() => {
        if (this.deps.conn.online()) void this.run().catch(this.deps.ctx.journal.failed('keywordHub', 're-sync'));
      }),
    );
  }

  /** Stop: a pending re-sync is cancelled and none is armed during shutdown. */
  dispose(): void {
    this.timer.dispose();
  }

  /** Resolves with the number of executions known afterwards. */
  async run(): Promise<number> {
    const { ctx, status, store, requests, reports, isStopped } = this.deps;
    let listed = 0;
    if (this.list !== 'off') {
      try {
        const reply = await requests.request('EXECUCAO_LISTAR', {}, { probe: true });
        const items = (reply.data as { execucoes?: unknown }).execucoes;
        if (!Array.isArray(items)) throw new Error(`answered with ${reply.event ?? 'nothing'}, not a list`);
        this.list = 'on';
        for (const item of items) reports.mergeListItem(item);
        listed = items.length;
      } catch (error) {
        if (isStopped()) return store.executions.size;
        if (this.deps.conn.online()) this.switchOff('list', 'EXECUCAO_LISTAR', error);
      }
    }
    // Ask about each one still unheard of, while the hub knows the query (first answer decides).
    let asked = 0;
    for (const e of this.unheard()) {
      if (this.query === 'off' || !this.deps.conn.online()) break;
      asked++;
      try {
        await requests.request('EXECUCAO_STATUS', { execucao_id: e.hubId ?? e.id }, { executionId: e.id, probe: true });
        this.query = 'on';
      } catch (error) {
        if (isStopped()) return store.executions.size;
        // NOT_FOUND naming it: the hub knows the query and not the execution (hub-errors.ts ended it).
        if (error instanceof Error && error.message.startsWith('NOT_FOUND')) this.query = 'on';
        else if (this.deps.conn.online()) this.switchOff('query', 'EXECUCAO_STATUS', error);
      }
    }
    if (isStopped()) return store.executions.size;
    const quiet = this.unheard();
    for (const e of quiet) reports.noNews(e);
    status.synced();
    ctx.journal.record({ upstream: 'keywordHub', type: 'resync', level: 'info', ids: {}, summary: `re-synchronised: ${listed} listed, ${asked} asked by status, ${quiet.length} with no news since the link came back`, raw: null });
    status.publish();
    return store.executions.size;
  }

  /** Open executions (not earlier runs kept in history) the hub has not reported on this connection. */
  private unheard() {
    return [...this.deps.store.executions.values()].filter((e) => !isTerminal(e.status) && e.hubId === null && this.deps.reports.heardAt(e) < this.connectedAt);
  }

  private switchOff(which: 'list' | 'query', event: string, error: unknown) {
    this[which] = 'off';
    this.deps.ctx.journal.record({ upstream: 'keywordHub', type: 'resync.extra-off', level: 'info', ids: {}, summary: `${event} is not in seed 001 and this hub does not answer it (${error instanceof Error ? error.message : String(error)}): not used again on this connection`, raw: null });
  }
}
