/**
 * The newest numeric event ids of one stream, in ascending order, answering "was this id
 * delivered before?" for the resume check. Numbers in a typed ring instead of one string per
 * event in a shared Set: at 100,000+ events/s the strings and the Set churn were the single
 * largest cost of ingest. Ids are only accepted in increasing order, so the ring stays sorted
 * and lookups are a binary search; an id at or below the newest starts a new run (the window
 * is cleared), which only happens after the upstream reset its ids.
 */
export class IdWindow {
  private ids: Float64Array;
  private start = 0;
  private size = 0;

  constructor(private readonly capacity: number) {
    // Grown on demand, so a quiet proxy stream does not hold a full window.
    this.ids = new Float64Array(Math.min(capacity, 256));
  }

  add(id: number): void {
    if (this.size > 0 && id <= this.at(this.size - 1)) this.clear();
    if (this.size < this.capacity) {
      if (this.size === this.ids.length) this.grow();
      this.ids[(this.start + this.size++) % this.ids.length] = id;
    } else {
      this.ids[this.start] = id;
      this.start = (this.start + 1) % this.ids.length;
    }
  }

  has(id: number): boolean {
    let lo = 0;
    let hi = this.size;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.at(mid) < id) lo = mid + 1;
      else hi = mid;
    }
    return lo < this.size && this.at(lo) === id;
  }

  clear(): void {
    this.start = 0;
    this.size = 0;
  }

  private at(index: number): number {
    return this.ids[(this.start + index) % this.ids.length]!;
  }

  private grow(): void {
    const next = new Float64Array(Math.min(this.capacity, this.ids.length * 2));
    for (let i = 0; i < this.size; i++) next[i] = this.at(i);
    this.ids = next;
    this.start = 0;
  }
}
