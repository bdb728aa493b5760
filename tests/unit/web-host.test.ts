import { afterEach, describe, expect, it } from 'vitest';
import { listenerTimeouts } from '../../src-main/core/http-listen';
import { hostChecker, sameOrigin, tokenMatches } from '../../src-main/web/request-guard';
import { get, healthy, openBridge, rawRequest, startTestHost, upgradeStatus, type TestHost } from './web-host-helpers';

let t: TestHost | null = null;
afterEach(async () => {
  await t?.close();
  t = null;
});

describe('web host: hostile HTTP requests get an answer, never a crash (issue 12)', () => {
  it('answers bad percent-encoding with 400 and keeps serving (item 1)', async () => {
    t = await startTestHost();
    for (const path of ['/%E0%A4%A', '/resources/%E0%A4%A', '/media/%ff', '/assets/%']) {
      expect((await get(t, path))?.status, path).toBe(400);
    }
    expect((await get(t, '/%00'))?.status).toBe(400);
    expect(await healthy(t)).toBe(true);
    expect((await get(t, '/assets/app.js'))?.body).toBe('console.log(1)');
    expect(t.host.stats.refused.badRequest).toBeGreaterThanOrEqual(5);
  });

  it('answers a malformed request line with 400', async () => {
    t = await startTestHost();
    const r = await rawRequest(t.port, 'GARBAGE\r\n\r\n');
    expect(r?.status).toBe(400);
    expect(await healthy(t)).toBe(true);
  });

  it('sets header and body timeouts on its listener', async () => {
    t = await startTestHost();
    expect(t.host.server.headersTimeout).toBe(listenerTimeouts.headersTimeout);
    expect(t.host.server.requestTimeout).toBe(listenerTimeouts.requestTimeout);
    expect(listenerTimeouts.requestTimeout).toBeLessThanOrEqual(60_000);
  });
});

describe('web host: who may connect', () => {
  it('refuses a bridge upgrade with Origin: null or an unparseable Origin, and keeps running (item 2)', async () => {
    t = await startTestHost();
    expect(await upgradeStatus(t, { Origin: 'null' })).toBe(403);
    expect(await upgradeStatus(t, { Origin: '%%%' })).toBe(403);
    expect(await upgradeStatus(t, { Origin: 'http://evil.example' })).toBe(403);
    expect(await upgradeStatus(t, { Origin: `http://${t.hostHeader}` })).toBe(101);
    expect(await healthy(t)).toBe(true);
    expect(t.host.stats.refused.origin).toBe(3);
  });

  it('refuses a foreign Host on every path and on the bridge: DNS rebinding (item 3)', async () => {
    t = await startTestHost();
    const rebound = `rebind.attacker.example:${t.port}`;
    for (const path of ['/api/health', '/', '/index.html', '/assets/app.js']) {
      const r = await get(t, path, { Host: rebound });
      expect(r?.status, path).toBe(421);
      expect(r?.body).toContain('host name is not allowed');
    }
    expect(await upgradeStatus(t, { Host: rebound, Origin: `http://${rebound}` })).toBe(421);
    expect((await get(t, '/api/health', { Host: `localhost:${t.port + 1}` }))?.status).toBe(421);
    for (const host of [`localhost:${t.port}`, `127.0.0.2:${t.port}`, `[::1]:${t.port}`, t.hostHeader]) {
      expect((await get(t, '/api/health', { Host: host }))?.status, host).toBe(200);
    }
    expect(await upgradeStatus(t, { Host: `localhost:${t.port}`, Origin: `http://localhost:${t.port}` })).toBe(101);
  });

  it('accepts host names an admin allowed, with any port (a reverse proxy)', async () => {
    t = await startTestHost({ allowedHosts: ['Console.NOC.example'] });
    expect((await get(t, '/api/health', { Host: 'console.noc.example' }))?.status).toBe(200);
    expect((await get(t, '/', { Host: 'console.noc.example:443' }))?.status).toBe(200);
    expect((await get(t, '/', { Host: 'other.noc.example' }))?.status).toBe(421);
  });
});

describe('web host: access token (item 12)', () => {
  const token = 'a-long-random-access-token-0123456789abcdef';
  const lan = { accessToken: token, isLocalPeer: () => false };

  it('trades ?token= in the page URL for an HttpOnly, SameSite=Strict cookie', async () => {
    t = await startTestHost(lan);
    const r = await get(t, `/?token=${token}&view=1`);
    expect(r?.status).toBe(302);
    expect(r?.headers.location).toBe('/?view=1');
    expect(r?.headers['set-cookie']).toMatch(/^ops_console_token=[^;]+; Path=\/; HttpOnly; SameSite=Strict$/);
    expect(r?.headers['cache-control']).toBe('no-store');
    expect((await get(t, '/?token=wrong'))?.status).toBe(403);
  });

  it('a LAN client needs the cookie or a bearer header for the bridge and /api/health; the URL token is gone', async () => {
    t = await startTestHost(lan);
    const cookie = (await get(t, `/?token=${token}`))!.headers['set-cookie']!.split(';')[0]!;
    expect(await upgradeStatus(t, {})).toBe(403);
    expect(await upgradeStatus(t, {}, `/bridge?token=${token}`)).toBe(403);
    expect(await upgradeStatus(t, { Cookie: cookie })).toBe(101);
    expect(await upgradeStatus(t, { Authorization: `Bearer ${token}` })).toBe(101);
    expect(await upgradeStatus(t, { Cookie: 'ops_console_token=short' })).toBe(403);
    expect((await get(t, '/api/health'))?.status).toBe(401);
    expect((await get(t, '/api/health', { Cookie: cookie }))?.status).toBe(200);
    expect((await get(t, '/api/health', { Authorization: `Bearer ${token}` }))?.status).toBe(200);
    // Cached upstream media needs it too; the renderer bundle does not.
    expect((await get(t, '/media/x.wav'))?.status).toBe(401);
    expect((await get(t, '/media/x.wav', { Cookie: cookie }))?.status).toBe(404);
    expect((await get(t, '/assets/app.js'))?.status).toBe(200);
  });

  it('compares tokens of any length without failing early on the length', () => {
    expect(tokenMatches(token, token)).toBe(true);
    expect(tokenMatches('x', token)).toBe(false);
    expect(tokenMatches(`${token}x`, token)).toBe(false);
    expect(tokenMatches('', token)).toBe(false);
  });
});

