import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAdminModule } from '../../src-main/admin';
import { createCore, type Core } from '../../src-main/core/app-core';
import type { CallerContext } from '../../src-main/core/commands';
import { KeyFileCipher } from '../../src-main/secrets/cipher';
import { jwt } from './admin-helpers';

const policy = { freeAttempts: 3, lockoutMs: 30_000, maxLockoutMs: 120_000, poolFreeAttempts: 8, cost: 1_024 };
const rendererA: CallerContext = { host: 'web', trusted: true, session: 'renderer-a' };
const rendererB: CallerContext = { host: 'web', trusted: true, session: 'renderer-b' };
const remote: CallerContext = { host: 'web', trusted: false, session: 'remote-c' };
const SECRET = jwt({ sub: 'ops-admin', iat: 1_700_000_000, exp: 4_000_000_000 });
const SECRET2 = 'EVOLUTION-KEY-4f9a1c2b7d';

async function makeCore(dataDir = mkdtempSync(join(tmpdir(), 'ops-admin-mod-')), config?: object): Promise<Core> {
  return createCore({
    host: 'web',
    version: 'test',
    dataDir,
    cipher: new KeyFileCipher(join(dataDir, 'secret.key')),
    demo: false,
    modules: [createAdminModule({ pinPolicy: policy })],
    ...(config ? { config: config as never } : {}),
  });
}
/** A fresh install allows nothing privileged until the first PIN: set it from renderer A (unlocked by it). */
const firstPin = async (core: Core, pin = '2580') => {
  const r = await core.commands.dispatch('admin.setPin', { pin }, rendererA);
  if (!r.ok) throw new Error(JSON.stringify(r.error));
};
const call = async (core: Core, cmd: string, args: object, caller: CallerContext) => core.commands.dispatch(cmd, args, caller);
const value = <T>(r: { ok: boolean; value?: unknown; error?: unknown }) => {
  if (!r.ok) throw new Error(`call failed: ${JSON.stringify(r.error)}`);
  return r.value as T;
};

let login: Server;
let loginUrl = '';
const loginBodies: unknown[] = [];
beforeAll(async () => {
  login = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const parsed = JSON.parse(body) as { username: string; password: string };
      loginBodies.push(parsed);
      if (parsed.password !== 'right-password') return void res.writeHead(401).end('{"detail":"invalid"}');
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ access_token: SECRET, token_type: 'bearer' }));
    });
  });
  await new Promise<void>((r) => login.listen(0, '127.0.0.1', r));
  loginUrl = `http://127.0.0.1:${(login.address() as AddressInfo).port}/auth/login`;
});
afterAll(() => new Promise<void>((r) => login.close(() => r())));

