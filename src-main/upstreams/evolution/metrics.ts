import type { UpstreamStatus } from '../../contract';
import type { WaMetrics } from '../../contract/evolution';

const SERIES = 120;
const TYPE_WINDOW = 10;
const LATENCIES = 2_048;

interface ConnTrack {
  state: string;
  message: string;
  since: number;
  openedAt: number | null;
  uptimeMs: number;
  reconnects: number;
}

/** Rates by type, a per-second series, latency percentiles, connection uptime and reconnects. */
export class Metrics {
  private second = 0;
  private current = 0;
  private readonly series: number[] = [];
  private readonly typeSlots: Array<Map<string, number>> = [];
  private currentTypes = new Map<string, number>();
  readonly totals = new Map<string, number>();
  private readonly latencies: number[] = [];
  private latencyNext = 0;
  private readonly reconnectTimes: number[] = [];
  private readonly conns = new Map<string, ConnTrack>();

  count(event: string, now: number, latency: number | null): void {
    this.advance(now);
    this.current++;
    this.currentTypes.set(event, (this.currentTypes.get(event) ?? 0) + 1);
    this.totals.set(event, (this.totals.get(event) ?? 0) + 1);
    if (latency !== null) {
      if (this.latencies.length < LATENCIES) this.latencies.push(latency);
      else this.latencies[this.latencyNext] = latency;
      this.latencyNext = (this.latencyNext + 1) % LATENCIES;
    }
  }

  /** Follow a link's status (uptime, reconnects). */
  status(s: UpstreamStatus, now: number): void {
    const key = s.link ?? '';
    let t = this.conns.get(key);
    if (!t) this.conns.set(key, (t = { state: s.state, message: s.message, since: s.since, openedAt: s.state === 'open' ? s.since : null, uptimeMs: 0, reconnects: s.reconnects }));
    if (s.reconnects > t.reconnects) for (let i = t.reconnects; i < s.reconnects; i++) this.reconnectTimes.push(now);
    t.reconnects = s.reconnects;
    if (s.state === 'open' && t.openedAt === null) t.openedAt = now;
    if (s.state !== 'open' && t.openedAt !== null) {
      t.uptimeMs += now - t.openedAt;
      t.openedAt = null;
    }
    t.state = s.state;
    t.message = s.message;
    t.since = s.since;
    if (s.state === 'stopped' && s.message === 'removed') this.conns.delete(key);
  }

  forget(link: string): void {
    this.conns.delete(link);
  }

  snapshot(now: number, extra: Omit<WaMetrics, 'at' | 'ratePerType' | 'rateSeries' | 'totals' | 'latency' | 'reconnectsPerHour' | 'connections'>): WaMetrics {
    this.advance(now);
    const ratePerType: Record<string, number> = {};
    const slots = [...this.typeSlots.slice(-(TYPE_WINDOW - 1)), this.currentTypes];
    const seconds = Math.max(1, slots.length);
    for (const slot of slots) for (const [type, n] of slot) ratePerType[type] = (ratePerType[type] ?? 0) + n;
    for (const type of Object.keys(ratePerType)) ratePerType[type] = Math.round((ratePerType[type]! / seconds) * 100) / 100;
    const sorted = [...this.latencies].sort((a, b) => a - b);
    const pick = (p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]! : null);
    while (this.reconnectTimes.length && this.reconnectTimes[0]! < now - 3_600_000) this.reconnectTimes.shift();
    return {
      at: now,
      ratePerType,
      rateSeries: [...this.series],
      totals: Object.fromEntries(this.totals),
      latency: { p50: pick(0.5), p95: pick(0.95), max: sorted.length ? sorted[sorted.length - 1]! : null, samples: sorted.length },
      reconnectsPerHour: this.reconnectTimes.length,
      connections: [...this.conns].map(([link, t]) => ({
        link,
        state: t.state,
        message: t.message,
        since: t.since,
        uptimeMs: t.uptimeMs + (t.openedAt !== null ? now - t.openedAt : 0),
        reconnects: t.reconnects,
        waitingNamespace: /namespace/i.test(t.message) && t.state !== 'open',
      })),
      ...extra,
    };
  }

  private advance(now: number): void {
    const second = Math.floor(now / 1000);
    if (this.second === 0) this.second = second;
    if (second === this.second) return;
    const gap = Math.min(SERIES, second - this.second);
    for (let i = 0; i < gap; i++) {
      this.series.push(i === 0 ? this.current : 0);
      this.typeSlots.push(i === 0 ? this.currentTypes : new Map());
      if (i === 0) this.currentTypes = new Map();
    }
    this.current = 0;
    while (this.series.length > SERIES) this.series.shift();
    while (this.typeSlots.length > TYPE_WINDOW) this.typeSlots.shift();
    this.second = second;
  }
}
