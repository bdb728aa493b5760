import type { DashboardHealth } from '../../contract/dashboard';
import { MutableDisposable, timeout, type Disposable } from '../../core/disposable';
import type { TimerGuard } from '../../core/lifecycle';

export type ProblemKind = 'unknown' | 'malformed' | 'invalidItems' | 'upstreamErrors';

/**
 * The channel's bad-input counters (shown on the wallboard's health line): counted here only,
 * published at most every 200 ms.
 */
export class HealthCounters implements Disposable {
  private readonly counts: DashboardHealth = { unknown: 0, malformed: 0, invalidItems: 0, upstreamErrors: 0, lastProblem: null };
  private readonly publishTimer = new MutableDisposable<ReturnType<typeof timeout>>();

  constructor(private readonly deps: { publish(health: DashboardHealth): void; guard: TimerGuard; now?: () => number }) {}

  count(kind: ProblemKind, message: string, n = 1): void {
    this.counts[kind] += n;
    this.counts.lastProblem = { at: (this.deps.now ?? Date.now)(), message };
    if (!this.publishTimer.value?.pending) this.publishTimer.value = timeout(200, this.deps.guard(() => this.deps.publish(this.snapshot())));
  }

  snapshot(): DashboardHealth {
    return { ...this.counts, lastProblem: this.counts.lastProblem && { ...this.counts.lastProblem } };
  }

  dispose(): void {
    this.publishTimer.dispose();
  }
}
