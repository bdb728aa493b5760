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

interface Attempts {
  failures: number;
  lockedUntil: number | null;
}

export interface PinPolicy {
  /** Wrong PINs allowed before the first lock-out. */
  freeAttempts: number;
  /** First lock-out; doubles with each further failure. */
  lockoutMs: number;
  maxLockoutMs: number;
  /** scrypt cost (2^15 by default: ~0.1 s and 32 MiB per check). */
  cost: number;
}

export const defaultPinPolicy: PinPolicy = { freeAttempts: 5, lockoutMs: 30_000, maxLockoutMs: 15 * 60_000, cost: 2 ** 15 };

const scryptAsync = (secret: string, salt: Buffer, keylen: number, options: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) => scrypt(secret, salt, keylen, options, (error, key) => (error ? reject(error) : resolve(key))));

const hashOf = (pin: string, record: Pick<PinRecord, 'N' | 'r' | 'p'>, salt: Buffer) =>
  scryptAsync(pin.normalize('NFKC'), salt, 32, { N: record.N, r: record.r, p: record.p, maxmem: 256 * record.N * record.r });

/**
 * The admin PIN: scrypt hash in SQLite, attempts rate-limited with a growing lock-out that
 * survives restarts. An attempt is counted *before* the slow hash runs, so parallel guesses
 * cannot slip past the limit.
 */
export class PinStore {
  private record: PinRecord | null;
  private attempts: Attempts;

  constructor(
    private readonly storage: Storage,
    readonly policy: PinPolicy = defaultPinPolicy,
  ) {
    this.record = storage.getJson<PinRecord>('admin.pin') ?? null;
    this.attempts = storage.getJson<Attempts>('admin.pinAttempts') ?? { failures: 0, lockedUntil: null };
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
    this.saveAttempts({ failures: 0, lockedUntil: null });
  }

  clear(): void {
    this.record = null;
    this.storage.putJson('admin.pin', null);
    this.saveAttempts({ failures: 0, lockedUntil: null });
  }

  /** When attempts are refused until (null: not locked out). */
  lockedOutUntil(now = Date.now()): number | null {
    const until = this.attempts.lockedUntil;
    return until !== null && until > now ? until : null;
  }

  attemptsLeft(): number {
    return Math.max(0, this.policy.freeAttempts - this.attempts.failures);
  }

  async check(pin: string): Promise<PinCheck> {
    const now = Date.now();
    const record = this.record;
    if (!record) return { result: 'no-pin', attemptsLeft: this.attemptsLeft(), lockedOutUntil: null };
    const locked = this.lockedOutUntil(now);
    if (locked !== null) return { result: 'locked-out', attemptsLeft: 0, lockedOutUntil: locked };
    // Reserve the attempt now: it only comes back if the PIN is right.
    const reserved = this.attempts.failures + 1;
    this.saveAttempts({ failures: reserved, lockedUntil: this.lockoutFor(reserved, now) });
    const expected = Buffer.from(record.hash, 'base64');
    const actual = await hashOf(pin, record, Buffer.from(record.salt, 'base64'));
    if (actual.length === expected.length && timingSafeEqual(actual, expected)) {
      this.saveAttempts({ failures: 0, lockedUntil: null });
      return { result: 'ok', attemptsLeft: this.policy.freeAttempts, lockedOutUntil: null };
    }
    const until = this.lockedOutUntil();
    return until !== null ? { result: 'locked-out', attemptsLeft: 0, lockedOutUntil: until } : { result: 'wrong-pin', attemptsLeft: this.attemptsLeft(), lockedOutUntil: null };
  }

  private lockoutFor(failures: number, now: number): number | null {
    const over = failures - this.policy.freeAttempts;
    if (over < 0) return null;
    return now + Math.min(this.policy.maxLockoutMs, this.policy.lockoutMs * 2 ** over);
  }

  private saveAttempts(next: Attempts): void {
    this.attempts = next;
    this.storage.putJson('admin.pinAttempts', next);
  }
}
