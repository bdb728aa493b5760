/**
 * Unlocked admin sessions, one per caller session (an Electron window, a web bridge socket).
 * A session locks itself after `autoLockMs` without admin activity; whatever the renderer
 * claims, main decides from this table.
 */
export class AdminSessions {
  private readonly unlocked = new Map<string, number>();

  constructor(
    private autoLockMs: number,
    private readonly onAutoLock: (session: string) => void = () => undefined,
  ) {}

  setAutoLock(ms: number): void {
    this.autoLockMs = ms;
  }

  get autoLock(): number {
    return this.autoLockMs;
  }

  unlock(session: string, now = Date.now()): void {
    this.unlocked.set(session, now);
  }

  lock(session: string): void {
    this.unlocked.delete(session);
  }

  lockAll(): void {
    this.unlocked.clear();
  }

  /** Unlocked and not idle for too long (an idle session is locked on the spot). */
  isUnlocked(session: string, now = Date.now()): boolean {
    const last = this.unlocked.get(session);
    if (last === undefined) return false;
    if (now - last >= this.autoLockMs) {
      this.unlocked.delete(session);
      this.onAutoLock(session);
      return false;
    }
    return true;
  }

  /** Admin activity: extends the unlock. Returns false if the session was not unlocked. */
  touch(session: string, now = Date.now()): boolean {
    if (!this.isUnlocked(session, now)) return false;
    this.unlocked.set(session, now);
    return true;
  }

  unlockedUntil(session: string, now = Date.now()): number | null {
    if (!this.isUnlocked(session, now)) return null;
    return this.unlocked.get(session)! + this.autoLockMs;
  }

  /** Whether any session is unlocked now (idle ones lock on the spot). */
  anyUnlocked(now = Date.now()): boolean {
    return [...this.unlocked.keys()].filter((session) => this.isUnlocked(session, now)).length > 0;
  }

  /** Forget sessions that went idle (periodic sweep; also writes the auto-lock to the audit log). */
  sweep(now = Date.now()): void {
    for (const session of [...this.unlocked.keys()]) this.isUnlocked(session, now);
  }
}
