import { channels, type ChannelData, type ChannelName, type EventBatch } from '../contract';

type Listener<C extends ChannelName> = (data: ChannelData<C>) => void;

export interface OutletOptions {
  /** Channels this outlet forwards; `*` for all. */
  channels: readonly ChannelName[] | '*';
  /**
   * Flush period: at most one batch per period. The first event after a quiet period goes out
   * at once (a wallboard snapshot or an alert should not wait); a busy stream is batched.
   */
  flushMs?: number;
  send(batch: EventBatch): void;
  /** False while the transport is congested; lossless events wait, bounded ones are trimmed. */
  writable?(): boolean;
}

export interface ChannelStats {
  published: number;
  /** Dropped at any outlet because a bounded channel overflowed (counted, never silent). */
  dropped: number;
}

/**
 * Connectors publish, everything else subscribes. In-process listeners run synchronously
 * (journal, alerts, webhooks must not miss anything); bridge outlets batch per flush window
 * and apply each channel's delivery policy from the contract.
 */
export class Hub {
  private readonly listeners = new Map<ChannelName, Set<Listener<never>>>();
  private readonly outlets = new Set<Outlet>();
  readonly stats = new Map<ChannelName, ChannelStats>();

  publish<C extends ChannelName>(ch: C, data: ChannelData<C>): void {
    const stats = this.statsOf(ch);
    stats.published++;
    const set = this.listeners.get(ch);
    if (set) {
      for (const listener of set) {
        try {
          (listener as Listener<C>)(data);
        } catch (error) {
          // A faulty listener must not break the connector that published.
          console.error(`hub: listener on ${ch} failed:`, error);
        }
      }
    }
    for (const outlet of this.outlets) outlet.offer(ch, data);
  }

  on<C extends ChannelName>(ch: C, listener: Listener<C>): () => void {
    let set = this.listeners.get(ch);
    if (!set) this.listeners.set(ch, (set = new Set()));
    set.add(listener as Listener<never>);
    return () => set.delete(listener as Listener<never>);
  }

  /** In-process listeners now, over every channel (tests: none left after the core stops). */
  get listenerCount(): number {
    let n = 0;
    for (const set of this.listeners.values()) n += set.size;
    return n;
  }

  openOutlet(options: OutletOptions): Outlet {
    const outlet = new Outlet(options, (ch, n) => (this.statsOf(ch).dropped += n), () => this.outlets.delete(outlet));
    this.outlets.add(outlet);
    return outlet;
  }

  private statsOf(ch: ChannelName): ChannelStats {
    let stats = this.stats.get(ch);
    if (!stats) this.stats.set(ch, (stats = { published: 0, dropped: 0 }));
    return stats;
  }
}

/** One subscriber on the far side of the bridge (a window, a web client). */
export class Outlet {
  private readonly pending = new Map<ChannelName, unknown[]>();
  private readonly drops = new Map<ChannelName, number>();
  private wanted: ReadonlySet<ChannelName> | '*';
  private timer: NodeJS.Timeout | null = null;
  private lastFlush = -Infinity;
  private closed = false;

  constructor(
    private readonly options: OutletOptions,
    private readonly countDrop: (ch: ChannelName, n: number) => void,
    private readonly detach: () => void,
  ) {
    this.wanted = options.channels === '*' ? '*' : new Set(options.channels);
  }

  subscribe(list: readonly ChannelName[] | '*'): void {
    this.wanted = list === '*' ? '*' : new Set(list);
  }

  offer(ch: ChannelName, data: unknown): void {
    if (this.closed || (this.wanted !== '*' && !this.wanted.has(ch))) return;
    let queue = this.pending.get(ch);
    if (!queue) this.pending.set(ch, (queue = []));
    queue.push(data);
    const policy = channels[ch].policy;
    if (policy.kind === 'bounded' && queue.length > policy.capacity * 2) this.trim(ch, queue, policy.capacity);
    this.timer ??= setTimeout(() => this.flush(), Math.max(0, this.lastFlush + this.period - performance.now()));
  }

  private get period(): number {
    return this.options.flushMs ?? 25;
  }

  /** Send what is pending now (also called by the timer). */
  flush(): void {
    this.timer = null;
    if (this.closed || this.pending.size === 0) return;
    if (this.options.writable && !this.options.writable()) {
      for (const [ch, queue] of this.pending) {
        const policy = channels[ch].policy;
        if (policy.kind === 'bounded') this.trim(ch, queue, policy.capacity);
      }
      this.timer = setTimeout(() => this.flush(), this.period);
      return;
    }
    const events: EventBatch['events'] = [];
    for (const [ch, queue] of this.pending) {
      const policy = channels[ch].policy;
      if (policy.kind === 'bounded') this.trim(ch, queue, policy.capacity);
      for (const data of queue) events.push({ ch, data });
    }
    this.pending.clear();
    this.lastFlush = performance.now();
    const batch: EventBatch = { events };
    if (this.drops.size > 0) {
      batch.drops = Object.fromEntries(this.drops);
      this.drops.clear();
    }
    this.options.send(batch);
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.pending.clear();
    this.detach();
  }

  private trim(ch: ChannelName, queue: unknown[], capacity: number): void {
    const excess = queue.length - capacity;
    if (excess <= 0) return;
    queue.splice(0, excess);
    this.drops.set(ch, (this.drops.get(ch) ?? 0) + excess);
    this.countDrop(ch, excess);
  }
}
