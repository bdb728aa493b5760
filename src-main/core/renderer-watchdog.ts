/**
 * Self-healing for a window's renderer, without Electron: a renderer that dies is reloaded; one
 * that hangs past `hangMs` is crashed on purpose so that it reloads. Reloads that keep failing
 * back off (a page that crashes on load must not spin a kiosk's CPU), and the pace resets once
 * a renderer has stayed up for `stableMs`. `electron/windows.ts` feeds it webContents events.
 */

export interface WatchdogTarget {
  reload(): void;
  crash(): void;
  isDestroyed(): boolean;
  log(message: string): void;
}

export interface WatchdogOptions {
  hangMs?: number;
  firstReloadMs?: number;
  maxReloadMs?: number;
  stableMs?: number;
  now?: () => number;
}

export class RendererWatchdog {
  private hangTimer: ReturnType<typeof setTimeout> | null = null;
  private reloadTimer: ReturnType<typeof setTimeout> | null = null;
  private streak = 0;
  private lastReloadAt = -Infinity;
  readonly counts = { gone: 0, hangs: 0, reloads: 0 };
  private readonly o: Required<Omit<WatchdogOptions, 'now'>> & { now: () => number };

  constructor(
    private readonly target: WatchdogTarget,
    options: WatchdogOptions = {},
  ) {
    this.o = { hangMs: 10_000, firstReloadMs: 1_000, maxReloadMs: 60_000, stableMs: 120_000, now: Date.now, ...options };
  }

  /** `render-process-gone`: schedule a reload, slower each time it comes back quickly. */
  gone(reason: string): void {
    this.counts.gone++;
    this.clearHang();
    if (this.reloadTimer || this.target.isDestroyed()) return;
    if (this.o.now() - this.lastReloadAt > this.o.stableMs) this.streak = 0;
    const delay = Math.min(this.o.maxReloadMs, this.o.firstReloadMs * 2 ** this.streak);
    this.streak++;
    this.target.log(`renderer gone (${reason}); reloading in ${Math.round(delay / 1000)} s`);
    this.reloadTimer = setTimeout(() => {
      this.reloadTimer = null;
      if (this.target.isDestroyed()) return;
      this.counts.reloads++;
      this.lastReloadAt = this.o.now();
      this.target.reload();
    }, delay);
  }

  /** `unresponsive`: give it `hangMs` to recover, then crash it (which leads to `gone`). */
  unresponsive(): void {
    this.hangTimer ??= setTimeout(() => {
      this.hangTimer = null;
      if (this.target.isDestroyed()) return;
      this.counts.hangs++;
      this.target.log(`renderer hung for ${Math.round(this.o.hangMs / 1000)} s; restarting it`);
      this.target.crash();
    }, this.o.hangMs);
  }

  responsive(): void {
    this.clearHang();
  }

  dispose(): void {
    this.clearHang();
    if (this.reloadTimer) clearTimeout(this.reloadTimer);
    this.reloadTimer = null;
  }

  private clearHang(): void {
    if (this.hangTimer) clearTimeout(this.hangTimer);
    this.hangTimer = null;
  }
}
