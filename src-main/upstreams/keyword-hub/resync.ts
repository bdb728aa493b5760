import { isTerminal } from '../../contract/keyword-hub';
import { CommandError } from '../../core/commands';
import type { HubParts } from './parts';
import { hubErrorOf } from './reports';

export type ResyncDeps = Pick<HubParts, 'ctx' | 'now' | 'conn' | 'status' | 'store' | 'requests' | 'reports' | 'isStopped'>;

/**
 * Learning what the hub really did: after every connect (and on "Re-synchronise"),
 * EXECUCAO_LISTAR merges all executions; those still running here but absent from the list are
 * asked with EXECUCAO_STATUS; one the hub no longer knows is marked `erro`.
 */
export class Resync {
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly deps: ResyncDeps) {}

  /** Re-sync within a second, once however many times it is asked (executions started elsewhere). */
  soon(): void {
    this.timer ??= setTimeout(() => {
      this.timer = null;
      if (this.deps.conn.online()) void this.run().catch(() => undefined);
    }, 1_000);
  }

  /** Cancel a pending re-sync (the handle is kept, so none is armed during shutdown). */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
  }

  /** Resolves with the number of executions known afterwards. */
  async run(): Promise<number> {
    const { ctx, now, status, store, requests, reports, isStopped } = this.deps;
    let seen = new Set<string>();
    try {
      const reply = await requests.request('EXECUCAO_LISTAR', {});
      const list = (reply.data as { execucoes: unknown[] }).execucoes;
      for (const item of list) reports.mergeListItem(item);
      seen = new Set(list.map((i) => String((i as { execucao_id?: unknown })?.execucao_id)));
    } catch (error) {
      if (isStopped()) return store.executions.size;
      ctx.journal.record({ upstream: 'keywordHub', type: 'resync.list-failed', level: 'warn', ids: {}, summary: `EXECUCAO_LISTAR failed (${error instanceof Error ? error.message : String(error)}); asking EXECUCAO_STATUS per execution`, raw: null });
    }
    const open = [...store.executions.values()].filter((e) => !isTerminal(e.status) && !seen.has(e.id));
    await Promise.all(
      open.map(async (e) => {
        try {
          const reply = await requests.request('EXECUCAO_STATUS', { execucao_id: e.id }, { executionId: e.id });
          if (reply.event !== 'EXECUCAO_STATUS') return;
        } catch (error) {
          if (error instanceof CommandError && (error.code === 'invalid-argument' || error.code === 'conflict')) {
            // The hub no longer knows it (restarted, purged): it can never finish.
            if (reports.setStatus(e, 'erro', 'resync')) {
              e.error = hubErrorOf('NOT_FOUND', `o hub não conhece mais esta execução (${error.message})`, undefined, 'Iniciar a execução novamente', now());
              store.touch(e, true);
            }
          }
        }
      }),
    );
    if (isStopped()) return store.executions.size;
    status.lastSyncAt = now();
    ctx.journal.record({ upstream: 'keywordHub', type: 'resync', level: 'info', ids: {}, summary: `re-synchronised ${seen.size} listed + ${open.length} by status`, raw: null });
    status.publish();
    return store.executions.size;
  }
}
