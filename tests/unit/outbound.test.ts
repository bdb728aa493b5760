import { createHmac } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import type { WebhookInput } from '../../src-main/contract/integrations';
import { createCore, type Core } from '../../src-main/core/app-core';
import type { CallerContext } from '../../src-main/core/commands';
import { Storage } from '../../src-main/core/storage';
import { startWebhookSink, type WebhookSink } from '../../src-main/demo/webhooks-sim';
import { integrationsModule } from '../../src-main/integrations/module';
import { Outbound } from '../../src-main/integrations/outbound';
import { generateSecret } from '../../src-main/integrations/signing';
import { KeyFileCipher } from '../../src-main/secrets/cipher';

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function sink(opts: Parameters<typeof startWebhookSink>[0] = {}): Promise<WebhookSink> {
  const s = await startWebhookSink(opts);
  cleanup.push(() => s.stop());
  return s;
}

function outbound(secret: string) {
  const storage = Storage.open(join(mkdtempSync(join(tmpdir(), 'ops-out-')), 'q.db'));
  const o = new Outbound({ storage, secretOf: () => secret, secretStatus: () => ({ present: true, masked: 'x' }) });
  o.start();
  cleanup.push(async () => {
    await o.stop();
    storage.close();
  });
  return o;
}

const input = (url: string, over: Partial<WebhookInput> = {}): WebhookInput => ({
  name: 'ERP',
  url,
  events: ['alert.raised'],
  headers: { authorization: 'Bearer erp-token-123', 'x-tenant': 'acme' },
  timeoutMs: 5_000,
  enabled: true,
  signing: 'both',
  simpleSignature: 'sha256',
  template: 'standard',
  allowLinkLocal: false,
  ...over,
});

describe('outbound signing and delivery (real HTTP to the sink)', () => {
  it('signs per Standard Webhooks (checked by the reference library) and with plain HMAC in X-Signature', async () => {
    const secret = generateSecret();
    const s = await sink();
    const o = outbound(secret);
    const hook = o.create(input(`${s.url}/in`));
    const [d] = o.emit('alert.raised', { severity: 'critical', title: 'Servidor fora do ar' });
    const [req] = await s.waitFor(1);
    const headers = req!.headers;
    // Independent verifier: throws on a bad signature or timestamp.
    expect(new StandardWebhook(secret).verify(req!.body, headers)).toMatchObject({ type: 'alert.raised', data: { title: 'Servidor fora do ar' } });
    expect(headers['x-signature']).toBe(`sha256=${createHmac('sha256', secret).update(req!.body).digest('hex')}`);
    expect(headers['webhook-id']).toBe(d!.eventId);
    expect(headers['x-tenant']).toBe('acme');
    expect(headers.authorization).toBe('Bearer erp-token-123');
    await expect.poll(() => o.deliveries({ limit: 1 })[0]?.state).toBe('succeeded');
    // The log keeps the request without secret-bearing header values.
    const [attempt] = o.attempts(d!.id);
    expect(attempt!.requestHeaders.authorization).toBe('••••-123');
    expect(JSON.stringify(attempt)).not.toContain('erp-token-123');
    expect(JSON.stringify(attempt)).not.toContain(secret);
    expect(attempt).toMatchObject({ status: 200, responseExcerpt: '{"recebido":true}', error: null });
    const [stats] = o.stats();
    expect(stats).toMatchObject({ webhookId: hook.id, attempts: 1, succeeded: 1, successRate: 1 });
    expect(stats!.p50Ms).toBeGreaterThan(0);
  });

  it('a replay carries the same webhook-id and a fresh valid signature', async () => {
    const secret = generateSecret();
    const s = await sink();
    const o = outbound(secret);
    o.create(input(s.url, { signing: 'standard' }));
    const [d] = o.emit('alert.raised', { title: 'x' });
    await s.waitFor(1);
    await expect.poll(() => o.deliveries({ limit: 1 })[0]?.state).toBe('succeeded');
    const replay = o.replay(d!.id)!;
    expect(replay.replayOf).toBe(d!.id);
    const [first, second] = await s.waitFor(2);
    expect(second!.headers['webhook-id']).toBe(first!.headers['webhook-id']);
    expect(second!.body).toBe(first!.body);
    expect(second!.headers['x-signature']).toBeUndefined();
    expect(() => new StandardWebhook(secret).verify(second!.body, second!.headers)).not.toThrow();
  });

  it('does not follow a redirect and records the attempt as failed', async () => {
    const s = await sink();
    const o = outbound(generateSecret());
    o.create(input(s.url));
    s.respondWith({ status: 301, headers: { location: `${s.url}/elsewhere` } });
    o.emit('alert.raised', {});
    await expect.poll(() => o.deliveries({ limit: 1 })[0]?.lastStatus).toBe(301);
    expect(o.deliveries({ limit: 1 })[0]).toMatchObject({ state: 'pending', attempts: 1 });
    expect(s.requests).toHaveLength(1);
    expect(s.requests[0]!.path).toBe('/');
  });

  it('times out a slow endpoint', async () => {
    const s = await sink();
    const o = outbound(generateSecret());
    o.create(input(s.url, { timeoutMs: 500 }));
    s.respondWith({ status: 200, delayMs: 3_000 });
    o.emit('alert.raised', {});
    await expect.poll(() => o.deliveries({ limit: 1 })[0]?.lastError, { timeout: 5_000 }).toMatch(/timeout after 500 ms/);
  });

  it('renders the Slack-style template and the seed envelope', async () => {
    const s = await sink();
    const o = outbound(generateSecret());
    o.create(input(s.url, { template: 'slack', name: 'slack' }));
    o.create(input(s.url, { template: 'seed', name: 'seed' }));
    o.emit('alert.raised', { severity: 'critical', title: 'Servidor fora do ar' });
    const reqs = await s.waitFor(2);
    const bodies = reqs.map((r) => JSON.parse(r.body) as Record<string, unknown>);
    const slack = bodies.find((b) => 'text' in b) as { text: string; attachments: Array<{ color: string; fields: unknown[] }> };
    expect(slack.text).toBe('Alerta disparado: [CRITICAL] Servidor fora do ar');
    expect(slack.attachments[0]!.color).toBe('#dc2626');
    expect(bodies.find((b) => 'event' in b)).toMatchObject({ event: 'alert.raised', data: { title: 'Servidor fora do ar' } });
  });
});

