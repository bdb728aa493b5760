import { describe, expect, it, vi } from 'vitest';
import { defaultSettings } from '../../src-main/contract/settings';
import { dispatchGuarded } from '../../src-main/core/bridge-call';
import type { CommandRegistry } from '../../src-main/core/commands';
import { checkJsonText, checkJsonValue } from '../../src-main/core/json-limits';
import { installLastResort } from '../../src-main/core/last-resort';
import { kioskCloseAction, mayNavigate, mayOpenExternal, trayQuitAction, upstreamHosts } from '../../src-main/core/window-policy';

describe('Electron window policy (issue 12, item 13)', () => {
  it('navigation, redirects and frames stay inside the renderer', () => {
    expect(mayNavigate('app://console/index.html#/logs', 'app://console/')).toBe(true);
    expect(mayNavigate('app://evil/index.html', 'app://console/')).toBe(false);
    expect(mayNavigate('https://evil.example/', 'app://console/')).toBe(false);
    expect(mayNavigate('http://localhost:5173/#/x', 'http://localhost:5173')).toBe(true);
    expect(mayNavigate('http://localhost:5173.evil.example/', 'http://localhost:5173')).toBe(false);
    expect(mayNavigate('not a url', 'app://console/')).toBe(false);
  });

  it('external links open only for http(s) hosts of configured upstreams', () => {
    const settings = defaultSettings();
    settings.upstreams.rpaLogs.url = 'https://rpa.noc.example:8443/logs';
    settings.upstreams.dashboard.url = 'wss://Board.NOC.example/ws';
    const hosts = upstreamHosts(settings);
    expect(mayOpenExternal('https://rpa.noc.example/download/report.pdf', hosts)).toBe(true);
    expect(mayOpenExternal('http://board.noc.example/ticket/7', hosts)).toBe(true);
    expect(mayOpenExternal('https://evil.example/', hosts)).toBe(false);
    expect(mayOpenExternal('file:///etc/passwd', hosts)).toBe(false);
    expect(mayOpenExternal('smb://rpa.noc.example/share', hosts)).toBe(false);
    expect(mayOpenExternal('https://user:pw@rpa.noc.example/', hosts)).toBe(false);
    expect(mayOpenExternal('https://rpa.noc.example.evil.example/', hosts)).toBe(false);
    expect(mayOpenExternal('https://x/', upstreamHosts(defaultSettings()))).toBe(false);
  });

  it('every kiosk exit (window close, Cmd+Q, before-quit) asks for the PIN until the exit was confirmed', () => {
    expect(kioskCloseAction(true, false)).toBe('ask-pin');
    expect(kioskCloseAction(true, true)).toBe('allow');
    expect(kioskCloseAction(false, false)).toBe('allow');
  });

  it("the tray's Quit asks for the PIN in kiosk mode", () => {
    expect(trayQuitAction(true)).toBe('ask-pin');
    expect(trayQuitAction(false)).toBe('quit');
  });
});

describe('bridge edge limits shared by IPC and the web bridge', () => {
  const limits = { maxDepth: 4, maxString: 10 };
  it('checks raw text and values without recursion', () => {
    expect(checkJsonText('[[[[1]]]]', limits)).toBeNull();
    expect(checkJsonText('[[[[[1]]]]]', limits)?.code).toBe('too-deep');
    expect(checkJsonText('["[[[[[[["]', limits)).toBeNull();
    expect(checkJsonText('["0123456789a"]', limits)?.code).toBe('string-too-long');
    expect(checkJsonText('["\\"\\"\\"\\""]', limits)).toBeNull();
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(checkJsonValue(deep, limits)?.code).toBe('too-deep');
    expect(checkJsonValue({ a: 'x'.repeat(11) }, limits)?.code).toBe('string-too-long');
    expect(checkJsonValue({ a: [1, { b: 'ok' }] }, limits)).toBeNull();
  });

  it('an IPC call never rejects: limits answer invalid-argument, a throwing dispatch answers internal', async () => {
    const caller = { host: 'electron' as const, trusted: true, session: 'w1' };
    const onInternal = vi.fn();
    const throwing = { dispatch: () => Promise.reject(new RangeError('Maximum call stack size exceeded')) } as unknown as CommandRegistry;
    expect(await dispatchGuarded(throwing, 'settings.get', {}, caller, onInternal)).toMatchObject({ ok: false, error: { code: 'internal' } });
    expect(onInternal).toHaveBeenCalledTimes(1);
    let deep: unknown = 1;
    for (let i = 0; i < 1_000; i++) deep = { a: deep };
    expect(await dispatchGuarded(throwing, 'settings.get', deep, caller, onInternal)).toMatchObject({ ok: false, error: { code: 'invalid-argument' } });
    expect(await dispatchGuarded(throwing, 42, {}, caller, onInternal)).toMatchObject({ ok: false, error: { code: 'invalid-argument' } });
  });
});

describe('last-resort handler', () => {
  it('records and alerts, and keeps running', () => {
    const listeners = new Map<string, (e: unknown) => void>();
    const record = vi.fn();
    const raise = vi.fn();
    installLastResort({ on: (ev, fn) => listeners.set(ev, fn) }, { journal: { record }, alerts: { raise } } as never, () => {});
    listeners.get('unhandledRejection')!(new Error('boom'));
    listeners.get('uncaughtException')!('odd');
    expect(record).toHaveBeenCalledTimes(2);
    expect(record.mock.calls[0]![0]).toMatchObject({ upstream: 'console', level: 'error', type: 'unhandledRejection' });
    expect(raise.mock.calls[0]![0]).toMatchObject({ source: 'console', key: 'console:unhandledRejection', text: { key: 'internalError' } });
  });
});
