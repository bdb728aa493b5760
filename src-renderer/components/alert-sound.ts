/**
 * When an alert makes a sound, free of Vue and of the DOM so it can be tested with fake
 * timers: per-severity switch, volume, mute, quiet hours, and critical alerts repeating
 * until they are acknowledged. The player (an <audio> element in the app) is injected.
 */
import type { Alert, AlertSettings } from '../../src-main/contract/alerts';

export type SoundPolicy = Pick<AlertSettings, 'sound' | 'volume' | 'soundSeverities' | 'repeatCritical' | 'repeatEverySec' | 'quietHours'>;

const minutes = (hhmm: string) => {
  const [h, m] = hhmm.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
};

/** Quiet hours may wrap midnight (22:00 → 07:00). */
export function inQuietHours(at: Date, quiet: SoundPolicy['quietHours']): boolean {
  if (!quiet.enabled) return false;
  const now = at.getHours() * 60 + at.getMinutes();
  const start = minutes(quiet.start);
  const end = minutes(quiet.end);
  if (start === end) return false;
  return start < end ? now >= start && now < end : now >= start || now < end;
}

export const bundledSrc = (severity: Alert['severity']) => `resources/sounds/${severity}.wav`;

/** What to play for an alert, or null to stay silent (with the reason, for the UI). */
export function soundFor(alert: Alert, policy: SoundPolicy, at: Date, mutedUntil: number | null): { src: string } | { silent: 'off' | 'muted' | 'severity' | 'quiet' | 'closed' } {
  if (alert.state !== 'active') return { silent: 'closed' };
  if (!policy.sound) return { silent: 'off' };
  if (mutedUntil !== null && mutedUntil > at.getTime()) return { silent: 'muted' };
  if (!policy.soundSeverities.includes(alert.severity)) return { silent: 'severity' };
  if (inQuietHours(at, policy.quietHours) && !policy.quietHours.allow.includes(alert.severity)) return { silent: 'quiet' };
  return { src: alert.sound?.src ?? bundledSrc(alert.severity) };
}

export interface SoundSchedulerOptions {
  policy(): SoundPolicy;
  mutedUntil(): number | null;
  play(src: string, volume: number): void;
  now?: () => number;
  /** How long to wait for main to resolve an upstream soundUrl before using the bundled sound. */
  resolveWaitMs?: number;
}

/**
 * Plays each new alert once (when its sound is known), repeats active critical alerts every
 * `repeatEverySec` while unacknowledged, and stops the moment they are acknowledged.
 */
export class SoundScheduler {
  private readonly played = new Set<string>();
  private readonly repeaters = new Map<string, ReturnType<typeof setInterval>>();
  private readonly waiting = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly latest = new Map<string, Alert>();

  constructor(private readonly options: SoundSchedulerOptions) {}

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  /** Alerts that existed before this page loaded do not all start ringing at once. */
  prime(alerts: Alert[]): void {
    for (const a of alerts) {
      this.played.add(a.id);
      this.latest.set(a.id, a);
      this.ensureRepeat(a);
    }
  }

  changed(alert: Alert): void {
    this.latest.set(alert.id, alert);
    if (alert.state !== 'active') return this.forget(alert.id);
    if (this.played.has(alert.id)) return this.ensureRepeat(alert);
    // An upstream soundUrl is being resolved by main: wait for it, but not for ever.
    if (alert.soundUrl && !alert.sound) {
      if (!this.waiting.has(alert.id)) {
        this.waiting.set(
          alert.id,
          setTimeout(() => {
            this.waiting.delete(alert.id);
            const current = this.latest.get(alert.id);
            if (current && !this.played.has(alert.id)) this.first(current);
          }, this.options.resolveWaitMs ?? 6_000),
        );
      }
      return;
    }
    this.first(alert);
  }

  /** Stop every repeat (acknowledge all, page leaving). */
  dispose(): void {
    for (const id of [...this.repeaters.keys(), ...this.waiting.keys()]) this.forget(id);
  }

  get repeating(): string[] {
    return [...this.repeaters.keys()];
  }

  private first(alert: Alert): void {
    const w = this.waiting.get(alert.id);
    if (w) clearTimeout(w);
    this.waiting.delete(alert.id);
    this.played.add(alert.id);
    this.ring(alert);
    this.ensureRepeat(alert);
  }

  private ring(alert: Alert): void {
    const policy = this.options.policy();
    const choice = soundFor(alert, policy, new Date(this.now()), this.options.mutedUntil());
    if ('src' in choice) this.options.play(choice.src, policy.volume);
  }

  private ensureRepeat(alert: Alert): void {
    const policy = this.options.policy();
    const wanted = alert.state === 'active' && alert.severity === 'critical' && policy.repeatCritical;
    if (!wanted) return this.stopRepeat(alert.id);
    if (this.repeaters.has(alert.id)) return;
    this.repeaters.set(
      alert.id,
      setInterval(() => {
        const current = this.latest.get(alert.id);
        if (!current || current.state !== 'active' || !this.options.policy().repeatCritical) return this.stopRepeat(alert.id);
        this.ring(current);
      }, policy.repeatEverySec * 1000),
    );
  }

  private stopRepeat(id: string): void {
    const t = this.repeaters.get(id);
    if (t) clearInterval(t);
    this.repeaters.delete(id);
  }

  private forget(id: string): void {
    this.stopRepeat(id);
    const w = this.waiting.get(id);
    if (w) clearTimeout(w);
    this.waiting.delete(id);
  }
}
