import { mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IntegrationSettings, type InboundEvent } from '../../src-main/contract/integrations';
import { Storage } from '../../src-main/core/storage';
import { createRandom, type Random } from '../../src-main/demo/random';
import { InboundReceiver } from '../../src-main/integrations/inbound';
import { generateSecret, signSimple, standardHeaders } from '../../src-main/integrations/signing';

/**
 * Fuzz suite for the inbound receiver (issue 12): the real receiver on 127.0.0.1, a seeded
 * PRNG (reproducible: FUZZ_SEED=n to try another), a fixed number of requests, a time cap.
 * Every malformed request must be refused and counted by reason; the receiver stays up; a
 * valid signed delivery before and after the storm is accepted and becomes one event each.
 */

const SEED = Number(process.env.FUZZ_SEED) || 20_261_203;
const REQUESTS = 2_400;
const TIME_CAP_MS = 60_000;
const MAX_BODY = 16 * 1024;

const secret = generateSecret();
const simpleSecret = 'segredo-simples-fuzz';
let storage: Storage;
let receiver: InboundReceiver;
let port = 0;
const events: InboundEvent[] = [];

beforeAll(async () => {
  storage = Storage.open(join(mkdtempSync(join(tmpdir(), 'ops-fuzz-')), 'f.db'));
  const settings = IntegrationSettings.parse({
    inbound: {
      enabled: true,
      port: 0,
      maxBodyBytes: MAX_BODY,
      // The storm comes from one address: the pre-auth budget is exercised by its own test.
      preAuthPerMin: 1_000_000,
      rateLimitPerMin: 1_000_000,
      sources: [
        { name: 'fiscal', scheme: 'standard' },
        { name: 'simples', scheme: 'simple' },
      ],
    },
  }).inbound;
  receiver = new InboundReceiver({
    storage,
    settings: () => settings,
    secretOf: (s) => (s === 'fiscal' ? secret : s === 'simples' ? simpleSecret : undefined),
    bodyTimeoutMs: 2_000,
    headersTimeoutMs: 2_000,
    onEvent: (e) => events.push(e),
  });
  const url = await receiver.start(0);
  port = Number(new URL(url).port);
});

afterAll(async () => {
  await receiver.stop();
  storage.close();
});

/** One raw exchange: write `chunks`, half-close when asked, collect the answer until the server closes. */
function exchange(bytes: Buffer, opts: { end?: boolean } = {}): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    const done = () => resolve(answer);
    const cap = setTimeout(() => socket.destroy(), 5_000);
    socket.on('data', (d) => {
      answer += d.toString('latin1');
      // A complete keep-alive answer: stop waiting for the close.
      const m = /content-length: (\d+)\r\n[\s\S]*?\r\n\r\n([\s\S]*)$/i.exec(answer);
      if (m && Buffer.byteLength(m[2]!, 'latin1') >= Number(m[1])) socket.end();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(cap);
      done();
    });
    socket.write(bytes, () => {
      if (opts.end) socket.end();
    });
  });
}

const request = (method: string, path: string, headers: Record<string, string | number>, body: Buffer | string = '') => {
  const b = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
  const lines = [`${method} ${path} HTTP/1.1`, 'Host: 127.0.0.1', ...Object.entries({ 'content-length': b.length, ...headers }).map(([k, v]) => `${k}: ${v}`)];
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), b]);
};

function randomText(rand: Random, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(rand.int(0, 1) ? rand.int(32, 126) : rand.int(0, 0xffff));
  return s;
}

function randomBytes(rand: Random, n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = rand.int(0, 255);
  return b;
}

function signedStandard(body: string, tsOffsetSec = 0, id = `msg_fuzz_${Math.random().toString(36).slice(2)}`) {
  return standardHeaders(secret, id, Math.floor(Date.now() / 1000) + tsOffsetSec, body);
}

/** Bodies a correct signature still cannot make acceptable. */
function unusableBody(rand: Random): string {
  switch (rand.int(0, 7)) {
    case 0:
      return `{"event":"x","data":${'['.repeat(rand.int(40, 3_000))}${']'.repeat(rand.int(0, 40))}}`;
    case 1:
      return `{"event":${'{"a":'.repeat(rand.int(33, 500))}1${'}'.repeat(rand.int(0, 10))}`;
    case 2:
      return randomText(rand, rand.int(1, 200));
    case 3:
      return JSON.stringify(rand.pick([[1, 2], 42, 'texto', null, true, [{ event: 'nfe_importada' }]]));
    case 4:
      return JSON.stringify({ event: rand.pick([5, true, null, {}, [], '']) });
    case 5:
      return `{"event":"nfe_importada","data":{"numero":"1"}`; // truncated JSON
    case 6:
      return JSON.stringify({ event: 'x'.repeat(rand.int(201, 2_000)) });
    default:
      return '\ufeff' + JSON.stringify({ type: rand.pick([1, {}]) });
  }
}

