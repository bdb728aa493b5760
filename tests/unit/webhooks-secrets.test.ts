import { createHmac } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { LookupAddress } from 'node:dns';
import { HEADER_MASK, maskHeaderValue, WebhookInput } from '../../src-main/contract/integrations';
import { isLinkLocalAddress, isLinkLocalHost } from '../../src-main/contract/link-local';
import { createCore, type Core } from '../../src-main/core/app-core';
import type { CallerContext } from '../../src-main/core/commands';
import { Storage } from '../../src-main/core/storage';
import { startWebhookSink, type WebhookSink } from '../../src-main/demo/webhooks-sim';
import { integrationsModule } from '../../src-main/integrations/module';
import { createHttpTransport, Outbound, type LookupFn } from '../../src-main/integrations/outbound';
import { generateSecret, verifyInbound } from '../../src-main/integrations/signing';
import { KeyFileCipher } from '../../src-main/secrets/cipher';

/** Issue 12 items 9 and 12 (webhooks part), issue 13's simple-signature format. */

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

const admin: CallerContext = { host: 'web', trusted: true, session: 'a' };
const stranger: CallerContext = { host: 'web', trusted: false, session: 'b' };
const TOKEN = 'Bearer erp-token-0123456789';

async function sink(): Promise<WebhookSink> {
  const s = await startWebhookSink();
  cleanup.push(() => s.stop());
  return s;
}

async function core(dataDir = mkdtempSync(join(tmpdir(), 'ops-whs-'))): Promise<Core & { dataDir: string }> {
  const c = await createCore({ host: 'web', version: 't', dataDir, cipher: new KeyFileCipher(join(dataDir, 'k')), demo: false, modules: [integrationsModule] });
  cleanup.push(() => c.close());
  return Object.assign(c, { dataDir });
}

const hookInput = (url: string, over: Record<string, unknown> = {}) => ({
  name: 'ERP',
  url,
  events: ['ticket.critical'],
  headers: { Authorization: TOKEN, 'x-tenant': 'acme' },
  timeoutMs: 5_000,
  signing: 'standard',
  ...over,
});

type Ok<T> = { ok: true; value: T };
const value = <T>(r: unknown) => (r as Ok<T>).value;

