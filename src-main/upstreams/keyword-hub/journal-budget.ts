/**
 * How many high-rate events (progress ticks, keywords, metrics) are copied to the event
 * inspector: at most `perSecond` a second; the rest are counted and reported in one entry when
 * the next second starts. Status changes, errors, refusals and alerts do not go through it.
 */
export class JournalBudget {
  private second = 0;
  private used = 0;
  private suppressed = 0;

  constructor(
    readonly perSecond: number,
    private readonly reportSuppressed: (count: number) => void,
  ) {}

  /** Whether one more high-rate entry may be journaled now. */
  take(): boolean {
    const second = Math.floor(Date.now() / 1000);
    if (second !== this.second) {
      if (this.suppressed > 0) this.reportSuppressed(this.suppressed);
      this.second = second;
      this.used = 0;
      this.suppressed = 0;
    }
    if (this.used >= this.perSecond) {
      this.suppressed++;
      return false;
    }
    this.used++;
    return true;
  }
}
