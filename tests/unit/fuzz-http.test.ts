import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRandom, type Random } from '../../src-main/demo/random';
import { get, healthy, rawRequest, startTestHost, upgradeStatus, type RawResponse, type TestHost } from './web-host-helpers';

/**
 * HTTP fuzz of the web host (issue 12): ≥2,000 seeded inputs — odd paths and escapes, odd
 * methods, huge and odd headers, Host/Origin variants, raw malformed request lines — against a
 * real core + host in-process. The host must answer each (never 500), count the refusals,
 * stay up, and serve the same page and health before and after. Reproduce with FUZZ_SEED.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 0x12c0ffee);
const INPUTS = 2_000;
const CONCURRENCY = 8;
const BUDGET_MS = 30_000;

type Kind = 'path' | 'method' | 'header' | 'host' | 'raw' | 'truncated';
interface Input {
  kind: Kind;
  bytes: string | Buffer;
  /** What the answer must be; null answer only where the request never ended. */
  check(r: RawResponse | null): boolean;
}

const escapes = ['%', '%E0%A4%A', '%ff', '%00', '%2e%2e', '%2F', '%C0%AF', '%%', '%zz', '%E2%82', '%u0041', '%0d%0a'];
const segments = ['..', '.', '', 'index.html', 'assets', 'app.js', 'resources', 'media', 'api', 'health', 'bridge', '\\', 'ção', '☃', '~', ';', '*'];
const methods = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'TRACE', 'PATCH', 'PROPFIND', 'get', 'G ET', 'GET\x00', 'XYZ'];

function randomPath(r: Random): string {
  const parts: string[] = [];
  const n = r.int(1, 6);
  for (let i = 0; i < n; i++) parts.push(r.chance(0.4) ? r.pick(escapes) : r.pick(segments));
  let path = `/${parts.join(r.chance(0.1) ? '//' : '/')}`;
  if (r.chance(0.1)) path += 'x'.repeat(r.int(1_000, 7_000));
  if (r.chance(0.2)) path += `?${r.pick(['token=', 'token=%E0%A4%A', 'a=%ff', 'q=1&q=2', '=&&='])}`;
  return encodeURI(path).replace(/%25/g, '%');
}

function randomHost(r: Random, own: string, port: number): { value: string | null; foreign: boolean } {
  const good = [own, `localhost:${port}`, `127.0.0.9:${port}`, `[::1]:${port}`, `LOCALHOST:${port}`];
  const bad = [`rebind.attacker.example:${port}`, 'localhost', `localhost:${port + 1}`, `127.0.0.1:${port}:1`, '', 'a'.repeat(300), `[::1`, `evil.example`, `${own}@evil`, `0x7f.1:${port}`];
  if (r.chance(0.05)) return { value: null, foreign: true };
  return r.chance(0.5) ? { value: r.pick(good), foreign: false } : { value: r.pick(bad), foreign: true };
}

const request = (method: string, path: string, headers: Array<[string, string]>) => `${method} ${path} HTTP/1.1\r\n${headers.map(([k, v]) => `${k}: ${v}`).join('\r\n')}${headers.length ? '\r\n' : ''}Connection: close\r\n\r\n`;
const not500 = (res: RawResponse | null) => res !== null && res.status !== 500;