describe('custom header values are secrets (issue 12, item 9)', () => {
  it('never come back in clear: list (not privileged), create, update, delivery log; the receiver gets the real value', async () => {
    const c = await core();
    const s = await sink();
    const created = await c.commands.dispatch('webhooks.create', { webhook: hookInput(`${s.url}/hook`) }, admin);
    expect(created.ok).toBe(true);
    const id = value<{ webhook: { id: string } }>(created).webhook.id;

    const list = await c.commands.dispatch('webhooks.list', {}, stranger);
    expect(list.ok).toBe(true);
    expect(JSON.stringify(list)).not.toContain('erp-token');
    expect(JSON.stringify(list)).not.toContain('acme');
    expect(value<Array<{ headers: Record<string, string> }>>(list)[0]!.headers).toEqual({ Authorization: '••••6789', 'x-tenant': '••••' });
    expect(JSON.stringify(created)).not.toContain('erp-token');
    // Kept in the vault, not in the database.
    expect(c.ctx.secrets.get(`webhooks.${id}.header.authorization`)).toBe(TOKEN);
    const row = c.ctx.storage.db.prepare('SELECT body FROM wh_webhooks WHERE id = ?').get(id) as { body: string };
    expect(row.body).not.toContain('erp-token');

    await c.commands.dispatch('webhooks.dispatch', { type: 'ticket.critical', data: { ticket: '1' }, webhookId: id }, admin);
    const [req] = await s.waitFor(1);
    expect(req!.headers.authorization).toBe(TOKEN);
    expect(req!.headers['x-tenant']).toBe('acme');
    const deliveries = value<Array<{ id: string; state: string }>>(await c.commands.dispatch('webhooks.deliveries', { webhookId: id }, stranger));
    await expect.poll(async () => value<Array<{ state: string }>>(await c.commands.dispatch('webhooks.deliveries', { webhookId: id }, stranger))[0]?.state).toBe('succeeded');
    const attempts = await c.commands.dispatch('webhooks.attempts', { id: deliveries[0]!.id }, stranger);
    expect(attempts.ok).toBe(true);
    expect(JSON.stringify(attempts)).not.toContain('erp-token');
    expect(JSON.stringify(attempts)).not.toContain('acme');
  });

  it('an edit that sends the masks back keeps the stored values; a new value replaces; a mask with nothing stored is refused', async () => {
    const c = await core();
    const s = await sink();
    const id = value<{ webhook: { id: string } }>(await c.commands.dispatch('webhooks.create', { webhook: hookInput(`${s.url}/hook`) }, admin)).webhook.id;
    const shown = value<Array<{ headers: Record<string, string> }>>(await c.commands.dispatch('webhooks.list', {}, stranger))[0]!;

    // The form sends back what it was shown, plus a changed name: values unchanged.
    const edited = await c.commands.dispatch('webhooks.update', { id, webhook: hookInput(`${s.url}/hook`, { name: 'ERP 2', headers: shown.headers }) }, admin);
    expect(edited.ok).toBe(true);
    await c.commands.dispatch('webhooks.dispatch', { type: 'ticket.critical', data: {}, webhookId: id }, admin);
    expect((await s.waitFor(1))[0]!.headers.authorization).toBe(TOKEN);

    // Replace one, keep the other, drop nothing else.
    await c.commands.dispatch('webhooks.update', { id, webhook: hookInput(`${s.url}/hook`, { headers: { Authorization: 'Bearer new-one', 'x-tenant': shown.headers['x-tenant'] } }) }, admin);
    await c.commands.dispatch('webhooks.dispatch', { type: 'ticket.critical', data: {}, webhookId: id }, admin);
    const second = (await s.waitFor(2))[1]!;
    expect(second.headers.authorization).toBe('Bearer new-one');
    expect(second.headers['x-tenant']).toBe('acme');

    // A header removed in the form leaves the vault.
    await c.commands.dispatch('webhooks.update', { id, webhook: hookInput(`${s.url}/hook`, { headers: { Authorization: '••••' } }) }, admin);
    expect(c.ctx.secrets.get(`webhooks.${id}.header.x-tenant`)).toBeUndefined();

    const masked = await c.commands.dispatch('webhooks.create', { webhook: hookInput(`${s.url}/hook`, { headers: { 'x-api-key': '••••' } }) }, admin);
    expect(masked).toMatchObject({ ok: false, error: { code: 'invalid-argument' } });

    await c.commands.dispatch('webhooks.delete', { id }, admin);
    expect(c.ctx.secrets.names().filter((n) => n.includes('.header.'))).toEqual([]);
  });

  it('every mask is recognised as a mask when sent back (also for values ending in Latin-1 or spaces)', () => {
    for (const v of ['', 'x', 'Bearer abcdefghijklmnop', 'Distribuidora São João', 'token with trailing  ', '1234567890123456']) {
      expect(HEADER_MASK.test(maskHeaderValue(v)), v).toBe(true);
      expect(WebhookInput.safeParse(hookInput('http://127.0.0.1:9/h', { headers: { 'x-a': maskHeaderValue(v) } })).success, v).toBe(true);
    }
    expect(maskHeaderValue('Distribuidora São João')).toBe('••••');
  });

  it('values stored in clear by an older version move into the vault at start', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ops-whs-'));
    const storage = Storage.open(join(dataDir, 'legacy.db'));
    const legacy = new Outbound({ storage, secretOf: () => 'x', secretStatus: () => ({ present: true, masked: '' }) });
    legacy.create(WebhookInput.parse(hookInput('http://127.0.0.1:9/hook')), 'wh_legacy');
    // What an older version wrote: the values themselves in the row.
    const { simpleSignature: _s, allowLinkLocal: _a, ...older } = WebhookInput.parse(hookInput('http://127.0.0.1:9/hook'));
    storage.db.prepare('UPDATE wh_webhooks SET body = ? WHERE id = ?').run(JSON.stringify({ ...older, id: 'wh_legacy', disabledReason: null, failingSince: null, unreachable: false, createdAt: 1, updatedAt: 1 }), 'wh_legacy');
    const vault = new Map<string, string>();
    const migrated = new Outbound({
      storage,
      secretOf: () => 'x',
      secretStatus: () => ({ present: true, masked: '' }),
      headerVault: { get: (n) => vault.get(n), set: (n, v) => void vault.set(n, v), clear: (n) => void vault.delete(n) },
    });
    expect(vault.get('webhooks.wh_legacy.header.authorization')).toBe(TOKEN);
    const row = storage.db.prepare('SELECT body FROM wh_webhooks WHERE id = ?').get('wh_legacy') as { body: string };
    expect(row.body).not.toContain('erp-token');
    expect(JSON.stringify(migrated.list())).not.toContain('erp-token');
    // Stored before the format option existed: keeps the bare hex its receiver was built for.
    expect(migrated.get('wh_legacy')!.simpleSignature).toBe('hex');
    storage.close();
  });
});

