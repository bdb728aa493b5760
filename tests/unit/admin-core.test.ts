import { createCipheriv, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AdminSessions } from '../../src-main/admin/admin-session';
import { loginSecretName, obtainToken, packCredentials, unpackCredentials } from '../../src-main/admin/login-flow';
import { PinStore, type PinCaller } from '../../src-main/admin/pin';
import { TransferError, exportSettings, importSettings } from '../../src-main/admin/settings-transfer';
import { TokenWatch, decodeJwt, tokenStatus, type TokenFacts } from '../../src-main/admin/tokens';
import { defaultSettings } from '../../src-main/contract/settings';
import { Storage } from '../../src-main/core/storage';
import { KeyFileCipher } from '../../src-main/secrets/cipher';
import { SecretVault } from '../../src-main/secrets/vault';
import { jwt } from './admin-helpers';

const tmp = () => mkdtempSync(join(tmpdir(), 'ops-admin-'));
const cheap = { freeAttempts: 3, lockoutMs: 30_000, maxLockoutMs: 120_000, poolFreeAttempts: 8, cost: 1_024 };
/** A web client's session and the desktop window (Electron), as the admin module maps callers. */
const web = (session: string): PinCaller => ({ session, pool: 'web' });
const desktop: PinCaller = { session: 'window-1', pool: 'desktop' };
const A = web('socket-a');

afterEach(() => {
  vi.useRealTimers();
});

describe('admin PIN', () => {
  it('stores a salted scrypt hash, never the PIN, and checks it', async () => {
    const storage = Storage.open(':memory:');
    const pins = new PinStore(storage, cheap);
    expect(pins.isSet).toBe(false);
    expect((await pins.check('1234', A)).result).toBe('no-pin');
    await pins.set('482915');
    const stored = JSON.stringify(storage.getJson('admin.pin'));
    expect(stored).not.toContain('482915');
    expect(stored).toMatch(/"algo":"scrypt"/);
    expect((await pins.check('482915', A)).result).toBe('ok');
    expect((await pins.check('000000', A)).result).toBe('wrong-pin');
    // Same PIN, new salt: a different hash.
    const first = (storage.getJson('admin.pin') as { hash: string }).hash;
    await pins.set('482915');
    expect((storage.getJson('admin.pin') as { hash: string }).hash).not.toBe(first);
  });

  it('locks a session out after repeated failures, refuses even the right PIN there meanwhile, and grows its lock-out', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(1_000_000);
    const storage = Storage.open(':memory:');
    const pins = new PinStore(storage, cheap);
    await pins.set('2468');
    expect(await pins.check('1', A)).toMatchObject({ result: 'wrong-pin', attemptsLeft: 2 });
    expect(await pins.check('2', A)).toMatchObject({ result: 'wrong-pin', attemptsLeft: 1 });
    expect(await pins.check('3', A)).toMatchObject({ result: 'locked-out', lockedOutUntil: 1_030_000 });
    expect(await pins.check('2468', A)).toMatchObject({ result: 'locked-out' });
    expect(pins.lockedOutUntil(A)).toBe(1_030_000);
    // Exponential backoff: 30 s, then 60 s, then 120 s (the maximum here), then 120 s again.
    let at = 1_030_001;
    for (const lockout of [60_000, 120_000, 120_000]) {
      vi.setSystemTime(at);
      expect(await pins.check('4', A)).toMatchObject({ result: 'locked-out', lockedOutUntil: at + lockout });
      expect(await pins.check('2468', A)).toMatchObject({ result: 'locked-out', lockedOutUntil: at + lockout });
      at += lockout + 1;
    }
    vi.setSystemTime(at);
    expect(await pins.check('2468', A)).toMatchObject({ result: 'ok' });
    expect(pins.attemptsLeft(A)).toBe(3);
  });

  it('counts parallel guesses before hashing, so a burst cannot pass the limit', async () => {
    const pins = new PinStore(Storage.open(':memory:'), cheap);
    await pins.set('9999');
    // The right PIN is the 10th guess of the burst: too late, the limit was reached at the 3rd.
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => pins.check(i === 9 ? '9999' : String(1000 + i), A)));
    expect(results.some((r) => r.result === 'ok')).toBe(false);
    expect(results.every((r) => r.result === 'locked-out')).toBe(true);
  });

  it("one client's wrong guesses lock out only its own session: another session and the desktop window still unlock", async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(5_000_000);
    const pins = new PinStore(Storage.open(':memory:'), cheap);
    await pins.set('2468');
    for (const pin of ['1', '2', '3', '4']) await pins.check(pin, A);
    expect(pins.lockedOutUntil(A)).not.toBeNull();
    expect(await pins.check('2468', A)).toMatchObject({ result: 'locked-out' });
    // The operator in another tab, and the desktop window, are not locked out by A.
    expect(pins.lockedOutUntil(web('socket-b'))).toBeNull();
    expect(await pins.check('2468', web('socket-b'))).toMatchObject({ result: 'ok' });
    expect(await pins.check('2468', desktop)).toMatchObject({ result: 'ok' });
  });

  it('a global cap per pool: guesses spread over many sessions lock every web session out, never the desktop window; it survives a restart', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(7_000_000);
    const storage = Storage.open(':memory:');
    const pins = new PinStore(storage, cheap);
    await pins.set('2468');
    // A client opening a new bridge socket for every guess: each session has a fresh budget…
    for (let i = 0; i < 8; i++) expect((await pins.check(String(1000 + i), web(`burner-${i}`))).result).not.toBe('ok');
    // …but the web pool (8 here, 20 by default) is spent: every web session is refused, the right PIN included.
    expect(await pins.check('2468', web('operator-tab'))).toMatchObject({ result: 'locked-out', lockedOutUntil: 7_000_000 + 30_000 });
    expect(pins.lockedOutUntil(web('operator-tab'))).toBe(7_030_000);
    // The desktop window has its own budget: the web clients cannot lock it out.
    expect(pins.lockedOutUntil(desktop)).toBeNull();
    expect(await pins.check('2468', desktop)).toMatchObject({ result: 'ok' });
    // The pool's lock-out is kept across a restart (sessions are not: they end with their sockets).
    const again = new PinStore(storage, cheap);
    expect(again.lockedOutUntil(web('new-socket'))).toBe(7_030_000);
    expect(again.lockedOutUntil(desktop)).toBeNull();
    vi.setSystemTime(7_030_001);
    expect(await again.check('2468', web('operator-tab'))).toMatchObject({ result: 'ok' });
    expect(again.attemptsLeft(web('another'))).toBe(3);
  });

  it('one session alone cannot reach the pool cap before its own lock-outs slow it to the backoff', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(9_000_000);
    const pins = new PinStore(Storage.open(':memory:'), { ...cheap, poolFreeAttempts: 20 });
    await pins.set('2468');
    // A single client hammering for 10 minutes of fake time, one guess per second: its own
    // backoff (30 s, 60 s, 120 s…) lets only 9 guesses be counted, far below the pool's 20.
    for (let t = 0; t < 600; t++) {
      vi.setSystemTime(9_000_000 + t * 1_000);
      await pins.check(String(t), A);
    }
    expect(pins.attemptsLeft(web('operator-tab'))).toBe(3);
    expect(pins.lockedOutUntil(web('operator-tab'))).toBeNull();
    expect(await pins.check('2468', web('operator-tab'))).toMatchObject({ result: 'ok' });
  });
});

