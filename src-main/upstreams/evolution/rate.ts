/**
 * Token bucket for the display rate limit (seed 002: "rate limit de 100 eventos/minuto", here a
 * setting): events over the limit are not sent to the live stream, and counted. Never used for
 * state, history or alerts.
 */
export class RateLimiter {
  private tokens: number;
  private last: number;
  dropped = 0;

  constructor(
    private perMinute: number,
    now = Date.now(),
  ) {
    this.tokens = this.burst;
    this.last = now;
  }

  /** Up to one second's worth (at least 20) may pass at once. */
  private get burst(): number {
    return Math.max(20, this.perMinute / 60);
  }

  setLimit(perMinute: number): void {
    this.perMinute = perMinute;
    this.tokens = Math.min(this.tokens, this.burst);
  }

  take(now: number): boolean {
    const elapsed = now - this.last;
    if (elapsed > 0) {
      this.tokens = Math.min(this.burst, this.tokens + (elapsed * this.perMinute) / 60_000);
      this.last = now;
    }
    if (this.tokens >= 1) {
      this.tokens--;
      return true;
    }
    this.dropped++;
    return false;
  }
}
