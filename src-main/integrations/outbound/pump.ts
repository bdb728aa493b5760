import type { DeliveryQueue, DeliveryRow } from '../delivery-queue';

/**
 * The delivery pump: starts due deliveries up to the concurrency limit, one at a time to an
 * unreachable endpoint (a probe, not the whole backlog), and sleeps on a timer until the next
 * one is due. Stopping aborts what is in flight; those deliveries stay pending.
 */

export interface PumpOptions {
  queue: DeliveryQueue;
  now: () => number;
  concurrency: () => number;
  isUnreachable: (webhookId: string) => boolean;
  /** Make one attempt and commit its outcome. */
  deliver: (row: DeliveryRow) => Promise<void>;
}

export class DeliveryPump {
  private readonly inFlight = new Set<string>();
  private readonly inFlightByHook = new Map<string, number>();
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | null = null;
  private timerAt = 0;
  private pumpQueued = false;
  private running = false;
  private readonly settled = new Set<() => void>();

  constructor(private readonly options: PumpOptions) {}

  /** Aborted by stop(): pass it to every request. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Requests in flight. */
  get busy(): number {
    return this.inFlight.size;
  }

  start(): void {
    this.running = true;
    this.wake();
  }

  /** Stop pumping; in-flight requests are aborted and stay pending (sent again next start). */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.controller.abort();
    if (this.inFlight.size > 0) await new Promise<void>((resolve) => this.settled.add(resolve));
  }

  /** Something may be due now: pump on the next turn (coalesced). */
  wake(): void {
    if (!this.running || this.pumpQueued) return;
    this.pumpQueued = true;
    setImmediate(() => {
      this.pumpQueued = false;
      this.pump();
    });
  }

  private pump(): void {
    if (!this.running) return;
    const { queue } = this.options;
    const now = this.options.now();
    const free = this.options.concurrency() - this.inFlight.size;
    if (free > 0) {
      for (const row of queue.due(now, free, this.inFlight)) {
        // An unreachable endpoint is probed with one request at a time, not the whole backlog.
        if (this.options.isUnreachable(row.webhookId) && (this.inFlightByHook.get(row.webhookId) ?? 0) > 0) continue;
        this.attempt(row);
      }
    }
    const next = queue.nextDueAt(this.inFlight);
    if (next === null || next <= now) {
      // Nothing waits, or what is due waits for a free slot: a completion pumps again.
      if (next !== null && this.inFlight.size === 0) this.armTimer(now + 50);
      return;
    }
    this.armTimer(next);
  }

  private armTimer(at: number): void {
    const now = this.options.now();
    // Re-check at least once a minute (clock changes, long delays).
    const target = Math.min(at, now + 60_000);
    if (this.timer && this.timerAt <= target) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = target;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.pump();
    }, Math.max(0, target - now));
    this.timer.unref?.();
  }

  private attempt(row: DeliveryRow): void {
    this.inFlight.add(row.id);
    this.inFlightByHook.set(row.webhookId, (this.inFlightByHook.get(row.webhookId) ?? 0) + 1);
    void this.options
      .deliver(row)
      .catch((error: unknown) => console.error('webhooks: delivery crashed', error))
      .finally(() => {
        this.inFlight.delete(row.id);
        this.inFlightByHook.set(row.webhookId, (this.inFlightByHook.get(row.webhookId) ?? 1) - 1);
        if (this.inFlight.size === 0) {
          for (const done of this.settled) done();
          this.settled.clear();
        }
        this.wake();
      });
  }
}
