import type { EvolutionParts } from './parts';

/**
 * The instance list from REST (`GET /instance/fetchInstances`): refreshed on demand, periodically
 * and shortly after instance events; states it reports go to the book, instances it no longer
 * lists are removed, and the per-instance links follow.
 */
export class InstanceList {
  restError: string | null = null;
  refreshedAt: number | null = null;
  private refreshing: Promise<void> | null = null;
  private refreshTimer: NodeJS.Timeout | null = null;

  constructor(private readonly p: Pick<EvolutionParts, 'ctx' | 'isStopped' | 'book' | 'rest' | 'alerts' | 'links'>) {}

  /** `GET /instance/fetchInstances`, then create/remove per-instance links. */
  refresh(throwErrors = false): Promise<void> {
    const { ctx, book, alerts, links } = this.p;
    this.refreshing ??= (async () => {
      try {
        const { instances, invalid } = await this.p.rest.fetchInstances();
        const now = Date.now();
        if (invalid > 0) ctx.journal.record({ upstream: 'evolution', type: 'invalid', level: 'error', ids: {}, summary: `${invalid} fetchInstances row(s) without a name ignored`, raw: null });
        const { changes, gone } = book.applyRest(instances, now);
        for (const change of changes) alerts.stateChanged(change, 'rest');
        for (const name of gone) this.gone(name, 'no longer listed by fetchInstances');
        this.restError = null;
        this.refreshedAt = now;
        links.reconcile();
      } catch (error) {
        this.restError = error instanceof Error ? error.message : String(error);
        links.mainLink?.noteError(`instance list: ${this.restError}`);
        throw error;
      } finally {
        this.refreshing = null;
      }
    })();
    const running = this.refreshing;
    return throwErrors ? running : running.catch(() => undefined);
  }

  /** One refresh soon, however many instance events arrive meanwhile. */
  scheduleRefresh(): void {
    if (this.refreshTimer || this.p.isStopped()) return;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = null;
      void this.refresh();
    }, 300);
    this.refreshTimer.unref();
  }

  stop(): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
  }

  /** The instance was deleted: forget it, its link and its alerts. */
  gone(name: string, why: string): void {
    const { ctx, book, alerts, links } = this.p;
    book.remove(name);
    links.removeInstanceLink(name);
    links.manualOff.delete(name);
    alerts.resolveInstance(name);
    ctx.journal.record({ upstream: 'evolution', type: 'instance.removed', level: 'info', ids: { instance: name }, summary: `instance ${name} removed (${why})`, raw: null });
  }
}