describe('admin sessions', () => {
  it('are per caller session and lock themselves after inactivity', () => {
    const locked: string[] = [];
    const sessions = new AdminSessions(5 * 60_000, (s) => locked.push(s));
    sessions.unlock('a', 0);
    expect(sessions.isUnlocked('a', 1_000)).toBe(true);
    expect(sessions.isUnlocked('b', 1_000)).toBe(false);
    expect(sessions.touch('a', 4 * 60_000)).toBe(true);
    expect(sessions.unlockedUntil('a', 4 * 60_000)).toBe(9 * 60_000);
    expect(sessions.isUnlocked('a', 8 * 60_000)).toBe(true);
    sessions.sweep(9 * 60_000);
    expect(sessions.isUnlocked('a', 9 * 60_000)).toBe(false);
    expect(locked).toEqual(['a']);
  });
});

describe('JWT status', () => {
  it('decodes sub, iat, exp and refuses what is not a JWT', () => {
    expect(decodeJwt(jwt({ sub: 'admin', iat: 100, exp: 200 }))).toEqual({ sub: 'admin', iat: 100, exp: 200 });
    expect(decodeJwt('demo-1234567890abcdef')).toBeNull();
    expect(decodeJwt('a.b.c')).toBeNull();
  });

  it('goes valid → expiring → expired with a fake clock, raising and resolving alerts', () => {
    vi.useFakeTimers();
    vi.setSystemTime(0);
    const hour = 3_600_000;
    let value: string | undefined = jwt({ sub: 'ops', iat: 0, exp: (3 * hour) / 1000 });
    const raised: string[] = [];
    const resolved: string[] = [];
    const published: string[] = [];
    const facts = (name: string): TokenFacts => ({ name, value, backend: 'keyfile', weakBackend: false, rejected: null, login: { configured: false, remembered: false } });
    const watch = new TokenWatch({
      names: () => ['rpaLogs.token'],
      facts,
      leadMs: () => hour,
      mask: () => '****',
      raise: (a) => raised.push(`${a.key}|${a.severity}|${a.title}`),
      resolve: (k) => resolved.push(k),
      publish: (i) => published.push(i.status),
    });
    watch.evaluate();
    expect(watch.list()[0]).toMatchObject({ status: 'valid', kind: 'jwt', claims: { sub: 'ops', exp: 10_800 }, expiresAt: 3 * hour });
    expect(raised).toEqual([]);
    vi.advanceTimersByTime(2 * hour - 1);
    expect(published).toEqual(['valid']);
    vi.advanceTimersByTime(1);
    expect(published).toEqual(['valid', 'expiring']);
    expect(raised[0]).toMatch(/^admin:token-expiring:rpaLogs.token\|medium\|Token rpaLogs.token \(rpaLogs\) expires in 60 min/);
    vi.advanceTimersByTime(hour);
    expect(published).toEqual(['valid', 'expiring', 'expired']);
    expect(raised[1]).toMatch(/^admin:token-expired:rpaLogs.token\|high\|/);
    expect(resolved).toContain('admin:token-expiring:rpaLogs.token');
    // A fresh token: back to valid, alerts resolved.
    value = jwt({ sub: 'ops', iat: 3 * 3600, exp: 30 * 3600 });
    watch.evaluate();
    expect(published.at(-1)).toBe('valid');
    expect(resolved).toContain('admin:token-expired:rpaLogs.token');
    watch.dispose();
  });

  it('a rejected token stays rejected whatever its expiry says; an opaque key has no expiry', () => {
    expect(tokenStatus(jwt({ exp: 10_000_000_000 }), true, 0, 0).state).toBe('rejected');
    expect(tokenStatus('demo-key-0123456789', false, 0, 0).state).toBe('no-expiry');
    expect(tokenStatus(undefined, false, 0, 0).state).toBe('missing');
  });
});

