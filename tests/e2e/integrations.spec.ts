import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { callAdmin, callBridge, expect, test, unlockAdmin } from './host';

/**
 * Integrations in the demo web host: the demo sink webhook receives signed deliveries, an
 * admin creates a webhook against a local receiver and sends a test, the delivery log shows
 * the attempt, the inbound receiver shows the simulated fiscal system's events, and the
 * scheduled jobs run on demand. Secrets never reach the page.
 */
const shots = '.tmp/shots-integrations';

// This spec changes settings (webhooks): a host of its own, so none leaks into another spec.
test.use({ ownHost: true });

test.describe('integrations', () => {
  let server: Server;
  let url = '';
  const received: Array<{ path: string; headers: Record<string, string>; body: string }> = [];

  test.beforeAll(async () => {
    mkdirSync(shots, { recursive: true });
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push({ path: req.url ?? '', headers: req.headers as Record<string, string>, body });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/erp`;
  });
  test.afterAll(() => new Promise<void>((r) => server.close(() => r())));

  test('create a webhook, send a test, see the signed delivery in the log', async ({ page, bridgeLog, host }) => {
    await page.goto(`${host.url}#/integrations`);
    await unlockAdmin(page); // creating webhooks, tests and on-demand runs are admin actions
    await expect(page.getByRole('heading', { name: 'Integrations' })).toBeVisible();
    // The demo sink webhook exists and is enabled.
    await expect(page.getByTestId('webhook-wh_demo_sink')).toBeVisible();

    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    await page.getByTestId('webhook-add').click();
    await page.getByTestId('wh-name').fill('ERP fiscal');
    await page.getByTestId('wh-url').fill(url);
    // A quiet event, so only the test and the replay reach our receiver.
    await page.getByTestId('wh-event-alert.raised').uncheck();
    await page.getByTestId('wh-event-daily.summary').check();
    await page.getByTestId('wh-secret').fill(secret);
    const token = 'Bearer e2e-header-token-0001';
    await page.getByTestId('wh-headers').fill(`Authorization: ${token}`);
    await page.getByTestId('wh-save').click();
    const card = page.locator('article.hook', { hasText: 'ERP fiscal' });
    await expect(card).toBeVisible();
    await card.getByTestId('wh-test').click();
    await expect.poll(() => received.length).toBeGreaterThan(0);
    const req = received[0]!;
    expect(new StandardWebhook(secret).verify(req.body, req.headers)).toMatchObject({ type: 'webhook.test' });
    expect(req.headers.authorization).toBe(token);
    await expect(card.getByTestId('success-rate')).toHaveText('100%');

    // The form shows the header masked; saving it unchanged keeps the stored value (checked by the replay below).
    await card.getByRole('button', { name: 'Edit' }).click();
    await expect(page.getByTestId('wh-headers')).toHaveValue('Authorization: ••••0001');
    await page.getByTestId('wh-save').click();
    await expect(page.getByTestId('webhook-editor')).toBeHidden();

    await page.getByTestId('tab-deliveries').click();
    const row = page.locator('[data-testid="delivery-row"][data-event="webhook.test"]').filter({ hasText: 'ERP fiscal' }).first();
    await expect(row).toHaveAttribute('data-state', 'succeeded');
    await row.click();
    await expect(page.getByTestId('delivery-drawer')).toContainText('200');
    await expect(page.getByTestId('event-id')).toHaveText(req.headers['webhook-id']!);
    await page.screenshot({ path: `${shots}/deliveries-en.png` });

    // Replay keeps the event id.
    await page.getByTestId('delivery-drawer').getByRole('button', { name: 'Close' }).click();
    await row.getByTestId('delivery-replay').click();
    await expect.poll(() => received.length).toBe(2);
    expect(received[1]!.headers['webhook-id']).toBe(req.headers['webhook-id']);
    expect(received[1]!.headers.authorization).toBe(token);

    // The secret went to main once (the admin typed it) and never came back, nor into the DOM.
    const fromMain = bridgeLog.filter((frame) => !frame.startsWith('{"t":"call"'));
    expect(fromMain.length).toBeGreaterThan(0);
    expect(fromMain.join('\n')).not.toContain(secret.slice(6));
    expect(await page.content()).not.toContain(secret.slice(6));
    // So did the custom header's value.
    expect(fromMain.join('\n')).not.toContain('e2e-header-token');
    expect(await page.content()).not.toContain('e2e-header-token');
  });

  test('an event from another area (a critical alert on the dashboard channel) is forwarded, signed, to a subscribed webhook', async ({ page, host }) => {
    const secret = 'whsec_UGFnZXJTZWNyZXRGb3JFMkVUZXN0c09ubHkx';
    await page.goto(`${host.url}#/integrations`);
    await unlockAdmin(page); // creating webhooks, tests and on-demand runs are admin actions
    await page.getByTestId('webhook-add').click();
    await page.getByTestId('wh-name').fill('NOC pager');
    await page.getByTestId('wh-url').fill(url.replace('/erp', '/pager'));
    await page.getByTestId('wh-event-alert.raised').uncheck();
    await page.getByTestId('wh-event-ticket.critical').check();
    await page.getByTestId('wh-secret').fill(secret);
    await page.getByTestId('wh-save').click();
    const card = page.locator('article.hook', { hasText: 'NOC pager' });
    await expect(card).toBeVisible();

    const title = `Servidor Principal Offline ${Date.now()}`;
    await callAdmin(page, 'dashboard.simulate', { message: { type: 'critical_alert', data: { id: `fwd-${Date.now()}`, title, severity: 'critical' } } });
    const pager = () => received.filter((r) => r.path === '/pager');
    await expect.poll(() => pager().length, { timeout: 15_000 }).toBeGreaterThan(0);
    const event = new StandardWebhook(secret).verify(pager()[0]!.body, pager()[0]!.headers) as { type: string; data: unknown };
    expect(event.type).toBe('ticket.critical');
    expect(JSON.stringify(event.data)).toContain(title);
    await page.getByTestId('tab-deliveries').click();
    await expect(page.locator('[data-testid="delivery-row"][data-event="ticket.critical"]').filter({ hasText: 'NOC pager' }).first()).toHaveAttribute('data-state', 'succeeded');
    // Later specs on this shared host must not page anyone.
    await page.getByTestId('tab-webhooks').click();
    await card.getByTestId('wh-toggle').click();
    await expect(card.getByTestId('wh-test')).toBeDisabled();
  });

  test('inbound receiver shows the fiscal events, retention and summary run on demand', async ({ page, host }) => {
    await page.goto(`${host.url}#/integrations`);
    await unlockAdmin(page); // creating webhooks, tests and on-demand runs are admin actions
    // Demo sender: one event every ~10 s; send one through the bridge-independent path too.
    await page.getByTestId('tab-inbound').click();
    await expect(page.getByTestId('inbound-status')).toContainText('Listening at http://127.0.0.1:');
    await expect(page.getByTestId('inbound-row').first()).toBeVisible({ timeout: 30_000 });
    await expect(page.getByTestId('inbound-row').first()).toContainText(/nfe_importada|cte_importado|consulta_concluida|documento_atualizado|erro_importacao/);
    await page.screenshot({ path: `${shots}/inbound-en.png`, fullPage: true });

    await page.getByTestId('tab-schedule').click();
    await page.getByTestId('run-retention').click();
    await expect(page.getByTestId('last-retention')).toContainText('Last clean-up');
    await page.getByTestId('run-summary').click();
    await expect(page.getByTestId('summary-card')).toContainText('Events per upstream');
    await page.screenshot({ path: `${shots}/schedule-en.png`, fullPage: true });

    const status = (await callBridge(page, 'connections.list')) as { value: Array<{ id: string; state: string }> };
    expect(status.value.find((s) => s.id === 'webhooks')?.state).toBe('open');
  });

  test('screenshots in pt-BR', async ({ browser, host }) => {
    const context = await browser.newContext({ locale: 'pt-BR', viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${host.url}#/integrations`);
    await unlockAdmin(page); // the summary run below is an admin action
    await expect(page.getByRole('heading', { name: 'Integrações' })).toBeVisible();
    await expect(page.getByTestId('webhook-wh_demo_sink')).toBeVisible();
    await page.screenshot({ path: `${shots}/webhooks-pt-BR.png`, fullPage: true });
    await page.getByTestId('tab-deliveries').click();
    await page.screenshot({ path: `${shots}/deliveries-pt-BR.png` });
    await page.getByTestId('tab-inbound').click();
    await page.screenshot({ path: `${shots}/inbound-pt-BR.png`, fullPage: true });
    await page.getByTestId('tab-schedule').click();
    await page.getByTestId('run-summary').click();
    await expect(page.getByTestId('summary-sent')).toBeVisible();
    await page.screenshot({ path: `${shots}/schedule-pt-BR.png`, fullPage: true });
    await context.close();
  });
});
