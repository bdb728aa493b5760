import { createHmac } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { IntegrationSettings, type InboundEvent } from '../../src-main/contract/integrations';
import { Storage } from '../../src-main/core/storage';
import { startWebhookSender } from '../../src-main/demo/webhooks-sim';
import { InboundReceiver, type RefusalReason } from '../../src-main/integrations/inbound';
import { generateSecret } from '../../src-main/integrations/signing';

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

const secrets: Record<string, string> = { fiscal: generateSecret(), simples: 'segredo-simples-123', gh: 'github-secret-xyz', st: 'whsec_stripe_test_secret' };

async function receiver(over: Partial<IntegrationSettings['inbound']> = {}) {
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
  const r = new InboundReceiver({ storage, settings: () => settings, secretOf: (s) => secrets[s], onEvent: (e) => events.push(e), onRefused: (reason) => refused.push(reason) });
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