describe('login flow', () => {
  const endpoint = { url: 'http://127.0.0.1:9/login', usernameField: 'username', passwordField: 'password', tokenField: '' };
  it('posts the credentials once and takes the token from the answer', async () => {
    const token = jwt({ sub: 'admin', exp: 2_000_000_000 });
    const fetchMock = vi.fn(async (_url: string | URL | Request, init?: RequestInit) => {
      expect(JSON.parse(String(init?.body))).toEqual({ username: 'admin', password: 's3cr3t!' });
      return new Response(JSON.stringify({ success: true, access_token: token }), { status: 200 });
    });
    expect(await obtainToken(endpoint, { username: 'admin', password: 's3cr3t!' }, { fetch: fetchMock as typeof fetch })).toBe(token);
    expect(fetchMock).toHaveBeenCalledTimes(1);
  });

  it('says clearly when credentials are refused, without echoing them', async () => {
    const refuse = (async () => new Response('{"error":"bad"}', { status: 401 })) as typeof fetch;
    await expect(obtainToken(endpoint, { username: 'admin', password: 'hunter22' }, { fetch: refuse })).rejects.toThrow(/refused these credentials \(HTTP 401\)/);
    const noToken = (async () => new Response('{"ok":true}', { status: 200 })) as typeof fetch;
    const error = await obtainToken(endpoint, { username: 'admin', password: 'hunter22' }, { fetch: noToken }).catch((e: Error) => e);
    expect(String(error)).toMatch(/no token in the login answer/);
    expect(String(error)).not.toContain('hunter22');
  });

  it('packs remembered credentials so the vault mask shows nothing of the password', () => {
    const packed = packCredentials({ username: 'admin', password: 'endsWithXYZW' });
    expect(packed.slice(-4)).not.toBe('XYZW');
    expect(packed).not.toContain('endsWithXYZW');
    expect(unpackCredentials(packed)).toEqual({ username: 'admin', password: 'endsWithXYZW' });
    expect(loginSecretName('rpaLogs.token')).toBe('admin.login.rpaLogs.token');
  });
});

