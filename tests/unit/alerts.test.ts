import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Alert } from '../../src-main/contract/alerts';
import { AlertCenter } from '../../src-main/core/alerts';
import { Hub } from '../../src-main/core/hub';
import { Journal } from '../../src-main/core/journal';
import { Storage } from '../../src-main/core/storage';
import { SoundScheduler, inQuietHours, soundFor, type SoundPolicy } from '../../src-renderer/components/alert-sound';

const open: Array<{ storage: Storage; center: AlertCenter; journal: Journal }> = [];
function center(path = join(mkdtempSync(join(tmpdir(), 'alerts-')), 'db')) {
  const hub = new Hub();
  const storage = Storage.open(path);
  const journal = new Journal(hub, storage);
  const c = new AlertCenter(hub, storage, journal);
  const events: Alert[] = [];
  hub.on('alerts.changed', (a) => events.push(a));
  open.push({ storage, center: c, journal });
  return { c, events, path, journal, close: () => (c.dispose(), journal.flush(), storage.close()) };
}
afterEach(() => {
  for (const o of open.splice(0)) {
    o.center.dispose();
    if (o.storage.db.isOpen) {
      o.journal.flush();
      o.storage.close();
    }
  }
});

describe('alert center', () => {
  it('dedupes by key, escalates severity, acknowledges with time and who, and keeps history on disk', () => {
    const a = center();
    const first = a.c.raise({ source: 'dashboard', severity: 'medium', key: 'k1', title: 'Disco', ids: { ticket: '1' }, view: '/wallboard/tickets' });
    a.c.raise({ source: 'dashboard', severity: 'critical', key: 'k1', title: 'Disco cheio' });
    const list = a.c.list(false, 10);
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ id: first.id, count: 2, severity: 'critical', title: 'Disco cheio', view: '/wallboard/tickets' });
    const acked = a.c.acknowledge(first.id, 'Ana');
    expect(acked).toMatchObject({ state: 'acknowledged', acknowledgedBy: 'Ana', acknowledgedAt: expect.any(Number) });
    expect(a.c.list(false, 10)).toHaveLength(0);
    // After acknowledgement the same key is a new alert.
    const again = a.c.raise({ source: 'dashboard', severity: 'high', key: 'k1', title: 'De novo' });
    expect(again.id).not.toBe(first.id);
    a.close();
    const b = center(a.path);
    expect(b.c.list(false, 10).map((x) => x.id)).toEqual([again.id]);
    expect(b.c.list(true, 10).map((x) => x.state).sort()).toEqual(['acknowledged', 'active']);
  });

  it('acknowledges everything at once, attaches resolved sounds and mutes for a period', () => {
    const a = center();
    const x = a.c.raise({ source: 'console', severity: 'low', key: 'a', title: 'A' });
    a.c.raise({ source: 'console', severity: 'low', key: 'b', title: 'B' });
    a.c.setSound(x.id, { src: 'media/sounds/abc.wav', bundled: false });
    expect(a.events.at(-1)).toMatchObject({ id: x.id, sound: { src: 'media/sounds/abc.wav' } });
    expect(a.c.acknowledgeAll('op')).toBe(2);
    expect(a.c.list(false, 10)).toEqual([]);
    expect(a.c.mute(10).mutedUntil).toBeGreaterThan(Date.now());
    expect(a.c.muted).toBe(true);
    expect(a.c.mute(0).mutedUntil).toBeNull();
  });

  it('snoozed alerts come back when the snooze ends', () => {
    vi.useFakeTimers();
    try {
      const a = center();
      const x = a.c.raise({ source: 'console', severity: 'high', key: 's', title: 'S' });
      a.c.snooze(x.id, 1);
      expect(a.events.at(-1)!.state).toBe('snoozed');
      vi.advanceTimersByTime(75_000);
      expect(a.events.at(-1)).toMatchObject({ id: x.id, state: 'active', snoozedUntil: null });
    } finally {
      vi.useRealTimers();
    }
  });
});

