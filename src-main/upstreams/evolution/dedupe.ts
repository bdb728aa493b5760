/**
 * Drops an event seen again within a time window (the same event on `/` and on `/{instance}`
 * when both modes are on). Keys live in two generations of one window each: a key is checked in
 * both, and the older generation is dropped whole when the newer one is a window old, so memory is
 * bounded by two windows × rate (and a hard cap) with no per-key expiry work.
 */
export class Dedupe {
  /** Key → ms since the generation started (a small integer: no boxed number per key). */
  private current = new Map<string, number>();
  private previous = new Map<string, number>();
  private currentSince = -Infinity;
  private previousSince = -Infinity;

  constructor(
    public windowMs: number,
    private readonly maxKeys = 200_000,
  ) {}

  /** True when `key` was seen within the window of its last sighting (a duplicate); remembers it either way. */
  check(key: string, now: number): boolean {
    // A full generation is rotated early: under overload the window shrinks rather than memory grows.
    if (now - this.currentSince >= this.windowMs || this.current.size >= this.maxKeys / 2) this.rotate(now);
    // One operation on the big map for a new key: set, and a size unchanged means it was there
    // (everything in the current generation is younger than one window).
    const size = this.current.size;
    this.current.set(key, now - this.currentSince);
    if (this.current.size === size) return true;
    const before = this.previous.get(key);
    return before !== undefined && now - (this.previousSince + before) <= this.windowMs;
  }

  get size(): number {
    return this.current.size + this.previous.size;
  }

  private rotate(now: number): void {
    // After a quiet spell of two windows even the current generation has expired.
    const keep = now - this.currentSince < 2 * this.windowMs;
    this.previous = keep ? this.current : new Map();
    this.previousSince = this.currentSince;
    this.current = new Map();
    this.currentSince = now;
  }
}
