import { mkdtempSync, readFileSync, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createAdminModule } from '../../src-main/admin';
import { createCore } from '../../src-main/core/app-core';
import { autostartPlan, desktopExecArg, hashPin, kioskExitByAdminPin, kioskModule, verifyPin, writeXdgAutostart } from '../../src-main/core/kiosk';
import { KeyFileCipher } from '../../src-main/secrets/cipher';
import { KioskScreens, type KioskDisplay, type KioskPlatform } from '../../src-main/core/kiosk-screens';
import { RendererWatchdog } from '../../src-main/core/renderer-watchdog';
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

  it('starts at login through login items on Windows and macOS, an XDG entry on Linux (the AppImage file when packaged as one)', () => {
    const env = { packaged: true, execPath: '/tmp/.mount_ops/ops-console', appPath: '/tmp/.mount_ops/resources/app.asar' };
    expect(autostartPlan({ ...env, platform: 'win32' }, true)).toEqual({ kind: 'login-item', openAtLogin: true, args: ['--kiosk'] });
    expect(autostartPlan({ ...env, platform: 'darwin' }, false)).toEqual({ kind: 'login-item', openAtLogin: false, args: ['--kiosk'] });
    expect(autostartPlan({ ...env, platform: 'linux', appImage: '/home/noc/Ops Console.AppImage' }, true)).toEqual({ kind: 'xdg', enabled: true, exec: ['/home/noc/Ops Console.AppImage', '--kiosk'] });
    expect(autostartPlan({ ...env, platform: 'linux' }, true)).toMatchObject({ exec: ['/tmp/.mount_ops/ops-console', '--kiosk'] });
    expect(autostartPlan({ platform: 'linux', packaged: false, execPath: '/repo/node_modules/electron/dist/electron', appPath: '/repo' }, true)).toMatchObject({ exec: ['/repo/node_modules/electron/dist/electron', '/repo', '--kiosk'] });
  });
});

/** A fake desktop: displays that can change, windows and the power blocker recorded. */
function fakeDesktop(initial: KioskDisplay[]) {
  let displays = initial;
  let listener: (() => void) | null = null;
  const open = new Set<string>();
  const log: string[] = [];
  let awake = 0;
  const platform: KioskPlatform = {
    displays: () => displays,
    onDisplaysChanged: (l) => ((listener = l), () => (listener = null)),
    keepAwake: () => (awake++, () => awake--),
    openWindow: (display, route) => {
      const key = `${display.id}@${display.bounds.x}:${route}`;
      open.add(key);
      log.push(`open ${key}`);
      return { close: () => open.delete(key) };
    },
  };
  return {
    platform,
    open: () => [...open].sort(),
    log,
    awake: () => awake,
    change(next: KioskDisplay[]) {
      displays = next;
      listener?.();
    },
    subscribed: () => listener !== null,
  };
}
const screenAt = (id: number, x: number): KioskDisplay => ({ id, bounds: { x, y: 0, width: 1920, height: 1080 } });

describe('kiosk screens (one window per display)', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('opens one kiosk window per display with its own playlist, and keeps the screen awake until stopped', () => {
    const desk = fakeDesktop([screenAt(1, 0), screenAt(2, 1920)]);
    const screens = new KioskScreens(desk.platform);
    screens.start();
    expect(desk.open()).toEqual(['1@0:/kiosk?display=0', '2@1920:/kiosk?display=1']);
    expect(desk.awake()).toBe(1);
    screens.start(); // idempotent
    expect(desk.awake()).toBe(1);
    screens.stop();
    expect(desk.open()).toEqual([]);
    expect(desk.awake()).toBe(0);
    expect(desk.subscribed()).toBe(false);
  });

  it('re-lays out once after a burst of display changes (docking), not per event', () => {
    const desk = fakeDesktop([screenAt(1, 0)]);
    const screens = new KioskScreens(desk.platform, 1_500);
    screens.start();
    desk.change([screenAt(1, 0), screenAt(3, 1920)]);
    vi.advanceTimersByTime(1_000);
    desk.change([screenAt(1, 0), screenAt(3, 1920), screenAt(4, 3840)]);
    vi.advanceTimersByTime(1_499);
    expect(desk.open()).toEqual(['1@0:/kiosk?display=0']);
    vi.advanceTimersByTime(1);
    expect(desk.open()).toEqual(['1@0:/kiosk?display=0', '3@1920:/kiosk?display=1', '4@3840:/kiosk?display=2']);
    expect(desk.log).toHaveLength(4);
    desk.change([screenAt(4, 0)]);
    vi.advanceTimersByTime(1_500);
    expect(desk.open()).toEqual(['4@0:/kiosk?display=0']);
    screens.stop();
    desk.change([screenAt(1, 0)]);
    vi.advanceTimersByTime(5_000);
    expect(desk.open()).toEqual([]);
  });
});