describe('integrations module in the core', () => {
  const admin: CallerContext = { host: 'web', trusted: true, session: 'a' };
  const stranger: CallerContext = { host: 'web', trusted: false, session: 'b' };

  async function core(): Promise<Core> {
    const dataDir = mkdtempSync(join(tmpdir(), 'ops-int-'));
    const c = await createCore({ host: 'web', version: 't', dataDir, cipher: new KeyFileCipher(join(dataDir, 'k')), demo: false, modules: [integrationsModule] });
    cleanup.push(() => c.close());
    return c;
  }

  it('CRUD is privileged, secrets never come back, and console alerts are delivered', async () => {
    const c = await core();
    const s = await sink();
    const webhook = input(`${s.url}/hook`);
    expect(await c.commands.dispatch('webhooks.create', { webhook }, stranger)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    const secret = generateSecret();
    const created = await c.commands.dispatch('webhooks.create', { webhook, secret }, admin);
    expect(created.ok).toBe(true);
    expect(JSON.stringify(created)).not.toContain(secret);
    const list = await c.commands.dispatch('webhooks.list', {}, stranger);
    expect(JSON.stringify(list)).not.toContain(secret);
    expect(list).toMatchObject({ ok: true, value: [{ name: 'ERP', secret: { present: true } }] });

    // A console alert becomes an `alert.raised` delivery; the repeat does not.
    c.ctx.alerts.raise({ source: 'dashboard', severity: 'critical', key: 'k1', title: 'Chamado crítico' });
    c.ctx.alerts.raise({ source: 'dashboard', severity: 'critical', key: 'k1', title: 'Chamado crítico' });
    const [req] = await s.waitFor(1);
    expect(new StandardWebhook(secret).verify(req!.body, req!.headers)).toMatchObject({ type: 'alert.raised', data: { title: 'Chamado crítico' } });
    await new Promise((r) => setTimeout(r, 100));
    expect(s.requests).toHaveLength(1);

    // Upstream down/up transitions become events too (only subscribed types are sent).
    const id = (created as { value: { webhook: { id: string } } }).value.webhook.id;
    await c.commands.dispatch('webhooks.update', { id, webhook: { ...webhook, events: ['upstream.down', 'upstream.up'] } }, admin);
    const status = { id: 'rpaLogs' as const, since: Date.now(), url: 'x', lastEventAt: null, events: 0, errors: 0, reconnects: 0, message: '', note: 'connected' as const, reason: null, attempt: 0, retryAt: null, latencyMs: null, demo: false };
    c.hub.publish('connections.status', { ...status, state: 'open' });
    c.hub.publish('connections.status', { ...status, state: 'reconnecting', message: 'reset' });
    c.hub.publish('connections.status', { ...status, state: 'open' });
    const reqs = await s.waitFor(3);
    expect(reqs.slice(1).map((r) => (JSON.parse(r.body) as { type: string }).type).sort()).toEqual(['upstream.down', 'upstream.up']);

    // Test, dispatch and the delivery log.
    const tested = await c.commands.dispatch('webhooks.test', { id }, admin);
    expect(tested).toMatchObject({ ok: true, value: { eventType: 'webhook.test', state: 'pending' } });
    await s.waitFor(4);
    const dispatched = await c.commands.dispatch('webhooks.dispatch', { type: 'ticket.critical', data: { ticket: '4711' }, webhookId: id }, admin);
    expect(dispatched).toMatchObject({ ok: true, value: [{ eventType: 'ticket.critical' }] });
    await s.waitFor(5);
    const log = await c.commands.dispatch('webhooks.deliveries', { webhookId: id }, admin);
    expect((log as { value: unknown[] }).value.length).toBe(5);
  });
});