describe('settings export/import', () => {
  const secret = 'eyJhbGciOiJIUzI1NiJ9.SECRET-PAYLOAD-1234.sig';
  const settings = { ...defaultSettings(), language: 'en' as const };

  it('round-trips settings and secrets with a passphrase; the file never holds the value in clear', async () => {
    const { content, secrets } = await exportSettings(settings, { 'rpaLogs.token': secret }, 'correct horse battery');
    expect(secrets).toBe(1);
    expect(content).not.toContain(secret);
    expect(content).not.toContain('SECRET-PAYLOAD');
    const back = await importSettings(content, 'correct horse battery');
    expect(back.settings.language).toBe('en');
    expect(back.secrets).toEqual({ 'rpaLogs.token': secret });
  });

  it('without a passphrase: settings only, no secrets at all', async () => {
    const { content, secrets } = await exportSettings(settings, { 'rpaLogs.token': secret }, undefined);
    expect(secrets).toBe(0);
    expect(content).not.toContain(secret);
    expect(JSON.parse(content).secrets).toBeNull();
    const back = await importSettings(content, undefined);
    expect(back.secrets).toEqual({});
    expect(back.settings.language).toBe('en');
  });

  it('a file with secrets imported without its passphrase restores settings and says what was skipped', async () => {
    const { content } = await exportSettings(settings, { 'rpaLogs.token': secret }, 'correct horse battery');
    const back = await importSettings(content, undefined);
    expect(back.secrets).toEqual({});
    expect(back.warnings[0]).toMatch(/1 encrypted secret\(s\) \(rpaLogs.token\); without the passphrase/);
  });

  it('refuses a wrong passphrase, a tampered file and a damaged file with clear messages', async () => {
    const { content } = await exportSettings(settings, { 'rpaLogs.token': secret }, 'correct horse battery');
    await expect(importSettings(content, 'wrong passphrase')).rejects.toMatchObject({ field: 'passphrase', message: expect.stringMatching(/wrong passphrase/) });
    const tampered = JSON.parse(content);
    tampered.secrets.names = ['keywordHub.token'];
    await expect(importSettings(JSON.stringify(tampered), 'correct horse battery')).rejects.toBeInstanceOf(TransferError);
    await expect(importSettings(content.slice(0, content.length / 2), 'x')).rejects.toMatchObject({ field: 'content', message: expect.stringMatching(/not valid JSON/) });
    await expect(importSettings('{"hello":1}', undefined)).rejects.toMatchObject({ message: expect.stringMatching(/not an Ops Console settings export/) });
    const bad = JSON.parse(content);
    bad.settings.upstreams.rpaLogs.url = 'ftp://nope';
    await expect(importSettings(JSON.stringify(bad), undefined)).rejects.toMatchObject({ message: expect.stringMatching(/upstreams.rpaLogs.url/) });
  });
});

describe('settings import crypto limits', () => {
  const secret = 'eyJhbGciOiJIUzI1NiJ9.SECRET-PAYLOAD-1234.sig';
  const exported = async () => JSON.parse((await exportSettings(defaultSettings(), { 'rpaLogs.token': secret }, 'correct horse battery')).content);

  it('takes no key-derivation cost from the file: anything but the export\'s own scrypt parameters is refused before deriving', async () => {
    for (const kdf of [{ N: 2 ** 17, r: 32, p: 16 }, { N: 2 ** 14, r: 8, p: 1 }, { N: 2 ** 15, r: 8, p: 2 }]) {
      const file = await exported();
      file.secrets.kdf = { ...file.secrets.kdf, ...kdf };
      await expect(importSettings(JSON.stringify(file), 'correct horse battery')).rejects.toMatchObject({ field: 'content', message: expect.stringMatching(/unsupported key derivation cost/) });
    }
  });

  it('refuses a GCM tag cut down to 4 bytes (a truncated tag still verifies without a pinned length)', async () => {
    const file = await exported();
    file.secrets.tag = Buffer.from(file.secrets.tag, 'base64').subarray(0, 4).toString('base64');
    await expect(importSettings(JSON.stringify(file), 'correct horse battery')).rejects.toMatchObject({ field: 'content', message: expect.stringMatching(/wrong length/) });
  });

  it('the secret vault refuses a value sealed with a short tag', () => {
    const dir = tmp();
    const cipher = new KeyFileCipher(join(dir, 'secret.key'));
    const key = readFileSync(join(dir, 'secret.key'));
    const iv = randomBytes(12);
    const short = createCipheriv('aes-256-gcm', key, iv, { authTagLength: 4 });
    short.update('', 'utf8');
    short.final();
    // iv | 4-byte tag and no body: without a pinned tag length this verified (as an empty value).
    expect(() => cipher.decrypt(Buffer.concat([iv, short.getAuthTag()]))).toThrow(/too short/);
    expect(cipher.decrypt(cipher.encrypt('round trip'))).toBe('round trip');
  });
});

describe('secrets file', () => {
  it('a corrupted secrets file is moved aside with a clear message; the console keeps running', () => {
    const dir = tmp();
    const cipher = new KeyFileCipher(join(dir, 'secret.key'));
    const vault = new SecretVault(join(dir, 'secrets.json'), cipher);
    vault.set('rpaLogs.token', 'abcdefgh12345678');
    writeFileSync(join(dir, 'secrets.json'), '{"version":1,"entries":{"rpaLogs.token":"AAAA"}}');
    const reopened = new SecretVault(join(dir, 'secrets.json'), cipher);
    expect(reopened.get('rpaLogs.token')).toBeUndefined();
    expect(reopened.warnings[0]).toMatch(/secrets file could not be decrypted .* moved to .*unreadable.* Enter the tokens again/);
  });
});