describe('web host: bridge frames', () => {
  it('answers frames over the depth and string limits, binary and wrong shapes, and still serves calls', async () => {
    t = await startTestHost();
    const c = await openBridge(t);
    const before = await c.call(1, 'system.info');
    expect(before.ok).toBe(true);
    c.ws.send('['.repeat(20_000) + ']'.repeat(20_000));
    expect((await c.next((m) => m.t === 'error' && String((m.error as { message: string }).message).includes('nested deeper'))).t).toBe('error');
    c.ws.send(JSON.stringify({ t: 'call', id: 2, cmd: 'system.info', args: { x: 'y'.repeat(600_000) } }));
    expect((await c.next((m) => m.t === 'error' && String((m.error as { message: string }).message).includes('string longer'))).t).toBe('error');
    c.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    await c.next((m) => m.t === 'error' && String((m.error as { message: string }).message).includes('binary'));
    c.ws.send(JSON.stringify({ t: 'call', id: 3, cmd: 42 }));
    const wrong = await c.next((m) => m.t === 'result' && m.id === 3);
    expect(wrong.ok).toBe(false);
    expect((wrong.error as { code: string }).code).toBe('invalid-argument');
    const after = await c.call(4, 'system.info');
    expect(after.value).toEqual(before.value);
    expect(t.host.stats.badFrames).toBe(4);
    c.close();
  });

  it('a command whose dispatch rejects answers an internal error instead of an unhandled rejection', async () => {
    t = await startTestHost();
    const c = await openBridge(t);
    const dispatch = t.core.commands.dispatch.bind(t.core.commands);
    t.core.commands.dispatch = async (cmd, args, caller) => (cmd === 'settings.get' ? Promise.reject(new RangeError('Maximum call stack size exceeded')) : dispatch(cmd, args, caller));
    const r = await c.call(1, 'settings.get');
    expect(r).toMatchObject({ t: 'result', id: 1, ok: false, error: { code: 'internal' } });
    expect(t.host.stats.errors).toBe(1);
    expect((await c.call(2, 'system.info')).ok).toBe(true);
    c.close();
  });
});

describe('request guard (pure)', () => {
  it('Host allowlist: loopback names with the port, the bound address, configured names', () => {
    const ok = hostChecker({ port: 7420, bound: '192.0.2.10', allowed: ['wall.local'] });
    expect(ok('127.0.0.1:7420')).toBe(true);
    expect(ok('LOCALHOST:7420')).toBe(true);
    expect(ok('192.0.2.10:7420')).toBe(true);
    expect(ok('wall.local')).toBe(true);
    expect(ok('192.0.2.10:80')).toBe(false);
    expect(ok('localhost')).toBe(false);
    expect(ok(undefined)).toBe(false);
    expect(ok('a b:7420')).toBe(false);
    expect(ok('localhost:99999')).toBe(false);
    expect(ok('rebind.attacker.example:7420')).toBe(false);
  });

  it('Origin: absent is a non-browser client; null and garbage are foreign', () => {
    expect(sameOrigin(undefined, 'h:1')).toBe(true);
    expect(sameOrigin('null', 'h:1')).toBe(false);
    expect(sameOrigin('http://h:1', 'h:1')).toBe(true);
    expect(sameOrigin('file://h:1', 'h:1')).toBe(false);
    expect(sameOrigin('http://h:1', undefined)).toBe(false);
  });
});

describe('request guard off loopback', () => {
  it('a wildcard bind allows this machine’s interface addresses and name with the port, nothing else', async () => {
    const { hostname, networkInterfaces } = await import('node:os');
    const ok = hostChecker({ port: 7420, bound: '0.0.0.0', allowed: [] });
    const v4 = Object.values(networkInterfaces()).flat().find((i) => i?.family === 'IPv4');
    if (v4) expect(ok(`${v4.address}:7420`)).toBe(true);
    expect(ok(`${hostname()}:7420`)).toBe(true);
    expect(ok(`${hostname()}:7421`)).toBe(false);
    expect(ok('rebind.attacker.example:7420')).toBe(false);
  });
});
