import { MutableDisposable, timeout, type Disposable } from '../../core/disposable';
import type { CoreContext } from '../../core/context';
import type { InstanceBook } from './book';
import type { EvolutionRest } from './rest';
import type { EvolutionAlerts } from './alerts';
import type { EvolutionLinks } from './links';
import type { TimerGuard } from '../../core/lifecycle';
import { RestError } from './rest';

/**
 * Seed 002 documents the socket events only: a server without Evolution's REST listing answers
 * 404 (or 405/501). That is no fault — instances then come from the configuration and from events.
 */
const noListing = (e: unknown): boolean => e instanceof RestError && (e.status === 404 || e.status === 405 || e.status === 501);

export interface InstanceListDeps {
  ctx: CoreContext;
  /** True once the module is stopping: nothing new is started. */
  isStopped: () => boolean;
  book: InstanceBook;
  rest: EvolutionRest;
  alerts: EvolutionAlerts;
  links: EvolutionLinks;
  /** For its timers: a throw restarts the main link (`linkGuard`), never the process. */
  guard: TimerGuard;
}

/**
 * The instance list from REST (`GET /instance/fetchInstances`): refreshed on demand, periodically
 * and shortly after instance events; states it reports go to the book, instances it no longer
 * lists are removed, and the per-instance links follow.
 */
export class InstanceList implements Disposable {
  restError: string | null = null;
  refreshedAt: number | null = null;
  /** False once the server said it has no `fetchInstances` (told once in the journal). */
  listingAvailable = true;
  private refreshing: Promise<void> | null = null;
  private readonly refreshTimer = new MutableDisposable<ReturnType<typeof timeout>>();

  constructor(private readonly p: InstanceListDeps) {}

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
        this.listingAvailable = true;
        links.reconcile();
      } catch (error) {
        if (noListing(error)) {
          if (this.listingAvailable) ctx.journal.record({ upstream: 'evolution', type: 'instances.unlisted', level: 'info', ids: {}, summary: `the server has no instance listing (${(error as Error).message}): instances come from the configuration and from events`, raw: null });
          this.listingAvailable = false;
          this.restError = null;
          this.refreshedAt = Date.now();
          links.reconcile();
          return;
        }
        this.restError = error instanceof Error ? error.message : String(error);
        links.mainLink?.noteError(`instance list: ${this.restError}`);
        throw error;
      } finally {
        this.refreshing = null;
      }
    })();
    const running = this.refreshing;
    // Not asked to throw: the failure is already counted on the main link and kept in restError.
    return throwErrors ? running : running.catch(() => undefined);
  }

  /** One refresh soon, however many instance events arrive meanwhile. */
  scheduleRefresh(): void {
    if (this.refreshTimer.value?.pending || this.p.isStopped()) return;
    this.refreshTimer.value = timeout(
      300,
      this.p.guard(() => void this.refresh()),
    );
  }

  /** Stop: a pending refresh is cancelled and none is armed again. */
  dispose(): void {
    this.refreshTimer.dispose();
  }

  /** The instance was deleted: forget it, its link and its alerts. */
  gone(name: string, why: string): void {
    const { ctx, book, alerts, links } = this.p;
    book.remove(name);
    links.removeInstanceLink(name);
    links.operatorOn(name);
    alerts.resolveInstance(name);
    ctx.journal.record({ upstream: 'evolution', type: 'instance.removed', level: 'info', ids: { instance: name }, summary: `instance ${name} removed (${why})`, raw: null });
  }
}
