import { mkdtempSync, readFileSync, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { desktopExecArg, hashPin, verifyPin, writeXdgAutostart } from '../../src-main/core/kiosk';
import { Rotation, routeForTarget, type RotationOptions } from '../../src-renderer/views/wallboard/rotation';

const playlist = [
  { route: '/wallboard', dwellSec: 30 },
  { route: '/wallboard/tickets', dwellSec: 45 },
  { route: '/wallboard/projects', dwellSec: 20 },
];

function rotation(extra: Partial<RotationOptions> = {}) {
  const shown: string[] = [];
  const r = new Rotation({ playlist, idleResumeMs: 60_000, preemptHoldMs: 120_000, remoteHoldMs: 60_000, preemptSeverities: ['critical', 'high'], navigate: (route) => shown.push(route), ...extra });
  return { r, shown, last: () => shown.at(-1) };
}
const alert = (id: string, severity: 'critical' | 'high' | 'medium', view = '/wallboard/tickets', state = 'active') => ({ id, severity, state, view });

describe('kiosk rotation', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('rotates through the playlist with each item’s dwell time, wrapping around', () => {
    const { r, shown } = rotation();
    r.start();
    expect(shown).toEqual(['/wallboard']);
    vi.advanceTimersByTime(29_999);
    expect(shown.length).toBe(1);
    vi.advanceTimersByTime(1);
    expect(shown.at(-1)).toBe('/wallboard/tickets');
    vi.advanceTimersByTime(45_000);
    expect(shown.at(-1)).toBe('/wallboard/projects');
    vi.advanceTimersByTime(20_000);
    expect(shown).toEqual(['/wallboard', '/wallboard/tickets', '/wallboard/projects', '/wallboard']);
    r.stop();
  });

  it('pauses while someone interacts and resumes after the idle time', () => {
    const { r, shown } = rotation();
    r.start();
    vi.advanceTimersByTime(20_000);
    r.interact();
    expect(r.state.mode).toBe('paused');
    vi.advanceTimersByTime(50_000);
    r.interact(); // still touching: the pause is extended
    vi.advanceTimersByTime(59_000);
    expect(shown).toEqual(['/wallboard']);
    vi.advanceTimersByTime(1_000);
    expect(r.state.mode).toBe('rotating');
    expect(shown.at(-1)).toBe('/wallboard/tickets');
    r.stop();
  });

  it('honours a remote switch, holds it, then continues after that view', () => {
    const { r, shown, last } = rotation();
    r.start();
    r.remoteSwitch(routeForTarget('projects')!);
    expect(last()).toBe('/wallboard/projects');
    expect(r.state.mode).toBe('remote');
    vi.advanceTimersByTime(59_999);
    expect(last()).toBe('/wallboard/projects');
    vi.advanceTimersByTime(1);
    expect(last()).toBe('/wallboard'); // next after projects
    expect(shown.length).toBe(3);
    r.stop();
  });

  it('maps seed targets and routes, refusing anything else', () => {
    expect(routeForTarget('tickets')).toBe('/wallboard/tickets');
    expect(routeForTarget('Dashboard')).toBe('/wallboard');
    expect(routeForTarget('/logs')).toBe('/logs');
    expect(routeForTarget('/kiosk')).toBeNull();
    expect(routeForTarget('javascript:alert(1)')).toBeNull();
  });

  it('a new critical alert pre-empts to its view until acknowledged, then the rotation resumes where it was', () => {
    const { r, last } = rotation();
    r.start();
    vi.advanceTimersByTime(30_000); // now on tickets
    r.alertChanged(alert('a1', 'critical', '/wallboard'));
    expect(last()).toBe('/wallboard');
    expect(r.state).toMatchObject({ mode: 'preempted', alertId: 'a1' });
    r.interact(); // touching does not release an alert
    r.remoteSwitch('/wallboard/projects'); // nor does a remote switch
    vi.advanceTimersByTime(100_000);
    expect(last()).toBe('/wallboard');
    r.alertChanged({ ...alert('a1', 'critical', '/wallboard'), state: 'acknowledged' });
    expect(r.state.mode).toBe('rotating');
    expect(last()).toBe('/wallboard/tickets');
    // The same alert again (a repeat) does not pre-empt twice.
    r.alertChanged(alert('a1', 'critical', '/wallboard'));
    expect(r.state.mode).toBe('rotating');
    r.stop();
  });

  it('releases after the hold time, ignores medium alerts, and a lower severity does not steal the screen', () => {
    const { r, last } = rotation();
    r.start();
    r.alertChanged(alert('m', 'medium', '/wallboard/projects'));
    expect(r.state.mode).toBe('rotating');
    r.alertChanged(alert('c', 'critical', '/wallboard'));
    r.alertChanged(alert('h', 'high', '/wallboard/projects'));
    expect(r.state.alertId).toBe('c');
    expect(last()).toBe('/wallboard');
    vi.advanceTimersByTime(120_000);
    expect(r.state.mode).toBe('rotating');
    expect(last()).toBe('/wallboard');
    r.alertChanged(alert('h2', 'high', '/wallboard/projects'));
    expect(last()).toBe('/wallboard/projects');
    r.stop();
  });
});

describe('kiosk admin PIN and autostart', () => {
  it('hashes the PIN (never stored in clear) and verifies it', () => {
    const stored = hashPin('4321');
    expect(stored).not.toContain('4321');
    expect(verifyPin('4321', stored)).toBe(true);
    expect(verifyPin('1234', stored)).toBe(false);
    expect(verifyPin('', undefined)).toBe(true);
  });

  it('writes and removes an XDG autostart entry with a quoted Exec line', () => {
    const configHome = mkdtempSync(join(tmpdir(), 'xdg-'));
    const file = writeXdgAutostart({ enabled: true, exec: ['/opt/Ops Console/ops-console', '--kiosk'], configHome });
    expect(file).toBe(join(configHome, 'autostart', 'ops-console.desktop'));
    const text = readFileSync(file, 'utf8');
    expect(text).toMatch(/^\[Desktop Entry\]\nType=Application\n/);
    expect(text).toContain('Exec="/opt/Ops Console/ops-console" --kiosk\n');
    expect(text).toContain('X-GNOME-Autostart-enabled=true');
    expect(statSync(file).mode & 0o777).toBe(0o644);
    expect(desktopExecArg('100%')).toBe('"100%%"');
    writeXdgAutostart({ enabled: false, exec: [], configHome });
    expect(existsSync(file)).toBe(false);
  });
});
