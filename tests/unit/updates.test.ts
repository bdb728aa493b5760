import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createAdminModule } from '../../src-main/admin';
import { Settings, defaultSettings } from '../../src-main/contract/settings';
import type { UpdateBlocker, UpdateSettings, UpdateState } from '../../src-main/contract/updates';
import type { CallerContext } from '../../src-main/core/commands';
import { serveUpdateFolder } from '../../src-main/core/update-feed';
import { nextCheckAt, UpdateFailure, UpdatePolicy, updatesModule, type Updater } from '../../src-main/core/updates';
import { testCores } from './test-cores';

const at = (day: number, hh: number, mm: number) => new Date(2026, 11, day, hh, mm, 0, 0).getTime();

function fakeUpdater(found: string | null = '2.0.0') {
  const calls = { check: [] as string[], download: 0, install: 0 };
  let finishDownload: () => void = () => undefined;
  const updater: Updater = {
    async check(url) {
      calls.check.push(url);
      return found ? { version: found } : null;
    },
    download() {
      calls.download++;
      return new Promise<void>((resolve) => (finishDownload = resolve));
    },
    install() {
      calls.install++;
    },
  };
  return { updater, calls, finishDownload: () => finishDownload() };
}

function policy(updater: Updater, settings: Partial<UpdateSettings> = {}) {
  const current: UpdateSettings = { enabled: true, url: 'https://updates.noc.example/ops-console/', checkAt: '03:00', ...settings };
  const blockers: UpdateBlocker[] = [];
  const states: UpdateState[] = [];
  const p = new UpdatePolicy({ updater, settings: () => current, blockers: () => blockers, publish: (s) => states.push(s), note: () => undefined });
  return { p, current, blockers, states, last: () => states.at(-1)! };
}

const flush = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