describe('admin module in the core', () => {
  let core: Core;
  afterEach(async () => {
    vi.useRealTimers();
    await core?.close();
  });

  it('first run: no privileged command without a PIN — pin-required until a trusted caller sets the first one', async () => {
    core = await makeCore();
    expect(value(await call(core, 'admin.status', {}, rendererA))).toMatchObject({ pinSet: false, unlocked: false, trusted: true });
    for (const [cmd, args] of [
      ['tokens.set', { name: 'rpaLogs.token', value: SECRET }],
      ['settings.update', { settings: {} }],
      ['admin.saveSettings', { settings: {} }],
      ['secrets.set', { name: 'rpaLogs.token', value: 'stolen-0000000' }],
      ['admin.export', {}],
      ['admin.audit', {}],
    ] as const) {
      expect(await call(core, cmd, args, rendererA), cmd).toMatchObject({ ok: false, error: { code: 'pin-required', message: expect.stringMatching(/set one first/) } });
    }
    expect(core.ctx.secrets.get('rpaLogs.token')).toBeUndefined();
    // Untrusted (remote without the bridge token): nothing admin, not even the first PIN.
    expect(await call(core, 'admin.setPin', { pin: '1234' }, remote)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await call(core, 'admin.unlock', { pin: '1234' }, remote)).toMatchObject({ ok: false, error: { code: 'forbidden' } });

    // Two sessions racing for the first PIN: one wins, the other must unlock with it.
    const [a, b] = await Promise.all([call(core, 'admin.setPin', { pin: '2580' }, rendererA), call(core, 'admin.setPin', { pin: '9999' }, rendererB)]);
    expect(a).toMatchObject({ ok: true, value: { pinSet: true, unlocked: true } });
    expect(b).toMatchObject({ ok: false, error: { code: 'conflict' } });
    expect((await call(core, 'tokens.set', { name: 'rpaLogs.token', value: SECRET }, rendererA)).ok).toBe(true);
    expect(await call(core, 'tokens.set', { name: 'rpaLogs.token', value: 'x'.repeat(20) }, remote)).toMatchObject({ ok: false, error: { code: 'forbidden' } });

    expect(await call(core, 'admin.setPin', { pin: '0000' }, rendererB)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    // Another renderer session is locked: privileged commands refused by main.
    for (const [cmd, args] of [
      ['settings.update', { settings: {} }],
      ['secrets.set', { name: 'rpaLogs.token', value: 'stolen-0000000' }],
      ['tokens.clear', { name: 'rpaLogs.token' }],
      ['admin.export', {}],
      ['admin.setPin', { pin: '0000' }],
    ] as const) {
      expect(await call(core, cmd, args, rendererB)).toMatchObject({ ok: false, error: { code: 'forbidden', message: expect.stringMatching(/unlocked admin session/) } });
    }
    expect(core.ctx.secrets.get('rpaLogs.token')).toBe(SECRET);
    // Wrong PIN, then the right one.
    expect(value<{ check: { result: string } }>(await call(core, 'admin.unlock', { pin: '1111' }, rendererB)).check.result).toBe('wrong-pin');
    expect(value<{ status: { unlocked: boolean } }>(await call(core, 'admin.unlock', { pin: '2580' }, rendererB)).status.unlocked).toBe(true);
    expect((await call(core, 'tokens.clear', { name: 'keywordHub.token' }, rendererB)).ok).toBe(true);
    // Lock again.
    value(await call(core, 'admin.lock', {}, rendererB));
    expect((await call(core, 'tokens.clear', { name: 'keywordHub.token' }, rendererB)).ok).toBe(false);
  });

  it('a --config adminPin is the PIN from the start (hash only stored); a restart with the same file keeps the attempt count', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ops-admin-mod-'));
    core = await makeCore(dir, { settings: {}, secrets: {}, adminPin: '2468' });
    expect(value(await call(core, 'admin.status', {}, rendererA))).toMatchObject({ pinSet: true, unlocked: false });
    expect(await call(core, 'tokens.set', { name: 'rpaLogs.token', value: SECRET }, rendererA)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(value<{ check: { result: string } }>(await call(core, 'admin.unlock', { pin: '1111' }, rendererA)).check.result).toBe('wrong-pin');
    expect(value<{ check: { result: string } }>(await call(core, 'admin.unlock', { pin: '2468' }, rendererA)).check.result).toBe('ok');
    expect((await call(core, 'tokens.set', { name: 'rpaLogs.token', value: SECRET }, rendererA)).ok).toBe(true);
    expect(readFileSync(join(dir, 'console.db')).toString('latin1')).not.toContain('2468');
    await call(core, 'admin.unlock', { pin: '1111' }, rendererB);
    await core.close();
    // Re-applying the same PIN at start is no PIN change: the web pool's count of wrong PINs stays.
    core = await makeCore(dir, { settings: {}, secrets: {}, adminPin: '2468' });
    expect(core.ctx.storage.getJson('admin.pinAttempts')).toMatchObject({ web: { failures: 1 } });
    await core.close();
    // Another PIN in the file replaces the stored one at start.
    core = await makeCore(dir, { settings: {}, secrets: {}, adminPin: '1357' });
    expect(value<{ check: { result: string } }>(await call(core, 'admin.unlock', { pin: '1357' }, rendererA)).check.result).toBe('ok');
  });

  it('an unlocked session locks itself after the configured inactivity', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(10_000_000);
    core = await makeCore();
    value(await call(core, 'admin.setPin', { pin: '2580' }, rendererA));
    expect(value<{ autoLockMs: number }>(await call(core, 'admin.status', {}, rendererA)).autoLockMs).toBe(5 * 60_000);
    vi.setSystemTime(10_000_000 + 4 * 60_000);
    expect((await call(core, 'admin.audit', {}, rendererA)).ok).toBe(true); // activity
    vi.setSystemTime(10_000_000 + 8 * 60_000);
    expect((await call(core, 'admin.audit', {}, rendererA)).ok).toBe(true);
    vi.setSystemTime(10_000_000 + 13 * 60_000 + 1);
    expect(await call(core, 'admin.audit', {}, rendererA)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(value<{ unlocked: boolean }>(await call(core, 'admin.status', {}, rendererA)).unlocked).toBe(false);
  });

  it('PIN lock-out is visible in the status, raises an alert, and kiosk verifyPin shares the limit', async () => {
    core = await makeCore();
    value(await call(core, 'admin.setPin', { pin: '2580' }, rendererA));
    expect(value<{ result: string }>(await call(core, 'admin.verifyPin', { pin: '2580' }, rendererB)).result).toBe('ok');
    expect(value<{ unlocked: boolean }>(await call(core, 'admin.status', {}, rendererB)).unlocked).toBe(false);
    for (const pin of ['1', '2']) await call(core, 'admin.verifyPin', { pin }, rendererB);
    const third = value<{ check: { result: string; lockedOutUntil: number } }>(await call(core, 'admin.unlock', { pin: '3' }, rendererB));
    expect(third.check.result).toBe('locked-out');
    expect(value<{ result: string }>(await call(core, 'admin.verifyPin', { pin: '2580' }, rendererB)).result).toBe('locked-out');
    expect(value<{ lockedOutUntil: number | null }>(await call(core, 'admin.status', {}, rendererB)).lockedOutUntil).toBeGreaterThan(Date.now());
    expect(core.ctx.alerts.list(false, 50).map((a) => a.key)).toContain('admin:pin-lockout');
    // Per session: renderer B's guesses lock out neither another web session nor the desktop window.
    expect(value<{ lockedOutUntil: number | null; attemptsLeft: number }>(await call(core, 'admin.status', {}, rendererA))).toMatchObject({ lockedOutUntil: null, attemptsLeft: 3 });
    expect(value<{ check: { result: string } }>(await call(core, 'admin.unlock', { pin: '2580' }, rendererA)).check.result).toBe('ok');
    const window1: CallerContext = { host: 'electron', trusted: true, session: 'window-1' };
    expect(value<{ result: string }>(await call(core, 'admin.verifyPin', { pin: '2580' }, window1)).result).toBe('ok');
  });

  it('tokens.list shows claims and masks, never values; an auth-failed link marks the token rejected', async () => {
    core = await makeCore(undefined, { settings: {}, secrets: { 'evolution.apiKey': SECRET2 } });
    await firstPin(core);
    value(await call(core, 'tokens.set', { name: 'rpaLogs.token', value: SECRET }, rendererA));
    const list = value<Array<{ name: string; status: string; claims: unknown; masked: string; backend: string }>>(await call(core, 'tokens.list', {}, rendererA));
    const text = JSON.stringify(list);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(SECRET2);
    expect(list.find((t) => t.name === 'rpaLogs.token')).toMatchObject({ status: 'valid', claims: { sub: 'ops-admin', exp: 4_000_000_000 }, backend: 'keyfile' });
    expect(list.find((t) => t.name === 'evolution.apiKey')).toMatchObject({ status: 'no-expiry', backend: 'memory', masked: 'EVOL…1c2b7d'.replace('1c2b7d', '2b7d') });
    expect(list.find((t) => t.name === 'keywordHub.token')).toMatchObject({ status: 'missing' });

    const changed: string[] = [];
    core.hub.on('tokens.changed', (t) => changed.push(`${t.name}:${t.status}`));
    core.hub.publish('connections.status', { id: 'rpaLogs', state: 'auth-failed', since: Date.now(), url: 'http://x', lastEventAt: null, events: 0, errors: 1, reconnects: 0, message: 'HTTP 401 Token JWT expirado ou inválido', note: 'auth-failed', reason: 'HTTP 401 Token JWT expirado ou inválido', attempt: 0, retryAt: null, latencyMs: null, demo: false });
    expect(changed).toContain('rpaLogs.token:rejected');
    const rejected = value<Array<{ name: string; status: string; rejected: { message: string } | null }>>(await call(core, 'tokens.list', {}, rendererA)).find((t) => t.name === 'rpaLogs.token');
    expect(rejected).toMatchObject({ status: 'rejected', rejected: { message: expect.stringMatching(/401/) } });
    expect(core.ctx.alerts.list(false, 50).map((a) => a.key)).toContain('admin:token-rejected:rpaLogs.token');
    // A new token clears the rejection.
    value(await call(core, 'tokens.set', { name: 'rpaLogs.token', value: jwt({ sub: 'ops-admin', exp: 4_100_000_000 }) }, rendererA));
    expect(changed.at(-1)).toBe('rpaLogs.token:valid');
    expect(core.ctx.alerts.list(false, 50).map((a) => a.key)).not.toContain('admin:token-rejected:rpaLogs.token');
  });

  it('login flow: credentials used once and not kept unless asked; refused credentials are a field error', async () => {
    core = await makeCore();
    await firstPin(core);
    const settings = core.ctx.settings.get();
    value(await call(core, 'admin.saveSettings', { settings: { ...settings, extra: { admin: { logins: { 'rpaLogs.token': { url: loginUrl } } } } } }, rendererA));
    const refused = await call(core, 'tokens.login', { name: 'rpaLogs.token', username: 'admin', password: 'wrong' }, rendererA);
    expect(refused).toMatchObject({ ok: false, error: { code: 'invalid-argument', issues: [{ path: 'password' }] } });
    const info = value<{ status: string; login: { remembered: boolean } }>(await call(core, 'tokens.login', { name: 'rpaLogs.token', username: 'admin', password: 'right-password' }, rendererA));
    expect(info).toMatchObject({ status: 'valid', login: { remembered: false } });
    expect(core.ctx.secrets.get('rpaLogs.token')).toBe(SECRET);
    expect(core.ctx.secrets.names().some((n) => n.startsWith('admin.login.'))).toBe(false);
    expect(JSON.stringify(info)).not.toContain(SECRET);
    // No credentials given and none remembered: asks for them.
    expect(await call(core, 'tokens.login', { name: 'rpaLogs.token' }, rendererA)).toMatchObject({ ok: false, error: { code: 'invalid-argument' } });
    // Remembered on request: a later renewal needs no typing.
    value(await call(core, 'tokens.login', { name: 'rpaLogs.token', username: 'admin', password: 'right-password', remember: true }, rendererA));
    const before = loginBodies.length;
    expect(value<{ login: { remembered: boolean } }>(await call(core, 'tokens.login', { name: 'rpaLogs.token' }, rendererA)).login.remembered).toBe(true);
    expect(loginBodies.length).toBe(before + 1);
    // The secrets file on disk holds neither the token nor the password in clear.
    const onDisk = readFileSync(join(core.ctx.dataDir, 'secrets.json'), 'utf8');
    expect(onDisk).not.toContain(SECRET);
    expect(onDisk).not.toContain('right-password');
  });

  it('saveSettings validates every field with typed issues and applies changes without restart', async () => {
    core = await makeCore();
    await firstPin(core);
    const settings = core.ctx.settings.get();
    const bad = structuredClone(settings) as Record<string, unknown> & typeof settings;
    bad.upstreams.rpaLogs.url = 'not a url';
    bad.upstreams.evolution.maxConnections = 0;
    const result = await call(core, 'admin.saveSettings', { settings: bad }, rendererA);
    expect(result).toMatchObject({ ok: false, error: { code: 'invalid-argument' } });
    if (result.ok) return;
    expect(result.error.issues?.map((i) => i.path)).toEqual(expect.arrayContaining(['upstreams.rpaLogs.url', 'upstreams.evolution.maxConnections']));
    const badAdmin = await call(core, 'admin.saveSettings', { settings: { ...settings, extra: { admin: { autoLockMinutes: 0 } } } }, rendererA);
    expect(badAdmin).toMatchObject({ ok: false, error: { issues: [{ path: 'extra.admin.autoLockMinutes' }] } });
    // The foundation's settings.update now reports field issues too.
    expect(await call(core, 'settings.update', { settings: bad }, rendererA)).toMatchObject({ ok: false, error: { code: 'invalid-argument', issues: expect.arrayContaining([{ path: 'upstreams.rpaLogs.url', message: expect.any(String) }]) } });
    value(await call(core, 'admin.saveSettings', { settings: { ...settings, extra: { admin: { autoLockMinutes: 2 } } } }, rendererA));
    expect(value<{ autoLockMs: number }>(await call(core, 'admin.status', {}, rendererA)).autoLockMs).toBe(120_000);
  });

  it('a deeply nested settings value is refused as invalid-argument; settings.get still answers the old settings', async () => {
    core = await makeCore();
    value(await call(core, 'admin.setPin', { pin: '2580' }, rendererA));
    let nested: unknown = 1;
    for (let i = 0; i < 20_000; i++) nested = { a: nested };
    const before = core.ctx.settings.get();
    for (const cmd of ['settings.update', 'admin.saveSettings']) {
      expect(await call(core, cmd, { settings: { ...before, extra: { x: nested } } }, rendererA)).toMatchObject({ ok: false, error: { code: 'invalid-argument', issues: [{ path: expect.stringMatching(/^extra\.x/), message: expect.stringMatching(/nested too deeply/) }] } });
    }
    const after = await call(core, 'settings.get', {}, rendererB);
    // What the bridge does with every answer: before the fix this threw inside the socket's message handler.
    expect(() => JSON.stringify(after)).not.toThrow();
    expect(value(after)).toEqual(before);
  });

  it('export/import round trip through the commands; the audit log records what and when, never secret values', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ops-admin-mod-'));
    core = await makeCore(dir);
    await firstPin(core);
    value(await call(core, 'tokens.set', { name: 'rpaLogs.token', value: SECRET }, rendererA));
    value(await call(core, 'tokens.set', { name: 'evolution.apiKey', value: SECRET2 }, rendererA));
    const s = core.ctx.settings.get();
    value(await call(core, 'admin.saveSettings', { settings: { ...s, language: 'en', upstreams: { ...s.upstreams, rpaLogs: { ...s.upstreams.rpaLogs, url: 'http://10.1.2.3:8000' } } } }, rendererA));
    const plain = value<{ content: string; secrets: number }>(await call(core, 'admin.export', {}, rendererA));
    expect(plain.secrets).toBe(0);
    const sealed = value<{ content: string; secrets: number; fileName: string }>(await call(core, 'admin.export', { passphrase: 'long enough phrase' }, rendererA));
    expect(sealed.secrets).toBe(2);
    expect(sealed.fileName).toMatch(/^ops-console-settings-\d{8}-\d{4}\.json$/);
    for (const text of [plain.content, sealed.content]) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(SECRET2);
    }
    await core.close();

    // A new machine: import.
    core = await makeCore();
    await firstPin(core);
    const dry = value<{ applied: boolean; secrets: string[] }>(await call(core, 'admin.import', { content: sealed.content, passphrase: 'long enough phrase', dryRun: true }, rendererA));
    expect(dry).toMatchObject({ applied: false, secrets: ['evolution.apiKey', 'rpaLogs.token'] });
    expect(core.ctx.secrets.get('rpaLogs.token')).toBeUndefined();
    expect(await call(core, 'admin.import', { content: sealed.content, passphrase: 'nope nope nope' }, rendererA)).toMatchObject({ ok: false, error: { code: 'invalid-argument', issues: [{ path: 'passphrase' }] } });
    expect(await call(core, 'admin.import', { content: '{"format":"ops-console-settings",', passphrase: '' }, rendererA)).toMatchObject({ ok: false, error: { code: 'invalid-argument', issues: [{ path: 'content' }] } });
    value(await call(core, 'admin.import', { content: sealed.content, passphrase: 'long enough phrase' }, rendererA));
    expect(core.ctx.settings.get().upstreams.rpaLogs.url).toBe('http://10.1.2.3:8000');
    expect(core.ctx.secrets.get('rpaLogs.token')).toBe(SECRET);
    expect(core.ctx.secrets.get('evolution.apiKey')).toBe(SECRET2);

    const audit = value<Array<{ action: string; target: string; detail: string; caller: string }>>(await call(core, 'admin.audit', { limit: 100 }, rendererA));
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['import', 'settings.update']));
    expect(audit.find((a) => a.target === 'upstreams.rpaLogs.url')).toMatchObject({ detail: '"" → "http://10.1.2.3:8000"', caller: 'web:renderer-a' });
    const everything = JSON.stringify(audit) + readFileSync(join(core.ctx.dataDir, 'console.db')).toString('latin1');
    expect(everything).not.toContain(SECRET);
    expect(everything).not.toContain(SECRET2);
    // Nothing in the data folder holds a value in clear.
    for (const file of readdirSync(dir)) {
      const text = readFileSync(join(dir, file)).toString('latin1');
      expect(text, file).not.toContain(SECRET2);
    }
  });
});
