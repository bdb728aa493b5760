import { randomUUID } from 'node:crypto';
import type { Alert, SoundChoice } from '../contract/alerts';
import type { EventIds, Severity } from '../contract';
import { CommandError } from './commands';
import type { Hub } from './hub';
import type { Journal } from './journal';
import type { Storage } from './storage';
import type { ModuleFactory } from './context';
import { httpOrigin, SoundCache, type SoundOrigins } from './sounds';
import { DisposableStore } from './disposable';

export interface RaiseAlert {
  source: Alert['source'];
  severity: Severity;
  /** Dedupe key, e.g. `rpaLogs:job-error:abc-123`. */
  key: string;
  title: string;
  /** The title as a message key with parameters, when the console wrote it (see contract). */
  text?: Alert['text'];
  detail?: string;
  /** The detail as a message key, when the console wrote it. */
  detailText?: Alert['detailText'];
  ids?: EventIds;
  view?: string;
  soundUrl?: string;
}

const rank: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };
export const bySeverity = (a: Alert, b: Alert) => rank[a.severity] - rank[b.severity] || b.lastAt - a.lastAt;

/**
 * One alert center for every source: dedupe by key, acknowledge, snooze, mute, history on
 * disk. Connectors call `raise()`; the renderer, kiosks and webhooks follow `alerts.changed`.
 */
export class AlertCenter {
  private readonly active = new Map<string, Alert>();
  private mutedUntil: number | null = null;
  private timer: NodeJS.Timeout | null = null;
  private sounds: ((alert: Alert) => Promise<SoundChoice>) | null = null;

  constructor(
    private readonly hub: Hub,
    private readonly storage: Storage,
    private readonly journal: Journal,
  ) {
    storage.migrate('alerts', [
      `CREATE TABLE alerts (id TEXT PRIMARY KEY, key TEXT NOT NULL, state TEXT NOT NULL, severity TEXT NOT NULL,
         raised_at INTEGER NOT NULL, last_at INTEGER NOT NULL, body TEXT NOT NULL);
       CREATE INDEX alerts_key_state ON alerts(key, state);
       CREATE INDEX alerts_last ON alerts(last_at);`,
    ]);
    const rows = storage.db.prepare("SELECT body FROM alerts WHERE state IN ('active', 'snoozed')").all() as Array<{ body: string }>;
    for (const row of rows) {
      const alert = JSON.parse(row.body) as Alert;
      this.active.set(alert.key, alert);
    }
    this.mutedUntil = storage.getJson<number | null>('alerts.mutedUntil') ?? null;
    this.timer = setInterval(() => this.wakeSnoozed(), 15_000);
    this.timer.unref();
  }

  raise(input: RaiseAlert): Alert {
    const now = Date.now();
    const existing = this.active.get(input.key);
    let alert: Alert;
    if (existing) {
      alert = {
        ...existing,
        count: existing.count + 1,
        lastAt: now,
        title: input.title,
        ...(input.text ? { text: input.text } : {}),
        detail: input.detail ?? existing.detail,
        ...(input.detailText ? { detailText: input.detailText } : {}),
        // A repeat of a more severe kind escalates.
        severity: rank[input.severity] < rank[existing.severity] ? input.severity : existing.severity,
      };
    } else {
      alert = {
        id: randomUUID(),
        key: input.key,
        source: input.source,
        severity: input.severity,
        title: input.title,
        ...(input.text ? { text: input.text } : {}),
        detail: input.detail ?? '',
        ...(input.detailText ? { detailText: input.detailText } : {}),
        ids: input.ids ?? {},
        ...(input.view ? { view: input.view } : {}),
        ...(input.soundUrl ? { soundUrl: input.soundUrl } : {}),
        raisedAt: now,
        lastAt: now,
        count: 1,
        state: 'active',
        acknowledgedAt: null,
        acknowledgedBy: null,
        snoozedUntil: null,
      };
      this.journal.record({ upstream: input.source, type: 'alert.raised', level: rank[input.severity] <= 1 ? 'error' : 'warn', ids: alert.ids, summary: `${input.severity.toUpperCase()}: ${input.title}`, raw: alert });
    }
    this.save(alert);
    if (!existing && alert.soundUrl && this.sounds) {
      const { id, soundUrl } = alert;
      void this.sounds(alert).then((sound) => this.setSound(id, sound, soundUrl));
    }
    return alert;
  }

