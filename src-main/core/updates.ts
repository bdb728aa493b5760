import type { UpdateBlocker, UpdateErrorCode, UpdateSettings, UpdateState } from '../contract/updates';
import { DisposableStore } from './disposable';
import { CommandError } from './commands';
import type { CoreContext, ModuleFactory } from './context';

/**
 * When the console checks for, downloads and installs an update — no Electron here. The
 * Electron host adapts electron-updater to `Updater` (`electron/updater.ts`); the web host has
 * none, so updates are "not applicable" there.
 */
export interface Updater {
  /** Look at the feed at `url`; the newer version there, or null when this one is current. */
  check(url: string): Promise<{ version: string } | null>;
  /** Download the version the last check found; resolves once it is ready to install. */
  download(): Promise<void>;
  /** Quit and install now (the policy has decided it may). */
  install(): void;
}

/** An updater failure carries the code the renderer words. */
export class UpdateFailure extends Error {
  constructor(
    readonly code: UpdateErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const codeOf = (error: unknown, fallback: UpdateErrorCode): UpdateErrorCode => (error instanceof UpdateFailure ? error.code : fallback);

/** The next local time `HH:MM` strictly after `now` (today's if still ahead, else tomorrow's). */
export function nextCheckAt(now: number, checkAt: string): number {
  const [hours, minutes] = checkAt.split(':').map(Number) as [number, number];
  const at = new Date(now);
  at.setHours(hours, minutes, 0, 0);
  if (at.getTime() <= now) at.setDate(at.getDate() + 1);
  return at.getTime();
}

export interface UpdatePolicyOptions {
  updater: Updater;
  settings(): UpdateSettings;
  /** What holds a restart back right now (critical alert, unlocked admin session). */
  blockers(): UpdateBlocker[];
  publish(state: UpdateState): void;
  /** Something worth a line in the inspector (a check's outcome, an install). */
  note(summary: string, level: 'info' | 'warn'): void;
  /** How often the clock is looked at: due checks and a waiting install (default a minute). */
  tickMs?: number;
}

/**
 * The update schedule: one check a day at `checkAt`, a found version downloaded at once, and the
 * restart only when nothing holds it back — retried at every tick until then. A minute tick
 * rather than one long timer: a kiosk that slept through 03:00 checks when it wakes.
 */
export class UpdatePolicy {
  private state: UpdateState;
  private timer: NodeJS.Timeout | null = null;
  private busy = false;
  private installing = false;

  constructor(private readonly options: UpdatePolicyOptions) {
    const settings = options.settings();
    this.state = { applicable: true, enabled: settings.enabled, status: 'idle' };
    this.reschedule();
  }

  current(): UpdateState {
    return this.state;
  }

  start(): void {
    this.timer = setInterval(() => this.tick(), this.options.tickMs ?? 60_000);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Settings changed: turn on/off, new hour or folder. */
  reschedule(): void {
    const settings = this.options.settings();
    const { nextCheck: _next, ...rest } = this.state;
    const next: UpdateState = { ...rest, enabled: settings.enabled };
    if (settings.enabled) next.nextCheck = nextCheckAt(Date.now(), settings.checkAt);
    this.set(next);
  }

  tick(): void {
    const settings = this.options.settings();
    if (!settings.enabled) return;
    if (this.state.status === 'ready') return this.tryInstall();
    if (this.state.nextCheck !== undefined && Date.now() >= this.state.nextCheck) void this.check();
  }

  /** Check now (the daily tick or an admin's "check now"); a running check is not doubled. */
  async check(): Promise<UpdateState> {
    const settings = this.options.settings();
    if (!settings.enabled || this.busy || this.state.status === 'ready') return this.state;
    this.busy = true;
    const now = Date.now();
    this.set({ ...this.clean(), status: 'checking', lastCheck: now, nextCheck: nextCheckAt(now, settings.checkAt) });
    try {
      let found: { version: string } | null;
      try {
        found = await this.options.updater.check(settings.url);
      } catch (error) {
        return this.fail(codeOf(error, 'unreachable'), error);
      }
      if (!found) {
        this.options.note('updates: this version is current', 'info');
        return this.set({ ...this.clean(), status: 'idle' });
      }
      this.set({ ...this.clean(), status: 'downloading', pendingVersion: found.version });
      try {
        await this.options.updater.download();
      } catch (error) {
        return this.fail(codeOf(error, 'download-failed'), error);
      }
      this.options.note(`updates: version ${found.version} downloaded`, 'info');
      this.set({ ...this.clean(), status: 'ready', pendingVersion: found.version });
      this.tryInstall();
      return this.state;
    } finally {
      this.busy = false;
    }
  }

  /** Restart into the new version only when no critical alert is active and no admin session is open. */
  private tryInstall(): void {
    if (this.installing || this.state.status !== 'ready' || !this.options.settings().enabled) return;
    const waitingFor = this.options.blockers();
    if (waitingFor.length > 0) {
      if (waitingFor.join() !== (this.state.waitingFor ?? []).join()) this.set({ ...this.state, waitingFor });
      return;
    }
    this.installing = true;
    this.options.note(`updates: restarting into version ${this.state.pendingVersion ?? '?'}`, 'info');
    try {
      this.options.updater.install();
    } catch (error) {
      this.installing = false;
      this.fail('install-failed', error);
    }
  }

  private fail(code: UpdateErrorCode, error: unknown): UpdateState {
    this.options.note(`updates: ${code} (${error instanceof Error ? error.message : String(error)})`.slice(0, 500), 'warn');
    return this.set({ ...this.clean(), status: 'error', errorCode: code });
  }

  /** The state without what belongs to one status only. */
  private clean(): UpdateState {
    const { errorCode: _e, waitingFor: _w, pendingVersion: _p, ...rest } = this.state;
    return rest;
  }

  private set(next: UpdateState): UpdateState {
    this.state = next;
    this.options.publish(next);
    return next;
  }
}

/** Critical alerts that have not been acknowledged (active, or snoozed and coming back). */
const criticalAlertActive = (ctx: CoreContext): boolean => ctx.alerts.list(false, 10_000).some((a) => a.severity === 'critical' && (a.state === 'active' || a.state === 'snoozed'));

/** `updates.*`: the policy above where the host has an updater; "not applicable" elsewhere. */
export const updatesModule: ModuleFactory = (ctx) => {
  const owned = new DisposableStore();
  const commands = ctx.commands.ownedBy(owned);
  let policy: UpdatePolicy | null = null;
  const notApplicable = (): UpdateState => ({ applicable: false, enabled: ctx.settings.get().updates.enabled, status: 'idle' });
  return {
    name: 'updates',
    start() {
      const updater = ctx.updater;
      if (updater) {
        const started = new UpdatePolicy({
          updater,
          settings: () => ctx.settings.get().updates,
          blockers: () => [...(criticalAlertActive(ctx) ? (['critical-alert'] as const) : []), ...(ctx.commands.anyAdminUnlocked() ? (['admin-session'] as const) : [])],
          publish: (state) => ctx.hub.publish('updates.state', state),
          note: (summary, level) => ctx.journal.record({ upstream: 'console', type: 'updates', level, ids: {}, summary, raw: null }),
        });
        policy = started;
        started.start();
        owned.defer(() => started.stop());
        owned.defer(ctx.settings.onChange((next, previous) => JSON.stringify(next.updates) !== JSON.stringify(previous.updates) && started.reschedule()));
      }
      commands.handle('updates.state', () => policy?.current() ?? notApplicable());
      commands.handle('updates.check', async () => {
        if (!policy) throw new CommandError('unavailable', 'updates do not apply here (web host or development run)');
        if (!ctx.settings.get().updates.enabled) throw new CommandError('invalid-argument', 'updates are off: turn them on with the URL of the update folder first');
        return policy.check();
      });
    },
    stop() {
      owned.dispose();
    },
  };
};
