import { createHmac } from 'node:crypto';
import { connect } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { IntegrationSettings, type InboundEvent } from '../../src-main/contract/integrations';
import { Storage } from '../../src-main/core/storage';
import { startWebhookSender } from '../../src-main/demo/webhooks-sim';
import { InboundReceiver, clientKey, jsonDepthOver, type RefusalReason } from '../../src-main/integrations/inbound';
import { RefusalCounter } from '../../src-main/integrations/inbound-refusals';
import { generateSecret } from '../../src-main/integrations/signing';

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

const secrets: Record<string, string> = { fiscal: generateSecret(), simples: 'segredo-simples-123', gh: 'github-secret-xyz', st: 'whsec_stripe_test_secret' };

async function receiver(over: Partial<IntegrationSettings['inbound']> = {}, timeouts: { bodyTimeoutMs?: number; headersTimeoutMs?: number } = {}) {
  const storage = Storage.open(join(mkdtempSync(join(tmpdir(), 'ops-in-')), 'in.db'));
  const settings = IntegrationSettings.parse({
    inbound: {
      enabled: true,
      port: 0,
      sources: [
        { name: 'fiscal', scheme: 'standard' },
        { name: 'simples', scheme: 'simple' },
        { name: 'gh', scheme: 'github' },
        { name: 'st', scheme: 'stripe' },
      ],
      ...over,
    },
  }).inbound;
  const events: InboundEvent[] = [];
  const refused: RefusalReason[] = [];
  const r = new InboundReceiver({ storage, settings: () => settings, secretOf: (s) => secrets[s], onEvent: (e) => events.push(e), onRefused: (reason) => refused.push(reason), ...timeouts });
  const url = await r.start(0);
  cleanup.push(async () => {
    await r.stop();
    storage.close();
  });
  return { r, url, events, refused };
}

const post = (url: string, body: string, headers: Record<string, string>) => fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });

describe('inbound receiver', () => {
  it('accepts the seed events signed by an independent sender in all four schemes', async () => {
    const { url, events } = await receiver();
    for (const [source, scheme] of [['fiscal', 'standard'], ['simples', 'simple'], ['gh', 'github'], ['st', 'stripe']] as const) {
      const sender = startWebhookSender({ targetUrl: `${url}/hooks/${source}`, secret: secrets[source]!, scheme, autoplay: false, seed: 3 });
      const res = await sender.send('nfe_importada', { numero: '1234' });
      expect(res.status, `${scheme}: ${res.body}`).toBe(200);
      expect(res.headers['x-ratelimit-limit']).toBe('600');
      await sender.stop();
    }
    expect(events.map((e) => [e.source, e.event])).toEqual([
      ['fiscal', 'nfe_importada'],
      ['simples', 'nfe_importada'],
      ['gh', 'nfe_importada'],
      ['st', 'nfe_importada'],
    ]);
    expect(events[0]!.summary).toMatch(/^NF-e 1234 · /);
  });

  it('refuses a bad signature (401), missing headers (400), a stale timestamp (401), a replay (409)', async () => {
    const { url, events, refused } = await receiver();
    const body = JSON.stringify({ event: 'erro_importacao', timestamp: new Date().toISOString(), data: { codigo: '225' } });
    const wh = new StandardWebhook(secrets.fiscal!);
    const now = new Date();
    const headers = { 'webhook-id': 'msg_1', 'webhook-timestamp': String(Math.floor(now.getTime() / 1000)), 'webhook-signature': wh.sign('msg_1', now, body) };

    expect((await post(`${url}/hooks/fiscal`, body.replace('225', '226'), headers)).status).toBe(401);
    expect((await post(`${url}/hooks/fiscal`, body, {})).status).toBe(400);
    const old = new Date(Date.now() - 10 * 60_000);
    const stale = { 'webhook-id': 'msg_2', 'webhook-timestamp': String(Math.floor(old.getTime() / 1000)), 'webhook-signature': wh.sign('msg_2', old, body) };
    const staleRes = await post(`${url}/hooks/fiscal`, body, stale);
    expect(staleRes.status).toBe(401);
    expect(await staleRes.json()).toEqual({ error: 'stale-timestamp' });

    expect((await post(`${url}/hooks/fiscal`, body, headers)).status).toBe(200);
    const replay = await post(`${url}/hooks/fiscal`, body, headers);
    expect(replay.status).toBe(409);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ event: 'erro_importacao', level: 'error' });
    expect(refused).toEqual(['bad-signature', 'missing-headers', 'stale-timestamp', 'replay']);

    // Simple scheme has no id: the body hash is the replay key.
    const sig = createHmac('sha256', secrets.simples!).update(body).digest('hex');
    expect((await post(`${url}/hooks/simples`, body, { 'x-signature': sig })).status).toBe(200);
    expect((await post(`${url}/hooks/simples`, body, { 'x-signature': sig })).status).toBe(409);
  });

  it('caps body size (413), refuses unknown sources (404) and other methods (405)', async () => {
    const { url } = await receiver({ maxBodyBytes: 2_048 });
    const big = JSON.stringify({ event: 'x', data: { blob: 'a'.repeat(5_000) } });
    const res = await post(`${url}/hooks/fiscal`, big, {});
    expect(res.status).toBe(413);
    expect((await post(`${url}/hooks/nope`, '{}', {})).status).toBe(404);
    expect((await fetch(`${url}/hooks/fiscal`)).status).toBe(405);
    expect((await fetch(`${url}/health`)).status).toBe(200);
  });

  it('rate-limits per source with X-RateLimit headers and 429 + Retry-After', async () => {
    const { url } = await receiver({ rateLimitPerMin: 3 });
    const send = (i: number) => {
      const body = JSON.stringify({ event: 'cte_importado', data: { numero: String(i) } });
      return post(`${url}/hooks/simples`, body, { 'x-signature': createHmac('sha256', secrets.simples!).update(body).digest('hex') });
    };
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await send(i));
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 429]);
    expect(answers.map((r) => r.headers.get('x-ratelimit-remaining'))).toEqual(['2', '1', '0', '0']);
    expect(Number(answers[3]!.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another source has its own budget.
    const sender = startWebhookSender({ targetUrl: `${url}/hooks/fiscal`, secret: secrets.fiscal!, scheme: 'standard', autoplay: false });
    expect((await sender.send('consulta_concluida')).status).toBe(200);
    await sender.stop();
  });

  it('refuses bad JSON with 400 and a source without a secret with 503', async () => {
    const { url } = await receiver({ sources: [{ name: 'simples', scheme: 'simple', enabled: true }, { name: 'nosecret', scheme: 'simple', enabled: true }] });
    const body = 'not json';
    expect((await post(`${url}/hooks/simples`, body, { 'x-signature': createHmac('sha256', secrets.simples!).update(body).digest('hex') })).status).toBe(400);
    expect((await post(`${url}/hooks/nosecret`, '{}', { 'x-signature': 'a'.repeat(64) })).status).toBe(503);
  });
});

const simpleSig = (body: string) => createHmac('sha256', secrets.simples!).update(body).digest('hex');

/** Write `head`, then one more byte every `everyMs` until the server closes; resolves with what it answered. */
function trickle(url: string, head: string, everyMs = 100, limitMs = 5_000): Promise<{ answer: string; ms: number }> {
  const { port } = new URL(url);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1');
    let answer = '';
    socket.on('data', (d) => (answer += d.toString('latin1')));
    socket.write(head);
    const drip = setInterval(() => socket.writable && socket.write('a'), everyMs);
    const limit = setTimeout(() => {
      socket.destroy();
      reject(new Error(`still open after ${limitMs} ms`));
    }, limitMs);
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(drip);
      clearTimeout(limit);
      resolve({ answer, ms: performance.now() - started });
    });
  });
}