describe('update policy (when to check, when to restart)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(at(3, 2, 0));
  });
  afterEach(() => vi.useRealTimers());

  it('the next check is today at HH:MM if still ahead, else tomorrow', () => {
    expect(nextCheckAt(at(3, 2, 0), '03:00')).toBe(at(3, 3, 0));
    expect(nextCheckAt(at(3, 3, 0), '03:00')).toBe(at(4, 3, 0));
    expect(nextCheckAt(at(3, 23, 59), '00:05')).toBe(at(4, 0, 5));
  });

  it('is off by default: no check ever, however long it runs', async () => {
    expect(defaultSettings().updates).toEqual({ enabled: false, url: '', checkAt: '03:00' });
    const { updater, calls } = fakeUpdater();
    const { p, last } = policy(updater, { enabled: false });
    p.start();
    await vi.advanceTimersByTimeAsync(3 * 24 * 3600_000);
    expect(calls.check).toEqual([]);
    expect(last()).toMatchObject({ applicable: true, enabled: false, status: 'idle' });
    p.stop();
  });

  it('checks once a day at the set hour', async () => {
    const { updater, calls } = fakeUpdater(null);
    const { p, last } = policy(updater, { checkAt: '03:00' });
    p.start();
    await vi.advanceTimersByTimeAsync(59 * 60_000 - 1);
    expect(calls.check).toEqual([]);
    await vi.advanceTimersByTimeAsync(60_000 + 1);
    expect(calls.check).toEqual(['https://updates.noc.example/ops-console/']);
    expect(last()).toMatchObject({ status: 'idle', lastCheck: at(3, 3, 0), nextCheck: at(4, 3, 0) });
    await vi.advanceTimersByTimeAsync(23 * 3600_000);
    expect(calls.check.length).toBe(1);
    await vi.advanceTimersByTimeAsync(3600_000);
    expect(calls.check.length).toBe(2);
    p.stop();
  });

  it('a new check hour applies at once', async () => {
    const { updater, calls } = fakeUpdater(null);
    const { p, current } = policy(updater, { checkAt: '03:00' });
    p.start();
    current.checkAt = '02:10';
    p.reschedule();
    await vi.advanceTimersByTimeAsync(11 * 60_000);
    expect(calls.check.length).toBe(1);
    p.stop();
  });

  it('downloads a found version in the background and shows it as pending', async () => {
    const { updater, calls, finishDownload } = fakeUpdater('2.0.0');
    const { p, states, last } = policy(updater);
    const checked = p.check();
    await flush();
    expect(last()).toMatchObject({ status: 'downloading', pendingVersion: '2.0.0' });
    expect(calls.download).toBe(1);
    finishDownload();
    await checked;
    expect(states.map((s) => s.status)).toEqual(['idle', 'checking', 'downloading', 'ready']);
    expect(calls.install).toBe(1); // nothing held it back
  });

  it('never restarts while a critical alert is active or an admin session is open; installs once both are clear', async () => {
    const { updater, calls, finishDownload } = fakeUpdater('2.0.0');
    const { p, blockers, last } = policy(updater);
    p.start();
    blockers.push('critical-alert', 'admin-session');
    const checked = p.check();
    await flush();
    finishDownload();
    await checked;
    expect(last()).toMatchObject({ status: 'ready', pendingVersion: '2.0.0', waitingFor: ['critical-alert', 'admin-session'] });
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(calls.install).toBe(0);
    blockers.splice(0, 1); // the alert is acknowledged; the admin is still in
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls.install).toBe(0);
    expect(last().waitingFor).toEqual(['admin-session']);
    blockers.splice(0); // the admin locks the settings
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls.install).toBe(1);
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(calls.install).toBe(1);
    // A ready update is not checked for again.
    expect(calls.check.length).toBe(1);
    p.stop();
  });

  it('turned off while an update waits: it does not install', async () => {
    const { updater, calls, finishDownload } = fakeUpdater('2.0.0');
    const { p, blockers, current } = policy(updater);
    p.start();
    blockers.push('admin-session');
    const checked = p.check();
    await flush();
    finishDownload();
    await checked;
    current.enabled = false;
    p.reschedule();
    blockers.splice(0);
    await vi.advanceTimersByTimeAsync(5 * 60_000);
    expect(calls.install).toBe(0);
    p.stop();
  });

  it('failures become error codes, and the next day checks again', async () => {
    const failing = (error: Error): Updater => ({ check: () => Promise.reject(error), download: () => Promise.resolve(), install: () => undefined });
    expect(await policy(failing(new UpdateFailure('bad-feed', 'latest-linux.yml: 404'))).p.check()).toMatchObject({ status: 'error', errorCode: 'bad-feed' });
    expect(await policy(failing(new Error('ECONNREFUSED'))).p.check()).toMatchObject({ status: 'error', errorCode: 'unreachable' });
    const downloadFails: Updater = { check: async () => ({ version: '2.0.0' }), download: () => Promise.reject(new Error('disk full')), install: () => undefined };
    const { p, last } = policy(downloadFails);
    expect(await p.check()).toMatchObject({ status: 'error', errorCode: 'download-failed' });
    expect(last().pendingVersion).toBeUndefined();
    const { updater, calls } = fakeUpdater(null);
    const again = policy({ ...updater, check: (url) => (calls.check.length === 0 ? (calls.check.push(url), Promise.reject(new Error('down'))) : updater.check(url)) });
    again.p.start();
    await vi.advanceTimersByTimeAsync(60 * 60_000);
    expect(again.last()).toMatchObject({ status: 'error', errorCode: 'unreachable' });
    await vi.advanceTimersByTimeAsync(24 * 3600_000);
    expect(again.last()).toMatchObject({ status: 'idle' });
    expect(again.last().errorCode).toBeUndefined();
    again.p.stop();
  });
});

describe('update settings', () => {
  const parse = (updates: object) => Settings.safeParse({ updates });
  it.each([
    [{ enabled: true, url: 'https://updates.noc.example/ops/' }, true],
    [{ enabled: true, url: 'file:///mnt/share/ops-console/' }, true],
    [{ enabled: true, url: '' }, false],
    [{ url: 'ftp://updates.noc.example/' }, false],
    [{ url: 'https://x.example/?a=1' }, false],
    [{ checkAt: '24:00' }, false],
    [{ checkAt: '3:00' }, false],
    [{ checkAt: '23:59' }, true],
  ])('%j valid: %s', (updates, valid) => {
    expect(parse(updates).success).toBe(valid);
  });
});