  /** Main resolves upstream `soundUrl`s (fetch, validate, cache) once this is set. */
  useSounds(choose: (alert: Alert) => Promise<SoundChoice>): void {
    this.sounds = choose;
  }

  /** Attach the resolved sound to an alert (the renderer plays it when it arrives). */
  setSound(id: string, sound: SoundChoice, url?: string): void {
    let alert: Alert;
    try {
      alert = this.find(id);
    } catch {
      return;
    }
    if (sound.bundled && sound.reason) {
      this.journal.record({ upstream: alert.source, type: 'alert.sound-fallback', level: 'warn', ids: alert.ids, summary: `sound ${url ?? alert.soundUrl ?? ''} not used (${sound.reason}); bundled ${alert.severity} sound instead`, raw: { id, url, reason: sound.reason } });
    }
    this.save({ ...alert, sound });
  }

  acknowledgeAll(by = 'operator'): number {
    const open = [...this.active.values()];
    for (const alert of open) this.acknowledge(alert.id, by);
    return open.length;
  }

  get mutedUntilValue(): number | null {
    return this.muted ? this.mutedUntil : null;
  }

  /** The condition is over (instance back online, upstream reconnected). */
  resolve(key: string): void {
    const alert = this.active.get(key);
    if (alert) this.save({ ...alert, state: 'resolved', lastAt: Date.now() });
  }

  acknowledge(id: string, by = 'operator'): Alert {
    const alert = this.find(id);
    const next: Alert = { ...alert, state: 'acknowledged', acknowledgedAt: Date.now(), acknowledgedBy: by };
    this.journal.record({ upstream: alert.source, type: 'alert.acknowledged', level: 'info', ids: alert.ids, summary: `acknowledged: ${alert.title}`, raw: { id, by } });
    this.save(next);
    return next;
  }

  snooze(id: string, minutes: number): Alert {
    const next: Alert = { ...this.find(id), state: 'snoozed', snoozedUntil: Date.now() + minutes * 60_000 };
    this.save(next);
    return next;
  }

  mute(minutes: number): { mutedUntil: number | null } {
    this.mutedUntil = minutes > 0 ? Date.now() + minutes * 60_000 : null;
    this.storage.putJson('alerts.mutedUntil', this.mutedUntil);
    this.hub.publish('alerts.mute', { mutedUntil: this.mutedUntil });
    return { mutedUntil: this.mutedUntil };
  }

  get muted(): boolean {
    return this.mutedUntil !== null && this.mutedUntil > Date.now();
  }

  list(includeClosed: boolean, limit: number): Alert[] {
    if (!includeClosed) return [...this.active.values()].sort(bySeverity).slice(0, limit);
    const rows = this.storage.db.prepare('SELECT body FROM alerts ORDER BY last_at DESC LIMIT ?').all(limit) as Array<{ body: string }>;
    return rows.map((r) => JSON.parse(r.body) as Alert);
  }

  /** Remove closed alerts older than `cutoff` (retention). */
  purgeOlderThan(cutoff: number): number {
    return Number(this.storage.db.prepare("DELETE FROM alerts WHERE last_at < ? AND state IN ('acknowledged', 'resolved')").run(cutoff).changes);
  }

