export interface BackoffOptions {
  baseMs?: number;
  maxMs?: number;
  factor?: number;
  /** Fraction of each delay that is randomised (0 = none, 1 = full jitter). */
  jitter?: number;
  random?: () => number;
}

/** Exponential backoff with jitter and a cap, so a fleet of consoles never reconnects in step. */
export class Backoff {
  private attempt = 0;
  private readonly baseMs: number;
  private readonly maxMs: number;
  private readonly factor: number;
  private readonly jitter: number;
  private readonly random: () => number;

  constructor(options: BackoffOptions = {}) {
    this.baseMs = options.baseMs ?? 500;
    this.maxMs = options.maxMs ?? 30_000;
    this.factor = options.factor ?? 2;
    this.jitter = Math.min(1, Math.max(0, options.jitter ?? 0.5));
    this.random = options.random ?? Math.random;
  }

  get attempts(): number {
    return this.attempt;
  }

  /** The delay before the next attempt; grows until the cap. */
  next(): number {
    const raw = Math.min(this.maxMs, this.baseMs * this.factor ** this.attempt);
    this.attempt++;
    return Math.round(raw * (1 - this.jitter) + raw * this.jitter * this.random());
  }

  reset(): void {
    this.attempt = 0;
  }
}