describe('updates module', () => {
  const { boot } = testCores('updates-');
  const desk: CallerContext = { host: 'electron', trusted: true, session: 'window-1' };
  const fastPins = { freeAttempts: 5, lockoutMs: 30_000, maxLockoutMs: 60_000, poolFreeAttempts: 20, cost: 2 ** 10 };
  const enabled = { ...defaultSettings(), updates: { enabled: true, url: 'https://updates.noc.example/ops/', checkAt: '03:00' } };

  it('the web host reports updates as not applicable', async () => {
    const core = await boot({ modules: [updatesModule] });
    expect(await core.commands.dispatch('updates.state', {}, desk)).toEqual({ ok: true, value: { applicable: false, enabled: false, status: 'idle' } });
    expect(await core.commands.dispatch('updates.check', {}, desk)).toMatchObject({ ok: false, error: { code: 'unavailable' } });
  });

  it('a ready update waits for the unlocked admin session and the critical alert, then installs', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      const { updater, calls, finishDownload } = fakeUpdater('2.0.0');
      const core = await boot({ settings: enabled, updater, modules: [createAdminModule({ pinPolicy: fastPins }), updatesModule] });
      const published: UpdateState[] = [];
      core.hub.on('updates.state', (s) => published.push(s));
      expect((await core.commands.dispatch('admin.setPin', { pin: '2580' }, desk)).ok).toBe(true); // the first PIN unlocks this window
      core.ctx.alerts.raise({ source: 'console', severity: 'critical', key: 'test:critical', title: 'Robot down' });
      const checked = core.commands.dispatch('updates.check', {}, desk);
      await vi.waitFor(() => expect(calls.download).toBe(1));
      finishDownload();
      expect(await checked).toMatchObject({ ok: true, value: { status: 'ready', pendingVersion: '2.0.0', waitingFor: ['critical-alert', 'admin-session'] } });
      const [alert] = core.ctx.alerts.list(false, 10);
      core.ctx.alerts.acknowledge(alert!.id);
      await vi.advanceTimersByTimeAsync(60_000);
      expect(published.at(-1)?.waitingFor).toEqual(['admin-session']);
      expect(calls.install).toBe(0);
      await core.commands.dispatch('admin.lock', {}, desk);
      await vi.advanceTimersByTimeAsync(60_000);
      expect(calls.install).toBe(1);
    } finally {
      vi.useRealTimers();
    }
  });

  it('"check now" is an admin action', async () => {
    const { updater } = fakeUpdater(null);
    const core = await boot({ settings: enabled, updater, modules: [createAdminModule({ pinPolicy: fastPins }), updatesModule] });
    expect(await core.commands.dispatch('updates.check', {}, { ...desk, session: 'other' })).toMatchObject({ ok: false });
    expect(await core.commands.dispatch('updates.state', {}, desk)).toMatchObject({ ok: true, value: { applicable: true, enabled: true, status: 'idle' } });
  });
});

describe('file:// update folder served on loopback', () => {
  it('serves the folder’s plain files and nothing else', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'feed-'));
    const dir = join(parent, 'ops-console');
    mkdirSync(dir);
    writeFileSync(join(dir, 'latest-linux.yml'), 'version: 2.0.0\n');
    writeFileSync(join(dir, '.hidden'), 'x');
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'sub', 'f'), 'x');
    writeFileSync(join(dir, '..', 'outside-feed.txt'), 'secret');
    const feed = await serveUpdateFolder(dir);
    try {
      expect(feed.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const get = (path: string, init?: RequestInit) => fetch(feed.url + path, init);
      const ok = await get('latest-linux.yml');
      expect(ok.status).toBe(200);
      expect(await ok.text()).toBe('version: 2.0.0\n');
      for (const path of ['..%2Foutside-feed.txt', '%2e%2e/outside-feed.txt', 'sub/f', 'sub', '.hidden', '', 'missing.yml']) expect((await get(path)).status, path).toBe(404);
      expect((await get('latest-linux.yml', { method: 'POST', body: 'x' })).status).toBe(405);
    } finally {
      await feed.close();
    }
  });
});