  dispose(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private find(id: string): Alert {
    for (const alert of this.active.values()) if (alert.id === id) return alert;
    const row = this.storage.db.prepare('SELECT body FROM alerts WHERE id = ?').get(id) as { body: string } | undefined;
    if (!row) throw new CommandError('invalid-argument', `no alert ${id}`);
    return JSON.parse(row.body) as Alert;
  }

  private save(alert: Alert): void {
    if (alert.state === 'active' || alert.state === 'snoozed') this.active.set(alert.key, alert);
    else if (this.active.get(alert.key)?.id === alert.id) this.active.delete(alert.key);
    this.storage.run(
      'INSERT INTO alerts (id, key, state, severity, raised_at, last_at, body) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET state = excluded.state, severity = excluded.severity, last_at = excluded.last_at, body = excluded.body',
      alert.id, alert.key, alert.state, alert.severity, alert.raisedAt, alert.lastAt, JSON.stringify(alert),
    );
    this.hub.publish('alerts.changed', alert);
  }

  private wakeSnoozed(): void {
    const now = Date.now();
    for (const alert of this.active.values()) {
      if (alert.state === 'snoozed' && (alert.snoozedUntil ?? 0) <= now) this.save({ ...alert, state: 'active', snoozedUntil: null, lastAt: now });
    }
  }
}

/**
 * The alert center's own commands beyond the basics (sound resolution, test alerts, mute
 * state, retention). Registered as a module so it can use the data folder.
 */
export const alertsModule: ModuleFactory = (ctx) => {
  // Relative URLs typed in the test panel are the dashboard's, as the seed's consumer sends them.
  const cache = new SoundCache({ dir: `${ctx.dataDir}/media/sounds`, base: () => ctx.effective().upstreams.dashboard.url || undefined });
  /** The origin of a configured upstream (settings, or the demo simulator's). */
  const originOf = (id: string): string[] => {
    const url = (ctx.effective().upstreams as Record<string, { url?: string } | undefined>)[id]?.url;
    const origin = url ? httpOrigin(url) : null;
    return origin ? [origin] : [];
  };
  const allUpstreamOrigins = () => Object.keys(ctx.effective().upstreams).flatMap(originOf);
  /**
   * An upstream's alert sound comes from that upstream's origin only; the console's own alerts
   * carry a URL an admin typed (`alerts.test` is privileged).
   */
  const originsFor = (alert: Alert): SoundOrigins => (alert.source === 'console' ? 'any' : originOf(alert.source));
  const retention = () => ctx.alerts.purgeOlderThan(Date.now() - ctx.settings.get().alerts.historyDays * 86_400_000);
  const owned = new DisposableStore();
  const commands = ctx.commands.ownedBy(owned);
  return {
    name: 'alerts',
    start() {
      ctx.alerts.useSounds((alert) => cache.choose(alert.soundUrl, alert.severity, originsFor(alert)));
      commands.handle('alerts.state', () => ({ mutedUntil: ctx.alerts.mutedUntilValue }));
      commands.handle('alerts.acknowledgeAll', ({ by }) => ({ count: ctx.alerts.acknowledgeAll(by) }));
      // Anyone may try a configured upstream's sound; only an admin any URL, and only an admin
      // learns why a fetch failed (the reason would tell which hosts and ports answer).
      commands.handle('alerts.resolveSound', async ({ url, severity }, caller) => {
        const admin = ctx.commands.isAdmin(caller);
        const choice = await cache.choose(url || undefined, severity, admin ? 'any' : allUpstreamOrigins());
        return admin || !choice.reason ? choice : { ...choice, reason: 'unavailable' };
      });
      commands.handle('alerts.test', ({ severity, title, soundUrl, view }) =>
        ctx.alerts.raise({ source: 'console', severity, key: `console:test:${Date.now()}`, title, detail: 'test panel', ...(soundUrl ? { soundUrl } : {}), ...(view ? { view } : {}) }),
      );
      retention();
      owned.interval(6 * 3_600_000, retention);
    },
    stop() {
      owned.dispose();
    },
  };
};