const policy = (over: Partial<SoundPolicy> = {}): SoundPolicy => ({
  sound: true,
  volume: 0.5,
  soundSeverities: ['critical', 'high', 'medium', 'low'],
  repeatCritical: true,
  repeatEverySec: 20,
  quietHours: { enabled: false, start: '22:00', end: '07:00', allow: ['critical'] },
  ...over,
});
const alert = (over: Partial<Alert> = {}): Alert => ({
  id: 'a', key: 'k', source: 'dashboard', severity: 'critical', title: 't', detail: '', ids: {}, raisedAt: 0, lastAt: 0, count: 1,
  state: 'active', acknowledgedAt: null, acknowledgedBy: null, snoozedUntil: null, ...over,
});

describe('alert sound policy', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('quiet hours wrap midnight and only let the allowed severities sound', () => {
    const q = { enabled: true, start: '22:00', end: '07:00', allow: ['critical' as const] };
    expect(inQuietHours(new Date(2025, 0, 1, 23, 30), q)).toBe(true);
    expect(inQuietHours(new Date(2025, 0, 1, 6, 59), q)).toBe(true);
    expect(inQuietHours(new Date(2025, 0, 1, 7, 0), q)).toBe(false);
    const night = new Date(2025, 0, 1, 23, 0);
    expect(soundFor(alert({ severity: 'high' }), policy({ quietHours: q }), night, null)).toEqual({ silent: 'quiet' });
    expect(soundFor(alert(), policy({ quietHours: q }), night, null)).toEqual({ src: 'resources/sounds/critical.wav' });
    expect(soundFor(alert(), policy(), night, night.getTime() + 1000)).toEqual({ silent: 'muted' });
    expect(soundFor(alert({ severity: 'info' }), policy(), night, null)).toEqual({ silent: 'severity' });
    expect(soundFor(alert({ sound: { src: 'media/sounds/x.mp3', bundled: false } }), policy(), night, null)).toEqual({ src: 'media/sounds/x.mp3' });
  });

  it('a critical alert repeats until acknowledged; others sound once', () => {
    const played: string[] = [];
    const s = new SoundScheduler({ policy: () => policy(), mutedUntil: () => null, play: (src) => played.push(src) });
    s.changed(alert({ id: 'h', severity: 'high' }));
    s.changed(alert({ id: 'c' }));
    expect(played).toEqual(['resources/sounds/high.wav', 'resources/sounds/critical.wav']);
    s.changed(alert({ id: 'h', severity: 'high', count: 2 })); // a repeat of the same alert: no new sound
    vi.advanceTimersByTime(60_000);
    expect(played.filter((p) => p.includes('critical'))).toHaveLength(4);
    expect(played.filter((p) => p.includes('high'))).toHaveLength(1);
    s.changed(alert({ id: 'c', state: 'acknowledged' }));
    vi.advanceTimersByTime(120_000);
    expect(played.filter((p) => p.includes('critical'))).toHaveLength(4);
    expect(s.repeating).toEqual([]);
  });

  it('waits for main to resolve an upstream soundUrl, falling back after a while', () => {
    const played: string[] = [];
    const s = new SoundScheduler({ policy: () => policy({ repeatCritical: false }), mutedUntil: () => null, play: (src) => played.push(src), resolveWaitMs: 5_000 });
    s.changed(alert({ id: 'u', soundUrl: 'http://x/y.mp3' }));
    expect(played).toEqual([]);
    s.changed(alert({ id: 'u', soundUrl: 'http://x/y.mp3', sound: { src: 'media/sounds/y.mp3', bundled: false } }));
    expect(played).toEqual(['media/sounds/y.mp3']);
    s.changed(alert({ id: 'v', soundUrl: 'http://x/slow.mp3' }));
    vi.advanceTimersByTime(5_000);
    expect(played.at(-1)).toBe('resources/sounds/critical.wav');
  });

  it('alerts already open when the page loads do not ring again, but keep repeating if critical', () => {
    const played: string[] = [];
    const s = new SoundScheduler({ policy: () => policy(), mutedUntil: () => null, play: (src) => played.push(src) });
    s.prime([alert({ id: 'old' }), alert({ id: 'old2', severity: 'low' })]);
    expect(played).toEqual([]);
    vi.advanceTimersByTime(20_000);
    expect(played).toEqual(['resources/sounds/critical.wav']);
    s.dispose();
  });
});