describe('inbound receiver hardening (issue 12, item 10)', () => {
  it('unsigned requests spend only their address budget: a correctly signed delivery after them is accepted', async () => {
    const { url, events } = await receiver({ rateLimitPerMin: 3 });
    for (let i = 0; i < 10; i++) {
      const res = await post(`${url}/hooks/simples`, `{"event":"x","i":${i}}`, { 'x-signature': 'f'.repeat(64) });
      expect(res.status).toBe(401);
    }
    const body = JSON.stringify({ event: 'nfe_importada', data: { numero: '77' } });
    const ok = await post(`${url}/hooks/simples`, body, { 'x-signature': simpleSig(body) });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('x-ratelimit-remaining')).toBe('2');
    expect(events).toHaveLength(1);
  });

  it('refuses a client address over its pre-authentication budget with 429', async () => {
    const { url, r } = await receiver({ preAuthPerMin: 5 });
    const answers = [];
    for (let i = 0; i < 7; i++) answers.push(await post(`${url}/hooks/nope`, '{}', {}));
    expect(answers.map((a) => a.status)).toEqual([404, 404, 404, 404, 404, 429, 429]);
    expect(await answers[5]!.json()).toEqual({ error: 'pre-auth-limited' });
    expect(Number(answers[5]!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(r.refused).toMatchObject({ 'unknown-source': 5, 'pre-auth-limited': 2 });
    expect((await fetch(`${url}/health`)).status).toBe(200); // the health check is not budgeted
    expect(clientKey('::ffff:10.1.2.3')).toBe('10.1.2.3');
    expect(clientKey('2001:db8:1:2:3:4:5:6')).toBe(clientKey('2001:db8:1:2::9'));
  });

  it('replay ids come from what is signed: an unsigned id header does not make a replayed body new', async () => {
    const { url, events, refused } = await receiver();
    const body = JSON.stringify({ event: 'nfe_importada', timestamp: new Date().toISOString(), data: { numero: '1' } });
    expect((await post(`${url}/hooks/simples`, body, { 'x-signature': simpleSig(body), 'x-webhook-id': 'a' })).status).toBe(200);
    expect((await post(`${url}/hooks/simples`, body, { 'x-signature': simpleSig(body), 'x-webhook-id': 'b', 'webhook-id': 'c' })).status).toBe(409);

    const gh = `sha256=${createHmac('sha256', secrets.gh!).update(body).digest('hex')}`;
    expect((await post(`${url}/hooks/gh`, body, { 'x-hub-signature-256': gh, 'x-github-delivery': '1' })).status).toBe(200);
    expect((await post(`${url}/hooks/gh`, body, { 'x-hub-signature-256': gh, 'x-github-delivery': '2' })).status).toBe(409);

    const t = Math.floor(Date.now() / 1000);
    const st = `t=${t},v1=${createHmac('sha256', secrets.st!).update(`${t}.${body}`).digest('hex')}`;
    expect((await post(`${url}/hooks/st`, body, { 'stripe-signature': st, 'x-webhook-id': '1' })).status).toBe(200);
    expect((await post(`${url}/hooks/st`, body, { 'stripe-signature': st, 'x-webhook-id': '2' })).status).toBe(409);
    expect(events).toHaveLength(3);
    expect(refused).toEqual(['replay', 'replay', 'replay']);
  });

  it('cuts a body trickling at one byte per interval at the body deadline (408), and slow headers too', async () => {
    const { url, r } = await receiver({}, { bodyTimeoutMs: 400, headersTimeoutMs: 400 });
    const body = await trickle(url, 'POST /hooks/simples HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{');
    expect(body.answer).toMatch(/^HTTP\/1\.1 408/);
    expect(body.ms).toBeLessThan(4_000);
    const headers = await trickle(url, 'POST /hooks/simples HTTP/1.1\r\nHost: x\r\nX-Slow: ');
    expect(headers.answer).toMatch(/^HTTP\/1\.1 408/);
    expect(r.refused).toMatchObject({ timeout: 2 });
    expect((await fetch(`${url}/health`)).status).toBe(200);
  });

  it('refuses JSON nested deeper than 32 levels before parsing it', async () => {
    const { url, refused } = await receiver();
    const body = `{"event":"x","data":${'['.repeat(5_000)}${']'.repeat(5_000)}}`;
    const res = await post(`${url}/hooks/simples`, body, { 'x-signature': simpleSig(body) });
    expect(res.status).toBe(400);
    expect(refused).toEqual(['too-deep']);
    expect(jsonDepthOver('{"a":"[[[[[[["}', 2)).toBe(false);
    expect(jsonDepthOver('{"a":[[1]]}', 2)).toBe(true);
  });
});

describe('refusals per reason per minute', () => {
  it('reports each minute once, when it is over, with its counts', () => {
    vi.useFakeTimers({ now: new Date('2026-01-05T10:00:10Z') });
    try {
      const minutes: Array<{ at: number; reasons: Record<string, number> }> = [];
      const counter = new RefusalCounter(Date.now, (m) => minutes.push(m));
      for (let i = 0; i < 300; i++) counter.record(i % 3 === 0 ? 'method' : 'bad-signature');
      expect(minutes).toEqual([]);
      expect(counter.recent()).toEqual([{ at: Date.parse('2026-01-05T10:00:00Z'), reasons: { method: 100, 'bad-signature': 200 } }]);
      vi.advanceTimersByTime(60_000);
      expect(minutes).toEqual([{ at: Date.parse('2026-01-05T10:00:00Z'), reasons: { method: 100, 'bad-signature': 200 } }]);
      counter.record('method');
      vi.advanceTimersByTime(120_000);
      expect(minutes).toHaveLength(2);
      expect(counter.recent().map((m) => m.reasons)).toEqual([{ method: 1 }, { method: 100, 'bad-signature': 200 }]);
      expect(counter.totals).toEqual({ method: 101, 'bad-signature': 200 });
      counter.stop();
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('inbound refusals in the console (module)', () => {
  it('300 bad requests are counted per reason and shown in the status, not journaled one by one', async () => {
    const { createCore } = await import('../../src-main/core/app-core');
    const { integrationsModule } = await import('../../src-main/integrations/module');
    const { KeyFileCipher } = await import('../../src-main/secrets/cipher');
    const dataDir = mkdtempSync(join(tmpdir(), 'ops-in-core-'));
    const c = await createCore({ host: 'web', version: 't', dataDir, cipher: new KeyFileCipher(join(dataDir, 'k')), demo: false, modules: [integrationsModule] });
    cleanup.push(() => c.close());
    const admin = { host: 'web' as const, trusted: true, session: 'a' };
    const settings = IntegrationSettings.parse({ inbound: { enabled: true, port: 0, sources: [{ name: 'simples', scheme: 'simple' }] } });
    expect((await c.commands.dispatch('integrations.saveSettings', { settings }, admin)).ok).toBe(true);
    await c.commands.dispatch('inbound.setSecret', { source: 'simples', secret: secrets.simples! }, admin);
    const status = async () => ((await c.commands.dispatch('inbound.status', {}, admin)) as { value: InboundStatusValue }).value;
    await expect.poll(async () => (await status()).listening).toBe(true);
    const { url } = await status();

    for (let i = 0; i < 300; i++) {
      const kind = i % 3;
      if (kind === 0) await fetch(`${url}/hooks/simples`);
      else if (kind === 1) await post(`${url}/hooks/nope`, '{}', {});
      else await post(`${url}/hooks/simples`, `{"i":${i}}`, { 'x-signature': '0'.repeat(64) });
    }
    const body = JSON.stringify({ event: 'nfe_importada', data: { numero: '9' } });
    expect((await post(`${url}/hooks/simples`, body, { 'x-signature': simpleSig(body) })).status).toBe(200);

    const now = await status();
    expect(now.refused).toEqual({ method: 100, 'unknown-source': 100, 'bad-signature': 100 });
    expect(now.refusedPerMinute.reduce((n, m) => n + Object.values(m.reasons).reduce((a, b) => a + b, 0), 0)).toBe(300);
    c.ctx.journal.flush();
    const refusedEntries = c.ctx.journal.recent({ upstream: 'webhooks', type: 'inbound.refused', limit: 1_000 });
    expect(refusedEntries.length).toBeLessThanOrEqual(1); // at most the summary of a minute that just ended
    expect(c.ctx.journal.recent({ upstream: 'webhooks', type: 'inbound.nfe_importada', limit: 10 })).toHaveLength(1);
  });
});

type InboundStatusValue = { listening: boolean; url: string; refused: Record<string, number>; refusedPerMinute: Array<{ at: number; reasons: Record<string, number> }> };
