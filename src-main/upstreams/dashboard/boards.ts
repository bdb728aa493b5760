import { DashboardSnapshot, ProjectsSnapshot, TicketsSnapshot, wallboardViews, type Snapshot, type WallboardView } from '../../contract/dashboard';
import { MutableDisposable, timeout, type Disposable } from '../../core/disposable';
import type { TimerGuard } from '../../core/lifecycle';
import type { Storage } from '../../core/storage';
import { mostUrgent } from './tickets';

const snapshotKey = (view: WallboardView) => `dashboard.snapshot.${view}`;
const schemas = { tickets: TicketsSnapshot, projects: ProjectsSnapshot, dashboard: DashboardSnapshot };

export type Boards = { tickets: TicketsSnapshot | null; projects: ProjectsSnapshot | null; dashboard: DashboardSnapshot | null };

/**
 * The latest snapshot of each view: loaded from SQLite at boot (a kiosk that boots offline
 * shows the last known board with its age), replaced by each accepted update, written back
 * at most once a second and once more on stop.
 */
export class BoardStore implements Disposable {
  private readonly boards: Boards = { tickets: null, projects: null, dashboard: null };
  private readonly dirty = new Set<WallboardView>();
  private readonly persistTimer = new MutableDisposable<ReturnType<typeof timeout>>();

  constructor(private readonly deps: { storage: Storage; guard: TimerGuard; persistMs?: number }) {
    for (const view of wallboardViews) this.load(view);
  }

  current(): Readonly<Boards> {
    return this.boards;
  }

  accept(snapshot: Snapshot): void {
    (this.boards as Record<WallboardView, Snapshot | null>)[snapshot.view] = snapshot;
    this.dirty.add(snapshot.view);
    // A throw (a write that fails) restarts the link and is alerted, never ends the process.
    if (!this.persistTimer.value?.pending) this.persistTimer.value = timeout(this.deps.persistMs ?? 1_000, this.deps.guard(() => this.persist()));
  }

  persist(): void {
    this.persistTimer.clear();
    for (const view of this.dirty) this.deps.storage.putJson(snapshotKey(view), this.boards[view]);
    this.dirty.clear();
  }

  /** Stop: what is pending is written now, no timer is left. */
  dispose(): void {
    this.persist();
    this.persistTimer.dispose();
  }

  private load(view: WallboardView): void {
    const stored = this.deps.storage.getJson<Record<string, unknown>>(snapshotKey(view));
    // Saved by a version that kept every ticket unsorted: count them, keep the most urgent.
    const legacy = view === 'tickets' && stored && Array.isArray(stored.tickets) && stored.ticketCount === undefined;
    if (legacy) stored.ticketCount = (stored.tickets as unknown[]).length;
    const parsed = schemas[view].safeParse(stored);
    if (!parsed.success) return;
    if (legacy && parsed.data.view === 'tickets') parsed.data.tickets = mostUrgent(parsed.data.tickets);
    (this.boards as Record<WallboardView, Snapshot | null>)[view] = parsed.data;
  }
}
