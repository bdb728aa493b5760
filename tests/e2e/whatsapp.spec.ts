import { mkdirSync } from 'node:fs';
import { callBridge, expect, test, unlockAdmin } from './host';

const shots = '.tmp/shots-whatsapp';

// This spec changes settings (the Evolution mode): a host of its own, so none leaks into another spec.
test.use({ ownHost: true });

test.describe('WhatsApp instances (Evolution API, demo simulator)', () => {
  test('the board shows every instance with its state, the QR of the one pairing, and live counters', async ({ page, host }) => {
    await page.goto(`${host.url}#/whatsapp`);
    const tiles = page.getByTestId('wa-tile');
    await expect(tiles).toHaveCount(4, { timeout: 20_000 });
    await expect(page.locator('[data-testid="wa-tile"][data-instance="atendimento-sp"]')).toHaveAttribute('data-state', 'open');
    const pairing = page.locator('[data-testid="wa-tile"][data-instance="financeiro-poa"]');
    await expect(pairing).toHaveAttribute('data-state', 'connecting');
    const qr = pairing.getByTestId('wa-qr').locator('img');
    await expect(qr).toBeVisible({ timeout: 30_000 });
    expect(await qr.getAttribute('src')).toMatch(/^data:image\/png;base64,/);
    expect(await qr.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
    // Messages flow: some tile counts events and shows a last-event age.
    await expect.poll(async () => Number(await page.locator('[data-testid="wa-tile"][data-state="open"]').first().getByTestId('wa-events').textContent()), { timeout: 30_000 }).toBeGreaterThan(0);
    await expect(page.getByTestId('wa-global')).toHaveAttribute('data-state', 'open');
  });

  test('after an Evolution outage the global socket is retried, comes back, and events flow again', async ({ page, host }) => {
    await page.goto(`${host.url}#/whatsapp`);
    await expect(page.getByTestId('wa-tile')).toHaveCount(4, { timeout: 20_000 });
    await expect(page.getByTestId('wa-global')).toHaveAttribute('data-state', 'open', { timeout: 20_000 });
    expect(await callBridge(page, 'demo.control', { target: 'evolution', action: 'stop' })).toMatchObject({ ok: true });
    await expect(page.getByTestId('wa-global')).toHaveAttribute('data-state', 'reconnecting', { timeout: 20_000 });
    const total = async () => (await page.getByTestId('wa-events').allTextContents()).reduce((a, t) => a + Number(t), 0);
    const before = await total();
    expect(await callBridge(page, 'demo.control', { target: 'evolution', action: 'start' })).toMatchObject({ ok: true });
    await expect(page.getByTestId('wa-global')).toHaveAttribute('data-state', 'open', { timeout: 40_000 });
    await expect.poll(total, { timeout: 30_000 }).toBeGreaterThan(before);
  });

  test('per-instance mode: a namespace per instance, disconnect and connect one, test it', async ({ page, host }) => {
    await page.goto(`${host.url}#/whatsapp`);
    await expect(page.getByTestId('wa-tile')).toHaveCount(4, { timeout: 20_000 });
    await unlockAdmin(page); // switching the mode is an admin action
    await page.getByTestId('wa-mode').selectOption('instance');
    const tile = page.locator('[data-testid="wa-tile"][data-instance="vendas-rj"]');
    await expect(tile.getByTestId('state-badge')).toHaveText(/connected|conectado/, { timeout: 20_000 });
    await tile.getByTestId('wa-disconnect').click();
    await expect(tile.getByTestId('state-badge')).toHaveText(/stopped|desligado/);
    await tile.getByTestId('wa-connect').click();
    await expect(tile.getByTestId('state-badge')).toHaveText(/connected|conectado/, { timeout: 20_000 });
    await tile.getByTestId('wa-test').click();
    await expect(tile.getByTestId('wa-test-result')).toContainText('namespace /vendas-rj reachable', { timeout: 15_000 });
    // Both: duplicates are dropped (each event once), counted on the metrics tab.
    await page.getByTestId('wa-mode').selectOption('both');
    await page.getByTestId('wa-tab-metrics').click();
    await expect.poll(async () => Number(await page.getByTestId('wa-duplicates').textContent()), { timeout: 30_000 }).toBeGreaterThan(0);
    await page.getByTestId('wa-mode').selectOption('global');
    await expect(page.getByTestId('wa-global')).toHaveAttribute('data-state', 'open', { timeout: 20_000 });
  });

  test('event stream: live, filter by instance and type, search, pause, details, export without secrets', async ({ page, host, bridgeLog }) => {
    await page.goto(`${host.url}#/whatsapp/stream`);
    const rows = page.getByTestId('wa-event');
    await expect(rows.first()).toBeVisible({ timeout: 30_000 });
    await page.getByTestId('wa-filter-instance').selectOption('atendimento-sp');
    await expect(rows.first()).toHaveAttribute('data-instance', 'atendimento-sp', { timeout: 30_000 });
    // The list re-renders in batches: wait until every row shown obeys the filter.
    await expect.poll(() => rows.evaluateAll((els) => els.every((e) => e.getAttribute('data-instance') === 'atendimento-sp'))).toBe(true);
    await page.getByTestId('wa-filter-type').selectOption('messages.upsert');
    await expect(rows.first()).toHaveAttribute('data-event', 'messages.upsert', { timeout: 30_000 });
    await expect.poll(() => rows.evaluateAll((els) => els.every((e) => e.getAttribute('data-event') === 'messages.upsert'))).toBe(true);
    await page.getByTestId('wa-pause').click();
    await expect(page.getByTestId('wa-pause')).toContainText(/Paused|Pausado/);
    await rows.last().click();
    await expect(page.getByTestId('wa-event-details')).toBeVisible();
    await expect(page.getByTestId('wa-event-raw')).toContainText('remoteJid');
    await page.getByTestId('wa-event-details').getByRole('button').click();
    await page.getByTestId('wa-pause').click();
    const download = page.waitForEvent('download');
    await page.getByTestId('wa-export-csv').click();
    const file = await download;
    expect(file.suggestedFilename()).toMatch(/^whatsapp-events-.*\.csv$/);
    await expect(page.getByTestId('wa-exported')).toBeVisible();
    // The demo's API key and instance tokens never cross the bridge (the envelope apikey is stripped).
    expect(bridgeLog.join('\n')).not.toMatch(/"apikey":"[^"*]/);
  });

  test('history survives a reload of the page (served from disk), metrics and configuration show', async ({ page, host }) => {
    await page.goto(`${host.url}#/whatsapp/metrics`);
    await expect(page.getByTestId('wa-type-rate').first()).toBeVisible({ timeout: 30_000 });
    await expect.poll(async () => Number(await page.getByTestId('wa-accepted').textContent()), { timeout: 30_000 }).toBeGreaterThan(0);
    await expect(page.getByTestId('wa-latency-p50')).toContainText('ms');
    await page.getByTestId('wa-tab-config').click();
    await expect(page.locator('[data-testid="wa-rule"][data-event="presence.update"]').getByTestId('wa-rule-hidden')).toBeChecked();
    await page.getByTestId('wa-rule-new').fill('messages.delete');
    await page.getByTestId('wa-rule-add').click();
    await page.locator('[data-testid="wa-rule"][data-event="messages.delete"]').getByTestId('wa-rule-notify').check();
    await page.getByTestId('wa-config-save').click();
    await expect(page.getByTestId('wa-config-saved')).toBeVisible();
    const config = (await callBridge(page, 'whatsapp.config')) as { value: { rules: Array<{ event: string; notify: boolean }> } };
    expect(config.value.rules.find((r) => r.event === 'messages.delete')).toMatchObject({ notify: true });
    await page.goto(`${host.url}#/whatsapp/stream`);
    await page.reload();
    await expect(page.getByTestId('wa-event').first()).toBeVisible({ timeout: 20_000 });
  });

  test('screenshots in pt-BR and en', async ({ browser, host }) => {
    test.slow(); // four browser contexts and ten screenshots
    mkdirSync(shots, { recursive: true });
    const ready = { stream: 'wa-stream', metrics: 'wa-metrics', config: 'wa-config' } as const;
    for (const locale of ['pt-BR', 'en-US'] as const) {
      for (const [w, h] of [[1440, 900], [1920, 1080]] as const) {
        const context = await browser.newContext({ locale, viewport: { width: w, height: h } });
        const page = await context.newPage();
        await page.goto(`${host.url}#/whatsapp`);
        await expect(page.locator('[data-testid="wa-tile"] [data-testid="wa-qr"] img')).toBeVisible({ timeout: 30_000 });
        await expect(page.getByTestId('wa-events').first()).not.toHaveText('0');
        await page.screenshot({ path: `${shots}/board-${locale}-${w}.png` });
        if (w === 1440) {
          for (const tab of ['stream', 'metrics', 'config'] as const) {
            await page.getByTestId(`wa-tab-${tab}`).click();
            await expect(page.getByTestId(ready[tab])).toBeVisible();
            if (tab === 'stream') {
              // A live list moves under the pointer: pause it, then open the newest event shown.
              await expect(page.getByTestId('wa-event').first()).toBeVisible();
              await page.getByTestId('wa-pause').click();
              await expect(page.getByTestId('wa-pause')).toContainText(/Paused|Pausado/);
              await page.getByTestId('wa-event').last().click();
              await expect(page.getByTestId('wa-event-details')).toBeVisible();
            }
            await page.screenshot({ path: `${shots}/${tab}-${locale}.png` });
          }
        }
        await context.close();
      }
    }
  });
});
