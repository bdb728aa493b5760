import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type { PinCheck } from '../contract/admin';
import type { Storage } from '../core/storage';

/** How the PIN is kept: a slow, salted scrypt hash — never the PIN. */
interface PinRecord {
  algo: 'scrypt';
  N: number;
  r: number;
  p: number;
  salt: string;
  hash: string;
}

/** Wrong PINs counted for one budget, and until when it refuses every attempt. */
interface Budget {
  failures: number;
  lockedUntil: number | null;
}

/**
 * Who is guessing. Every caller session (a window, a bridge socket) has its own budget; each
 * pool has a global cap over all its sessions. The desktop window (`desktop`: Electron
 * windows, which no local process or page can reach) never shares a budget with `web`
 * clients, so no web client can lock the desktop out.
 */
export interface PinCaller {
  session: string;
  pool: PinPool;
}
export type PinPool = 'desktop' | 'web';
const pools: readonly PinPool[] = ['desktop', 'web'];

export interface PinPolicy {
  /** Wrong PINs one session may make before its first lock-out. */
  freeAttempts: number;
  /** First lock-out; doubles with each further failure. */
  lockoutMs: number;
  maxLockoutMs: number;
  /**
   * Wrong PINs all sessions of a pool may make together before the whole pool is locked out
   * (same backoff). Well above one session's allowance: only many sessions reach it — the cap
   * on an attacker who opens a new bridge socket for every guess.
   */
  poolFreeAttempts: number;
  /** scrypt cost (2^15 by default: ~0.1 s and 32 MiB per check). */
  cost: number;
}

export const defaultPinPolicy: PinPolicy = { freeAttempts: 5, lockoutMs: 30_000, maxLockoutMs: 15 * 60_000, poolFreeAttempts: 20, cost: 2 ** 15 };

/** Per-session budgets kept in memory (a session ends with its socket); the oldest go first beyond this. */
const maxSessions = 1_000;
const fresh = (): Budget => ({ failures: 0, lockedUntil: null });

const scryptAsync = (secret: string, salt: Buffer, keylen: number, options: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) => scrypt(secret, salt, keylen, options, (error, key) => (error ? reject(error) : resolve(key))));

const hashOf = (pin: string, record: Pick<PinRecord, 'N' | 'r' | 'p'>, salt: Buffer) =>
  scryptAsync(pin.normalize('NFKC'), salt, 32, { N: record.N, r: record.r, p: record.p, maxmem: 256 * record.N * record.r });

/**
 * The admin PIN: scrypt hash in SQLite; attempts rate-limited per session with a growing
 * lock-out, plus a cap per pool (web clients / desktop window) that survives restarts. An
 * attempt is counted *before* the slow hash runs, so parallel guesses cannot slip past.
 */
export class PinStore {
  private record: PinRecord | null;
  private readonly sessions = new Map<string, Budget>();
  private pools: Record<PinPool, Budget>;

  constructor(
    private readonly storage: Storage,
    readonly policy: PinPolicy = defaultPinPolicy,
  ) {
    this.record = storage.getJson<PinRecord>('admin.pin') ?? null;
    this.pools = this.loadPools();
  }

  get isSet(): boolean {
    return this.record !== null;
  }

  async set(pin: string): Promise<void> {
    const salt = randomBytes(16);
    const params = { N: this.policy.cost, r: 8, p: 1 };
    const hash = await hashOf(pin, params, salt);
    this.record = { algo: 'scrypt', ...params, salt: salt.toString('base64'), hash: hash.toString('base64') };
    this.storage.putJson('admin.pin', this.record);
    this.sessions.clear();
    this.savePools({ desktop: fresh(), web: fresh() });
  }

  /** Whether `pin` is the stored PIN, without counting an attempt (for the `--config` PIN at start). */
  async matches(pin: string): Promise<boolean> {
    const record = this.record;
    if (!record) return false;
    const expected = Buffer.from(record.hash, 'base64');
    const actual = await hashOf(pin, record, Buffer.from(record.salt, 'base64'));
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  }

  /** When this caller's attempts are refused until: its session's or its pool's lock-out (null: none). */
  lockedOutUntil(who: PinCaller, now = Date.now()): number | null {
    const until = Math.max(this.sessions.get(who.session)?.lockedUntil ?? 0, this.pools[who.pool].lockedUntil ?? 0);
    return until > now ? until : null;
  }

  /** Wrong PINs this caller may still make before a lock-out (its session's or its pool's, whichever is fewer). */
  attemptsLeft(who: PinCaller): number {
    const session = this.sessions.get(who.session)?.failures ?? 0;
    return Math.max(0, Math.min(this.policy.freeAttempts - session, this.policy.poolFreeAttempts - this.pools[who.pool].failures));
  }

  async check(pin: string, who: PinCaller): Promise<PinCheck> {
    const now = Date.now();
    const record = this.record;
    if (!record) return { result: 'no-pin', attemptsLeft: this.attemptsLeft(who), lockedOutUntil: null };
    const locked = this.lockedOutUntil(who, now);
    if (locked !== null) return { result: 'locked-out', attemptsLeft: 0, lockedOutUntil: locked };
    // Reserve the attempt now, in the session and in its pool: it only comes back if the PIN is right.
    const session = this.sessions.get(who.session) ?? fresh();
    const pool = this.pools[who.pool];
    this.putSession(who.session, this.failed(session, this.policy.freeAttempts, now));
    this.savePools({ ...this.pools, [who.pool]: this.failed(pool, this.policy.poolFreeAttempts, now) });
    const expected = Buffer.from(record.hash, 'base64');
    const actual = await hashOf(pin, record, Buffer.from(record.salt, 'base64'));
    if (actual.length === expected.length && timingSafeEqual(actual, expected)) {
      this.sessions.delete(who.session);
      this.savePools({ ...this.pools, [who.pool]: fresh() });
      return { result: 'ok', attemptsLeft: this.attemptsLeft(who), lockedOutUntil: null };
    }
    const until = this.lockedOutUntil(who);
    return until !== null ? { result: 'locked-out', attemptsLeft: 0, lockedOutUntil: until } : { result: 'wrong-pin', attemptsLeft: this.attemptsLeft(who), lockedOutUntil: null };
  }

  /** One more failure: past `free`, a lock-out that doubles with each further one, up to the maximum. */
  private failed(budget: Budget, free: number, now: number): Budget {
    const failures = budget.failures + 1;
    const over = failures - free;
    return { failures, lockedUntil: over < 0 ? null : now + Math.min(this.policy.maxLockoutMs, this.policy.lockoutMs * 2 ** over) };
  }

  private putSession(session: string, budget: Budget): void {
    this.sessions.delete(session);
    this.sessions.set(session, budget);
    while (this.sessions.size > maxSessions) this.sessions.delete(this.sessions.keys().next().value!);
  }

  private loadPools(): Record<PinPool, Budget> {
    const raw = this.storage.getJson<unknown>('admin.pinAttempts');
    const valid = (b: unknown): b is Budget =>
      typeof b === 'object' && b !== null && typeof (b as Budget).failures === 'number' && ((b as Budget).lockedUntil === null || typeof (b as Budget).lockedUntil === 'number');
    // Before per-session budgets, one global counter: it carries over to the web pool.
    if (valid(raw)) return { desktop: fresh(), web: raw };
    const stored = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    return Object.fromEntries(pools.map((p) => [p, valid(stored[p]) ? stored[p] : fresh()])) as Record<PinPool, Budget>;
  }

  private savePools(next: Record<PinPool, Budget>): void {
    this.pools = next;
    this.storage.putJson('admin.pinAttempts', next);
  }
}
