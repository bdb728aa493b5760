/**
 * The kiosk's rotation engine, free of Vue so it can be tested with fake timers:
 * a playlist of console routes with dwell times, paused while someone interacts, a remote
 * switch that holds its view for a while, and alert pre-emption — a new alert of a
 * pre-empting severity takes the screen to its view and holds it until acknowledged (or for
 * a set time), then the rotation resumes where it was.
 */

export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'info';
const rank: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };

interface RotationItem {
  route: string;
  dwellSec: number;
}

export interface RotationOptions {
  playlist: RotationItem[];
  idleResumeMs: number;
  preemptHoldMs: number;
  remoteHoldMs: number;
  preemptSeverities: Severity[];
  navigate(route: string): void;
  onChange?(state: RotationState): void;
  now?: () => number;
}

type RotationMode = 'rotating' | 'paused' | 'preempted' | 'remote';

export interface RotationState {
  mode: RotationMode;
  route: string;
  index: number;
  /** When the current dwell / pause / hold ends (ms since epoch), null when unknown. */
  until: number | null;
  /** The alert holding the screen. */
  alertId: string | null;
}

/** The seed's remote_switch targets are view names; console routes are accepted too. */
export function routeForTarget(target: string): string | null {
  const t = target.trim();
  const named: Record<string, string> = { dashboard: '/wallboard', tickets: '/wallboard/tickets', projects: '/wallboard/projects', alerts: '/alerts' };
  if (Object.hasOwn(named, t.toLowerCase())) return named[t.toLowerCase()]!;
  if (/^\/[\w\-/]*$/.test(t) && !t.startsWith('/kiosk')) return t;
  return null;
}

export class Rotation {
  private opts: RotationOptions;
  private index = 0;
  private mode: RotationMode = 'rotating';
  private route = '';
  private until: number | null = null;
  private alert: { id: string; severity: Severity } | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly seen = new Set<string>();
  private started = false;

  constructor(options: RotationOptions) {
    this.opts = options;
  }

  private now(): number {
    return this.opts.now?.() ?? Date.now();
  }

  get state(): RotationState {
    return { mode: this.mode, route: this.route, index: this.index, until: this.until, alertId: this.alert?.id ?? null };
  }

  start(): void {
    this.started = true;
    this.show(0);
  }

  stop(): void {
    this.clear();
    this.started = false;
  }

  update(options: Partial<RotationOptions>): void {
    const playlistChanged = options.playlist && JSON.stringify(options.playlist) !== JSON.stringify(this.opts.playlist);
    this.opts = { ...this.opts, ...options };
    if (playlistChanged && this.started && this.mode === 'rotating') this.show(0);
  }

  /** Someone touched, clicked or typed: hold the current view until they leave it alone. */
  interact(): void {
    if (!this.started || this.mode === 'preempted') return;
    this.mode = 'paused';
    this.hold(this.opts.idleResumeMs, () => this.advance());
  }

  /** A remote_switch (target already mapped to a route). A pre-empting alert keeps the screen. */
  remoteSwitch(route: string): void {
    if (!this.started || this.mode === 'preempted') return;
    const i = this.opts.playlist.findIndex((item) => item.route === route);
    if (i >= 0) this.index = i;
    this.mode = 'remote';
    this.go(route);
    this.hold(this.opts.remoteHoldMs, () => this.advance());
  }

  /** An alert was raised or changed. New active alerts of a pre-empting severity take the screen. */
  alertChanged(alert: { id: string; severity: Severity; state: string; view?: string | undefined }): void {
    if (!this.started) return;
    const open = alert.state === 'active';
    if (this.alert?.id === alert.id && !open) return this.release();
    if (!open || !alert.view || this.seen.has(alert.id)) return;
    this.seen.add(alert.id);
    if (this.seen.size > 5_000) this.seen.delete(this.seen.values().next().value as string);
    if (!this.opts.preemptSeverities.includes(alert.severity)) return;
    // A lower-severity alert does not take the screen from a more severe one.
    if (this.alert && rank[alert.severity] > rank[this.alert.severity]) return;
    this.alert = { id: alert.id, severity: alert.severity };
    this.mode = 'preempted';
    this.go(alert.view);
    this.hold(this.opts.preemptHoldMs, () => this.release());
  }

  private release(): void {
    if (this.mode !== 'preempted') return;
    this.alert = null;
    this.mode = 'rotating';
    this.show(this.index);
  }

  private advance(): void {
    this.mode = 'rotating';
    this.show(this.index + 1);
  }

  private show(i: number): void {
    const list = this.opts.playlist;
    if (list.length === 0) return;
    this.index = ((i % list.length) + list.length) % list.length;
    const item = list[this.index]!;
    this.mode = 'rotating';
    this.go(item.route);
    this.hold(item.dwellSec * 1000, () => this.advance());
  }

  private go(route: string): void {
    this.route = route;
    this.opts.navigate(route);
  }

  private hold(ms: number, then: () => void): void {
    this.clear();
    this.until = this.now() + ms;
    this.timer = setTimeout(() => {
      this.timer = null;
      then();
    }, ms);
    this.opts.onChange?.(this.state);
  }

  private clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