function makeInput(r: Random, t: TestHost): Input {
  const kind = r.pick<Kind>(['path', 'path', 'method', 'header', 'host', 'host', 'raw', 'truncated']);
  const own: Array<[string, string]> = [['Host', t.hostHeader]];
  switch (kind) {
    case 'path': {
      const path = randomPath(r);
      let badEscape = false;
      try {
        decodeURIComponent(new URL(`http://x${path}`).pathname);
      } catch {
        badEscape = true;
      }
      // A path that cannot be decoded is a 400 (outside /api/health, which never decodes).
      return { kind, bytes: request('GET', path, own), check: (res) => not500(res) && (!badEscape || res!.status === 400) };
    }
    case 'method': {
      const method = r.pick(methods);
      const bytes = request(method, randomPath(r), [...own, ...(r.chance(0.5) ? [['Content-Length', '0'] as [string, string]] : [])]);
      return { kind, bytes, check: (res) => not500(res) && (['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'TRACE', 'PROPFIND'].includes(method) ? true : res!.status === 400) };
    }
    case 'header': {
      const headers: Array<[string, string]> = [...own];
      const n = r.int(1, 4);
      for (let i = 0; i < n; i++) {
        headers.push(
          r.pick<[string, string]>([
            ['X-Huge', 'h'.repeat(r.int(100, 40_000))],
            ['Origin', r.pick(['null', '%%%', 'http://evil.example', `http://${t.hostHeader}`, 'file://', ''])],
            ['Cookie', r.pick(['ops_console_token=%E0%A4%A', 'ops_console_token=', '=;;=', 'a'.repeat(5_000), 'ops_console_token=x; ops_console_token=y'])],
            ['Authorization', r.pick(['Bearer ', 'Bearer %', 'Basic Zm9v', 'Bearer '.repeat(200)])],
            ['Content-Length', r.pick(['-1', 'abc', '99999999999999999999', '1, 2'])],
            ['Transfer-Encoding', r.pick(['chunked, identity', 'gzip', 'x'])],
            ['Host', t.hostHeader],
            ['Bad Name', 'v'],
            ['X-Ctl', 'a\x01b'],
          ]),
        );
      }
      const path = r.pick(['/', '/api/health', '/index.html', '/bridge']);
      return { kind, bytes: request(r.pick(['GET', 'HEAD']), path, headers), check: (res) => res === null || res.status !== 500 };
    }
    case 'host': {
      const host = randomHost(r, t.hostHeader, t.port);
      const headers: Array<[string, string]> = host.value === null ? [] : [['Host', host.value]];
      if (r.chance(0.3)) headers.push(['Origin', `http://${host.value ?? 'x'}`]);
      const path = r.pick(['/', '/api/health', '/index.html', '/assets/app.js', `/?token=abc`]);
      return { kind, bytes: request('GET', path, headers), check: (res) => not500(res) && (!host.foreign || [400, 421].includes(res!.status)) };
    }
    case 'raw': {
      const variants = [
        () => Buffer.from(Array.from({ length: r.int(1, 200) }, () => r.int(0, 255))),
        () => `GET / HTTP/9.9\r\nHost: ${t.hostHeader}\r\n\r\n`,
        () => `GET /\r\n\r\n`,
        () => `GET / HTTP/1.1\r\nHost: ${t.hostHeader}\r\nX: a\rb\r\n\r\n`,
        () => `\r\n\r\nGET / HTTP/1.1\r\nHost: ${t.hostHeader}\r\n\r\n`,
        () => `GET http://evil.example/ HTTP/1.1\r\nHost: ${t.hostHeader}\r\nConnection: close\r\n\r\n`,
        () => `GET * HTTP/1.1\r\nHost: ${t.hostHeader}\r\nConnection: close\r\n\r\n`,
        () => `POST / HTTP/1.1\r\nHost: ${t.hostHeader}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n`,
        () => `GET / HTTP/1.1\r\nHost: ${t.hostHeader}\r\nHost: evil.example\r\nConnection: close\r\n\r\n`,
      ];
      return { kind, bytes: r.pick(variants)(), check: (res) => res === null || res.status !== 500 };
    }
    case 'truncated': {
      const full = request('GET', randomPath(r), own);
      return { kind, bytes: full.slice(0, r.int(1, full.length - 2)), check: (res) => res === null || res.status !== 500 };
    }
  }
}

describe('HTTP fuzz of the web host', () => {
  let t: TestHost;
  beforeAll(async () => {
    t = await startTestHost();
  });
  afterAll(() => t.close());

  it(`answers ${INPUTS} hostile requests without a 500 or a crash (seed ${SEED})`, { timeout: BUDGET_MS + 20_000 }, async () => {
    const pageBefore = (await get(t, '/index.html'))?.body;
    const healthBefore = JSON.parse((await get(t, '/api/health'))!.body).upstreams;
    expect(pageBefore).toContain('Ops Console');

    const r = createRandom(SEED);
    const inputs = Array.from({ length: INPUTS }, () => makeInput(r, t));
    const failures: string[] = [];
    const started = Date.now();
    let next = 0;
    const worker = async () => {
      while (next < inputs.length && Date.now() - started < BUDGET_MS) {
        const i = next++;
        const input = inputs[i]!;
        const res = await rawRequest(t.port, input.bytes, input.kind === 'truncated' || input.kind === 'raw' || input.kind === 'header' ? 300 : 5_000);
        if (!input.check(res)) failures.push(`#${i} ${input.kind}: ${JSON.stringify(String(input.bytes).slice(0, 160))} → ${res ? res.status : 'no answer'}`);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    expect(next, 'all inputs sent within the time budget').toBe(INPUTS);
    expect(failures.slice(0, 10)).toEqual([]);

    // Refusals were counted; nothing reached the 500 path.
    const { refused, errors } = t.host.stats;
    expect(errors).toBe(0);
    expect(refused.host).toBeGreaterThan(100);
    expect(refused.badRequest).toBeGreaterThan(100);

    // Bridge upgrades with hostile Host/Origin, after all that.
    expect(await upgradeStatus(t, { Origin: 'null' })).toBe(403);
    expect(await upgradeStatus(t, { Host: `rebind.attacker.example:${t.port}` })).toBe(421);

    expect(await healthy(t)).toBe(true);
    expect((await get(t, '/index.html'))?.body).toBe(pageBefore);
    expect(JSON.parse((await get(t, '/api/health'))!.body).upstreams).toEqual(healthBefore);
  });
});
