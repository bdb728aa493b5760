/**
 * How many high-rate events (log lines, progress ticks, WhatsApp messages) each connector copies
 * to the event inspector: at most `perSecond` a second; the rest are counted and reported in one
 * entry when the next second starts. State changes and errors pass with `always` (still counted
 * as used), so the inspector never misses them.
 */
export class JournalBudget {
  private second = 0;
  private used = 0;
  private suppressed = 0;

  constructor(
    readonly perSecond: number,
    private readonly reportSuppressed: (count: number) => void,
  ) {}

  /** Whether one more entry may be journaled at `now` (ms). */
  take(now = Date.now(), always = false): boolean {
    const second = Math.floor(now / 1000);
    if (second !== this.second) {
      if (this.suppressed > 0) this.reportSuppressed(this.suppressed);
      this.second = second;
      this.used = 0;
      this.suppressed = 0;
    }
    if (!always && this.used >= this.perSecond) {
      this.suppressed++;
      return false;
    }
    this.used++;
    return true;
  }
}