describe('renderer watchdog (crash or hang → reload)', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());
  const target = () => {
    const calls: string[] = [];
    let destroyed = false;
    return { calls, destroy: () => (destroyed = true), t: { reload: () => calls.push('reload'), crash: () => calls.push('crash'), isDestroyed: () => destroyed, log: () => undefined } };
  };

  it('reloads a renderer that died, after a second', () => {
    const { calls, t } = target();
    const dog = new RendererWatchdog(t);
    dog.gone('crashed');
    dog.gone('crashed'); // the same death reported twice: one reload
    vi.advanceTimersByTime(999);
    expect(calls).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(calls).toEqual(['reload']);
  });

  it('crashes a renderer that stays hung, which then reloads; a renderer that recovers is left alone', () => {
    const { calls, t } = target();
    const dog = new RendererWatchdog(t, { hangMs: 10_000 });
    dog.unresponsive();
    vi.advanceTimersByTime(9_000);
    dog.responsive();
    vi.advanceTimersByTime(60_000);
    expect(calls).toEqual([]);
    dog.unresponsive();
    dog.unresponsive();
    vi.advanceTimersByTime(10_000);
    expect(calls).toEqual(['crash']);
    dog.gone('killed');
    vi.advanceTimersByTime(1_000);
    expect(calls).toEqual(['crash', 'reload']);
    expect(dog.counts).toEqual({ gone: 1, hangs: 1, reloads: 1 });
  });

  it('backs off when the page keeps crashing on load, and resets once it stays up', () => {
    const { calls, t } = target();
    let now = 0;
    const dog = new RendererWatchdog(t, { firstReloadMs: 1_000, maxReloadMs: 8_000, stableMs: 120_000, now: () => now });
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) {
      dog.gone('crashed');
      let waited = 0;
      while (calls.length === i) {
        vi.advanceTimersByTime(500);
        waited += 500;
        now += 500;
      }
      delays.push(waited);
    }
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000, 8_000, 8_000]);
    now += 120_001; // up for two minutes
    dog.gone('crashed');
    vi.advanceTimersByTime(1_000);
    expect(calls).toHaveLength(7);
  });

  it('does nothing to a closed window', () => {
    const { calls, t, destroy } = target();
    const dog = new RendererWatchdog(t);
    dog.gone('crashed');
    dog.unresponsive();
    destroy();
    vi.advanceTimersByTime(60_000);
    expect(calls).toEqual([]);
  });
});

describe('leaving kiosk mode (issue 12, item 13)', () => {
  const caller = { host: 'web' as const, trusted: true, session: 'wall' };
  const boot = async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ops-kiosk-exit-'));
    const core = await createCore({ host: 'web', version: 'test', dataDir, cipher: new KeyFileCipher(join(dataDir, 'k')), demo: false, modules: [createAdminModule({ pinPolicy: { freeAttempts: 3, lockoutMs: 30_000, maxLockoutMs: 120_000, poolFreeAttempts: 8, cost: 1_024 } }), kioskModule] });
    const exited: number[] = [];
    core.hub.on('kiosk.exited', (e) => exited.push(e.at));
    return { core, exited, exit: (pin: string) => core.commands.dispatch('kiosk.exit', { pin }, caller) };
  };

  it('with no PIN at all is refused as pin-required (the first PIN is set first), then takes the admin PIN', async () => {
    const { core, exited, exit } = await boot();
    try {
      expect(await exit('')).toEqual({ ok: true, value: { ok: false, reason: 'pin-required' } });
      expect(exited).toEqual([]);
      expect((await core.commands.dispatch('admin.setPin', { pin: '2580' }, caller)).ok).toBe(true);
      expect(await exit('1111')).toEqual({ ok: true, value: { ok: false, reason: 'wrong-pin' } });
      expect(await exit('2580')).toEqual({ ok: true, value: { ok: true } });
      expect(exited).toHaveLength(1);
    } finally {
      await core.close();
    }
  });

  it('decides from the admin PIN check; anything but ok keeps the wall', () => {
    expect(kioskExitByAdminPin('ok')).toBe('exit');
    expect(kioskExitByAdminPin('wrong-pin')).toBe('wrong-pin');
    expect(kioskExitByAdminPin('locked-out')).toBe('locked-out');
    expect(kioskExitByAdminPin('no-pin')).toBe('pin-required');
    expect(kioskExitByAdminPin(undefined)).toBe('pin-required');
  });
});
