/**
 * Drops an event seen again within a time window (the same event on `/` and on `/{instance}`
 * when both modes are on). Keys expire in insertion order, so memory stays bounded by the
 * window × rate, with a hard cap.
 */
export class Dedupe {
  private readonly seen = new Map<string, number>();

  constructor(
    public windowMs: number,
    private readonly maxKeys = 200_000,
  ) {}

  /** True when `key` was seen within the window (a duplicate); otherwise remembers it. */
  check(key: string, now: number): boolean {
    this.expire(now);
    const at = this.seen.get(key);
    if (at !== undefined && now - at <= this.windowMs) return true;
    this.seen.set(key, now);
    return false;
  }

  get size(): number {
    return this.seen.size;
  }

  private expire(now: number): void {
    for (const [key, at] of this.seen) {
      if (now - at <= this.windowMs && this.seen.size <= this.maxKeys) break;
      this.seen.delete(key);
    }
  }
}
