/**
 * Inbound refusals counted per reason per minute (issue 12): a flood of bad requests costs a
 * counter increment each, never a journal entry each. The receiver status shows the last hour
 * minute by minute; when a minute with refusals is over, `onMinute` gets its counts once (the
 * module journals that one line).
 */

export interface RefusalMinute {
  /** Start of the minute (ms since epoch). */
  at: number;
  reasons: Record<string, number>;
}

const MINUTE = 60_000;
const KEEP_MINUTES = 60;

export class RefusalCounter {
  private readonly minutes: RefusalMinute[] = [];
  private timer: NodeJS.Timeout | null = null;
  readonly totals: Record<string, number> = {};

  constructor(
    private readonly now: () => number,
    private readonly onMinute?: (minute: RefusalMinute) => void,
  ) {}

  record(reason: string): void {
    const at = Math.floor(this.now() / MINUTE) * MINUTE;
    this.closeBefore(at);
    let current = this.minutes[this.minutes.length - 1];
    if (!current || current.at !== at) {
      current = { at, reasons: {} };
      this.minutes.push(current);
      if (this.minutes.length > KEEP_MINUTES) this.minutes.shift();
      // Report the minute when it ends, even if nothing else arrives.
      if (this.timer) clearTimeout(this.timer);
      this.timer = setTimeout(() => this.closeBefore(Math.floor(this.now() / MINUTE) * MINUTE + MINUTE), Math.max(0, at + MINUTE - this.now()) + 10);
      this.timer.unref?.();
    }
    current.reasons[reason] = (current.reasons[reason] ?? 0) + 1;
    this.totals[reason] = (this.totals[reason] ?? 0) + 1;
  }

  /** The last hour's minutes with refusals, newest first. */
  recent(): RefusalMinute[] {
    const since = this.now() - KEEP_MINUTES * MINUTE;
    return this.minutes.filter((m) => m.at >= since).reverse().map((m) => ({ at: m.at, reasons: { ...m.reasons } }));
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private reported = 0;
  private closeBefore(at: number): void {
    for (const m of this.minutes) {
      if (m.at < at && m.at >= this.reported) {
        this.reported = m.at + MINUTE;
        this.onMinute?.({ at: m.at, reasons: { ...m.reasons } });
      }
    }
  }
}