type Case = { name: string; bytes: Buffer; end?: boolean };

function nextCase(rand: Random): Case {
  const pick = rand.int(0, 13);
  switch (pick) {
    case 0: {
      const method = rand.pick(['GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'PROPFIND', 'TRACE']);
      return { name: 'method', bytes: request(method, rand.pick(['/hooks/fiscal', '/hooks/simples', '/x']), {}, rand.chance(0.3) ? '{}' : '') };
    }
    case 1: {
      const path = rand.pick(['/hooks/', '/hooks/FISCAL', '/hooks/fiscal/extra', '/hooks/nope', `/hooks/${'a'.repeat(rand.int(41, 3_000))}`, '/%E0%A4%A', '/hooks/%00', '/..%2f..%2fetc/passwd', '*', `/${randomText(rand, 20).replace(/[\s\r\n]/g, '')}`]);
      return { name: 'path', bytes: request('POST', path.replace(/[^\x21-\x7e]/g, '_'), {}, '{}') };
    }
    case 2: {
      const body = JSON.stringify({ event: 'nfe_importada', data: { n: rand.int(0, 1e9) } });
      const h = signedStandard(body);
      const bad = { ...h, 'webhook-signature': rand.pick([`v1,${Buffer.from(randomBytes(rand, 32)).toString('base64')}`, 'v1,', 'v2,abc', '', 'v1,' + 'A'.repeat(5_000), `${h['webhook-signature']} v1,zzz`.replace(/v1,[^ ]+ /, 'v1,AAAA ')]) };
      return { name: 'bad-signature', bytes: request('POST', '/hooks/fiscal', { 'content-type': 'application/json', ...bad }, body) };
    }
    case 3: {
      const body = JSON.stringify({ event: 'cte_importado' });
      const sig = rand.pick(['', 'sha256=', 'sha256=' + 'g'.repeat(64), 'f'.repeat(63), 'F'.repeat(64), signSimple('wrong', body), `sha256=${signSimple(simpleSecret, body + ' ')}`]);
      return { name: 'bad-simple', bytes: request('POST', '/hooks/simples', sig ? { 'x-signature': sig } : {}, body) };
    }
    case 4: {
      const body = JSON.stringify({ event: 'nfe_importada' });
      return { name: 'missing-headers', bytes: request('POST', '/hooks/fiscal', rand.chance(0.5) ? { 'webhook-id': 'x', 'webhook-timestamp': 'abc', 'webhook-signature': 'v1,AAAA' } : {}, body) };
    }
    case 5: {
      // Declared too large (refused before reading) or streamed past the cap.
      const size = MAX_BODY + rand.int(1, 50_000);
      return rand.chance(0.5)
        ? { name: 'too-large-declared', bytes: request('POST', '/hooks/fiscal', { 'content-length': size }, ''), end: true }
        : { name: 'too-large-chunked', bytes: Buffer.concat([Buffer.from('POST /hooks/fiscal HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n'), Buffer.from(`${size.toString(16)}\r\n`), Buffer.alloc(size, 97), Buffer.from('\r\n0\r\n\r\n')]) };
    }
    case 6: {
      const body = unusableBody(rand);
      return { name: 'unusable-signed', bytes: request('POST', '/hooks/fiscal', { 'content-type': 'application/json', ...signedStandard(body) }, body) };
    }
    case 7: {
      const body = unusableBody(rand);
      return { name: 'unusable-simple', bytes: request('POST', '/hooks/simples', { 'x-signature': signSimple(simpleSecret, body) }, body) };
    }
    case 8: {
      const body = JSON.stringify({ event: 'nfe_importada' });
      return { name: 'stale', bytes: request('POST', '/hooks/fiscal', signedStandard(body, rand.pick([-1, 1]) * rand.int(301, 1e6)), body) };
    }
    case 9: {
      // Odd headers: control bytes, no colon, huge, many, conflicting lengths, bad length.
      const head = rand.pick([
        'X-Bad: a\x01b\r\n',
        'NoColonHere\r\n',
        `X-Huge: ${'h'.repeat(rand.int(17_000, 40_000))}\r\n`,
        Array.from({ length: rand.int(100, 300) }, (_, i) => `X-H${i}: ${i}`).join('\r\n') + '\r\n',
        'Content-Length: 5\r\nContent-Length: 9\r\n',
        'Content-Length: abc\r\n',
        'Transfer-Encoding: chunked\r\nContent-Length: 3\r\n',
        'X-Latin: \xe7\xe3o\r\nX-Empty:\r\n',
        ' folded: line\r\n',
      ]);
      const hasLength = /content-length|transfer-encoding/i.test(head);
      return { name: 'odd-headers', bytes: Buffer.from(`POST /hooks/fiscal HTTP/1.1\r\nHost: x\r\n${head}${hasLength ? '' : 'Content-Length: 2\r\n'}\r\n{}`, 'latin1'), end: true };
    }
    case 10: {
      // Truncated: less body than declared, then the client hangs up.
      const body = JSON.stringify({ event: 'nfe_importada', pad: 'p'.repeat(rand.int(10, 2_000)) });
      const cut = rand.int(0, body.length - 1);
      const full = request('POST', '/hooks/fiscal', { 'content-type': 'application/json', ...signedStandard(body) }, body);
      return { name: 'truncated', bytes: full.subarray(0, full.length - body.length + cut), end: true };
    }
    case 11:
      return { name: 'garbage', bytes: randomBytes(rand, rand.int(1, 4_000)), end: true };
    case 12: {
      const chunks = `${rand.pick(['zz', '-1', 'ffffffffffffffff', '3'])}\r\nabc\r\n${rand.pick(['', '0\r\n\r\n', 'x\r\n'])}`;
      return { name: 'bad-chunked', bytes: Buffer.from(`POST /hooks/simples HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nX-Signature: ${'a'.repeat(64)}\r\n\r\n${chunks}`), end: true };
    }
    default: {
      const body = JSON.stringify({ event: 'x' });
      return { name: 'unknown-source', bytes: request('POST', `/hooks/${rand.pick(['nao-existe', 'outro', 'a-b_c'])}`, signedStandard(body), body) };
    }
  }
}

async function validDelivery(numero: string): Promise<string> {
  const body = JSON.stringify({ event: 'nfe_importada', timestamp: new Date().toISOString(), data: { numero } });
  return exchange(request('POST', '/hooks/fiscal', { 'content-type': 'application/json', connection: 'close', ...signedStandard(body) }, body));
}

const REASONS = ['pre-auth-limited', 'method', 'unknown-source', 'rate-limited', 'too-large', 'timeout', 'bad-request', 'truncated', 'no-secret', 'missing-headers', 'bad-signature', 'stale-timestamp', 'future-timestamp', 'invalid-json', 'too-deep', 'replay'];

describe('inbound receiver fuzz (seeded, bounded)', () => {
  it(`survives ${REQUESTS} hostile requests, counts every refusal by reason, and still accepts valid deliveries`, { timeout: TIME_CAP_MS + 30_000 }, async () => {
    const rand = createRandom(SEED);
    const before = await validDelivery('antes');
    expect(before, `seed ${SEED}`).toMatch(/^HTTP\/1\.1 200/);
    expect(events).toHaveLength(1);

    const started = performance.now();
    const byCase: Record<string, number> = {};
    const answeredReasons: Record<string, number> = {};
    let sent = 0;
    for (; sent < REQUESTS && performance.now() - started < TIME_CAP_MS; sent++) {
      const c = nextCase(rand);
      byCase[c.name] = (byCase[c.name] ?? 0) + 1;
      const answer = await exchange(c.bytes, c.end ? { end: true } : {});
      expect(answer, `seed ${SEED}, request ${sent} (${c.name}) was accepted`).not.toMatch(/^HTTP\/1\.1 200/);
      const reason = /"error":"([a-z-]+)"/.exec(answer)?.[1];
      if (reason) answeredReasons[reason] = (answeredReasons[reason] ?? 0) + 1;
    }
    expect(sent, `only ${sent} requests within the time cap`).toBeGreaterThanOrEqual(2_000);

    const after = await validDelivery('depois');
    expect(after, `seed ${SEED}`).toMatch(/^HTTP\/1\.1 200/);
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);

    // Exactly the two valid deliveries became events.
    expect(events.map((e) => (e.data as { data: { numero: string } }).data.numero)).toEqual(['antes', 'depois']);
    expect(receiver.accepted).toBe(2);

    // Every refusal is counted, by a known reason; each answered reason at least as often as answered.
    const refused = receiver.refused;
    for (const reason of Object.keys(refused)) expect(REASONS, reason).toContain(reason);
    for (const [reason, n] of Object.entries(answeredReasons)) expect(refused[reason] ?? 0, reason).toBeGreaterThanOrEqual(n);
    const total = Object.values(refused).reduce((a, b) => a + b, 0);
    expect(total, JSON.stringify({ byCase, refused })).toBe(sent); // each request counted once
    if (process.env.FUZZ_VERBOSE) console.log(JSON.stringify({ sent, byCase, refused }));
    expect(receiver.refusedPerMinute().reduce((n, m) => n + Object.values(m.reasons).reduce((a, b) => a + b, 0), 0)).toBe(total);
    // The suite really reached the deep paths.
    for (const reason of ['method', 'unknown-source', 'too-large', 'truncated', 'bad-request', 'missing-headers', 'bad-signature', 'stale-timestamp', 'invalid-json', 'too-deep']) expect(refused[reason] ?? 0, reason).toBeGreaterThan(0);
  });
});