describe('header and destination validation (issue 12, item 12)', () => {
  it('refuses CR, LF and NUL in header values (and names) at the contract', async () => {
    const c = await core();
    for (const headers of [{ 'x-a': 'ok\r\nx-injected: 1' }, { 'x-a': 'a\nb' }, { 'x-a': 'a\u0000b' }, { 'x-a\r\nb': 'v' }]) {
      const res = await c.commands.dispatch('webhooks.create', { webhook: hookInput('http://127.0.0.1:9/h', { headers }) }, admin);
      expect(res, JSON.stringify(headers)).toMatchObject({ ok: false, error: { code: 'invalid-argument' } });
    }
    expect(WebhookInput.safeParse(hookInput('http://127.0.0.1:9/h', { headers: { 'x-a': 'tab\tand latin-1 ç' } })).success).toBe(true);
  });

  it('refuses link-local and cloud-metadata URLs unless allowLinkLocal is set for that webhook', () => {
    for (const url of ['http://169.254.169.254/latest/meta-data', 'http://2852039166/', 'http://0xA9.0xFE.0xA9.0xFE/', 'http://[fe80::1]/', 'http://[::ffff:169.254.169.254]/', 'http://metadata.google.internal/computeMetadata/v1/', 'http://METADATA.google.internal./', 'http://100.100.100.200/', 'http://[fd00:ec2::254]/']) {
      const refused = WebhookInput.safeParse(hookInput(url));
      expect(refused.success, url).toBe(false);
      expect(refused.error?.issues[0]?.path).toEqual(['url']);
      expect(WebhookInput.safeParse(hookInput(url, { allowLinkLocal: true })).success, url).toBe(true);
    }
    for (const url of ['http://127.0.0.1:8080/', 'https://hooks.example.com/x', 'http://10.0.0.5/', 'http://[::1]/', 'http://169.255.0.1/']) {
      expect(WebhookInput.safeParse(hookInput(url)).success, url).toBe(true);
    }
    expect(isLinkLocalAddress('fe80::1%eth0')).toBe(true);
    expect(isLinkLocalAddress('febf::1')).toBe(true);
    expect(isLinkLocalAddress('fec0::1')).toBe(false);
    expect(isLinkLocalHost('metadata')).toBe(true);
  });

  it('checks what the name resolves to at delivery time (no connection is made to a refused address)', async () => {
    const s = await sink();
    const port = new URL(s.url).port;
    const resolved: string[] = [];
    // A resolver that maps names without DNS: one to the sink, one to the metadata address.
    const lookup = ((host: string, options: unknown, callback: (error: Error | null, addresses: LookupAddress[]) => void) => {
      resolved.push(host);
      const address = host === 'sink.test' ? '127.0.0.1' : '169.254.169.254';
      callback(null, [{ address, family: 4 }]);
    }) as unknown as LookupFn;
    const transport = createHttpTransport({ lookup });
    const storage = Storage.open(join(mkdtempSync(join(tmpdir(), 'ops-whs-')), 'q.db'));
    const o = new Outbound({ storage, transport, secretOf: () => generateSecret(), secretStatus: () => ({ present: true, masked: '' }) });
    o.start();
    cleanup.push(async () => {
      await o.stop();
      storage.close();
    });
    const good = o.create(WebhookInput.parse(hookInput(`http://sink.test:${port}/ok`, { events: ['webhook.test'] })));
    const bad = o.create(WebhookInput.parse(hookInput(`http://rebound.test:${port}/meta`, { events: ['webhook.test'] })));
    o.emit('webhook.test', {});
    await s.waitFor(1);
    await expect.poll(() => o.deliveries({ webhookId: bad.id, limit: 1 })[0]?.lastError ?? '').toMatch(/link-local or cloud-metadata address/);
    const [delivery] = o.deliveries({ webhookId: bad.id, limit: 1 });
    expect(delivery!.lastError).toContain('169.254.169.254');
    expect(o.get(bad.id)!.unreachable).toBe(false); // a refusal, not "network down"
    expect(s.requests.map((r) => r.path)).toEqual(['/ok']);
    expect(o.deliveries({ webhookId: good.id, limit: 1 })[0]).toBeDefined();
    expect(resolved).toContain('rebound.test');
  });
});

describe('simple signature format (issue 13)', () => {
  it('sends X-Signature: sha256=<hex> by default, bare hex on request; the receiver side accepts both', async () => {
    const c = await core();
    const s = await sink();
    const secret = 'segredo-simples-123';
    const made = async (over: Record<string, unknown>) =>
      value<{ webhook: { id: string } }>(await c.commands.dispatch('webhooks.create', { webhook: hookInput(`${s.url}/h`, { signing: 'simple', headers: {}, ...over }), secret }, admin)).webhook.id;
    const prefixed = await made({});
    const bare = await made({ simpleSignature: 'hex' });
    await c.commands.dispatch('webhooks.dispatch', { type: 'ticket.critical', data: {}, webhookId: prefixed }, admin);
    await s.waitFor(1);
    await c.commands.dispatch('webhooks.dispatch', { type: 'ticket.critical', data: {}, webhookId: bare }, admin);
    const [first, second] = await s.waitFor(2);
    const hex = (body: string) => createHmac('sha256', secret).update(body).digest('hex');
    expect(first!.headers['x-signature']).toBe(`sha256=${hex(first!.body)}`);
    expect(second!.headers['x-signature']).toBe(hex(second!.body));
    for (const r of [first!, second!]) expect(verifyInbound('simple', secret, r.headers, r.body)).toMatchObject({ ok: true });
  });
});
