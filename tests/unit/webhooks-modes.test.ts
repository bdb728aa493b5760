import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { IntegrationSettings, type InboundEvent } from '../../src-main/contract/integrations';
import { Storage } from '../../src-main/core/storage';
import { FISCAL_EVENTS, startWebhookSender, startWebhookSink } from '../../src-main/demo/webhooks-sim';
import { InboundReceiver } from '../../src-main/integrations/inbound';
import { Outbound } from '../../src-main/integrations/outbound';
import { generateSecret } from '../../src-main/integrations/signing';

/**
 * The integrations connector against the seed-003 simulators in both modes (issue 13): our
 * own (Standard Webhooks, ids, event headers) and seed-only (a JSON body signed with a bare
 * HMAC-SHA256, nothing else), so the connector cannot pass by agreeing with itself.
 */

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

const db = () => Storage.open(join(mkdtempSync(join(tmpdir(), 'ops-modes-')), 'm.db'));

describe.each([
  { mode: 'full', seedOnly: false },
  { mode: 'seed-only', seedOnly: true },
])('webhooks connector against the $mode simulators', ({ seedOnly }) => {
  it('outbound: every delivery verifies at the sink, in both X-Signature formats', async () => {
    const secret = generateSecret();
    const sink = await startWebhookSink({ secret, seedOnly });
    cleanup.push(() => sink.stop());
    const storage = db();
    const o = new Outbound({ storage, secretOf: () => secret, secretStatus: () => ({ present: true, masked: '' }) });
    o.start();
    cleanup.push(async () => {
      await o.stop();
      storage.close();
    });
    const base = { name: 'ERP', events: ['ticket.critical' as const], headers: { authorization: 'Bearer x' }, timeoutMs: 5_000, enabled: true, template: 'seed' as const };
    o.create({ ...base, url: `${sink.url}/a`, signing: 'both' });
    o.create({ ...base, url: `${sink.url}/b`, signing: 'simple', simpleSignature: 'hex' });
    o.emit('ticket.critical', { ticket: '4711', titulo: 'Servidor fora do ar' });
    const requests = await sink.waitFor(2);
    expect(requests.map((r) => [r.path, r.verified, r.verifyFailure])).toEqual(
      expect.arrayContaining([
        ['/a', true, undefined],
        ['/b', seedOnly, seedOnly ? undefined : 'missing-headers'], // our own sink expects Standard Webhooks
      ]),
    );
    for (const r of requests) expect(JSON.parse(r.body)).toMatchObject({ event: 'ticket.critical', data: { ticket: '4711' } });
    await expect.poll(() => o.deliveries({ limit: 5 }).map((d) => d.state)).toEqual(['succeeded', 'succeeded']);
  });

  it('inbound: the five seed events are accepted, named and summarized; the same request again is a replay', async () => {
    const storage = db();
    const scheme = seedOnly ? ('simple' as const) : ('standard' as const);
    const settings = IntegrationSettings.parse({ inbound: { enabled: true, port: 0, sources: [{ name: 'fiscal', scheme }] } }).inbound;
    const secret = generateSecret();
    const events: InboundEvent[] = [];
    const receiver = new InboundReceiver({ storage, settings: () => settings, secretOf: () => secret, onEvent: (e) => events.push(e) });
    const url = await receiver.start(0);
    cleanup.push(async () => {
      await receiver.stop();
      storage.close();
    });
    const sender = startWebhookSender({ targetUrl: `${url}/hooks/fiscal`, secret, scheme: 'standard', autoplay: false, seed: 5, seedOnly });
    cleanup.push(() => sender.stop());
    const sent = [];
    for (const event of FISCAL_EVENTS) sent.push(await sender.send(event, { numero: '1234' }));
    expect(sent.map((s) => s.status)).toEqual([200, 200, 200, 200, 200]);
    if (seedOnly) {
      // Nothing of ours on the wire: only the body and its signature.
      expect(Object.keys(sent[0]!.request.headers).sort()).toEqual(['content-type', 'x-signature']);
      expect(Object.keys(JSON.parse(sent[0]!.request.body) as object).sort()).toEqual(['data', 'event']);
    }
    expect(sent[0]!.headers['x-ratelimit-limit']).toBe('600');
    expect(events.map((e) => e.event)).toEqual([...FISCAL_EVENTS]);
    expect(events[0]!.summary).toMatch(/^NF-e 1234 · /);
    expect(events.find((e) => e.event === 'erro_importacao')!.level).toBe('error');

    const again = await fetch(`${url}/hooks/fiscal`, { method: 'POST', headers: sent[0]!.request.headers, body: sent[0]!.request.body });
    expect(again.status).toBe(409);
    expect(events).toHaveLength(5);
  });
});
