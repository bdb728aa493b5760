/**
 * Evolution's `date_time` is the server's local wall-clock time written with a `Z` (it adds the
 * timezone offset before `toISOString()`), so `Date.parse(date_time)` = send time + server UTC
 * offset. We estimate that offset from the data: skew = receive − parsed is latency − offset;
 * over recent samples the smallest skew is the one with the least latency, and real offsets are
 * whole quarter hours, so offset = −(min skew) rounded to 15 min. Latency = skew + offset.
 * Clock error between the hosts below 7.5 min stays in the latency figure (documented).
 */
const QUARTER_HOUR = 15 * 60_000;
const WINDOW = 256;

export class ClockEstimator {
  private readonly skews: number[] = [];
  private next = 0;
  private offset: number | null = null;
  private dirty = true;

  /** Parse `date_time` as sent; NaN when it is not a date. */
  static parse(dateTime: string | null | undefined): number {
    if (!dateTime) return NaN;
    return Date.parse(dateTime);
  }

  private lastText: string | null | undefined = null;
  private lastParsed = NaN;

  /** Record one sample and return the corrected latency (ms, ≥ 0), or null when no usable date. */
  latency(dateTime: string | null | undefined, receivedAt: number): number | null {
    // Events come in runs with the same millisecond stamp: parse each distinct text once.
    if (dateTime !== this.lastText) {
      this.lastText = dateTime;
      this.lastParsed = ClockEstimator.parse(dateTime);
    }
    const parsed = this.lastParsed;
    if (!Number.isFinite(parsed)) return null;
    const skew = receivedAt - parsed;
    if (this.skews.length < WINDOW) this.skews.push(skew);
    else this.skews[this.next] = skew;
    this.next = (this.next + 1) % WINDOW;
    // A new minimum applies at once; an old minimum leaving the window is noticed once per lap.
    if (this.dirty || skew < this.minSkew || this.next === 0) this.recompute();
    return Math.max(0, skew + (this.offset ?? 0));
  }

  private minSkew = Infinity;

  private recompute(): void {
    this.minSkew = Math.min(...this.skews);
    this.offset = Math.round(-this.minSkew / QUARTER_HOUR) * QUARTER_HOUR || 0;
    this.dirty = false;
  }

  /** Estimated server UTC offset in minutes (e.g. −180 for São Paulo), null before any sample. */
  get offsetMinutes(): number | null {
    return this.offset === null ? null : this.offset / 60_000;
  }
}
