import { callBridge, expect, test } from './host';

/**
 * The demo host with `--seed-only`: every simulator speaks only what its seed document
 * describes (docs/configuration.md). What an operator checks on the first day must still hold:
 * logs stream live, WhatsApp instances and events show, the wallboard fills, links are up with
 * no error of ours. (The keyword hub and webhooks in this mode have their own specs.)
 */
test.use({ ownHost: true, hostArgs: ['--demo', '--seed-only'] });

type Result<T = unknown> = { ok: boolean; value: T };
type Entry = { upstream: string; type: string; level: string };

test.describe('seed-only simulators', () => {
  test('job logs stream live from a seed-only SSE feed (no ids, no retry:, no heartbeats)', async ({ page, host }) => {
    await page.goto(`${host.url}#/logs`);
    const rows = page.getByTestId('job-row');
    await expect(rows.first()).toBeVisible({ timeout: 20_000 });
    await rows.first().click();
    await expect(page.getByTestId('log-line').first()).toBeVisible();
    const count = async () => Number((await page.getByTestId('line-count').innerText()).replace(/[^\d].*$/, '').replace(/\D/g, ''));
    const before = await count();
    await expect.poll(count, { timeout: 20_000 }).toBeGreaterThan(before);
  });

  test('WhatsApp instances and their events show without the Evolution REST listing', async ({ page, host }) => {
    await page.goto(`${host.url}#/whatsapp`);
    await expect(page.getByTestId('wa-global')).toHaveAttribute('data-state', 'open', { timeout: 20_000 });
    const tiles = page.getByTestId('wa-tile');
    await expect(tiles.first()).toBeVisible({ timeout: 30_000 });
    await expect.poll(async () => (await page.getByTestId('wa-events').allTextContents()).reduce((a, t) => a + Number(t), 0), { timeout: 30_000 }).toBeGreaterThan(0);
    // The seed-only server has no Evolution REST at all; that is no fault: nothing on the page says so.
    const links = ((await callBridge(page, 'connections.list')) as Result<Array<{ id: string; url: string; link?: string }>>).value;
    const evolutionUrl = links.find((l) => l.id === 'evolution' && !l.link)!.url.replace(/\/+$/, '');
    expect((await page.request.get(`${evolutionUrl}/instance/fetchInstances`)).status()).toBe(404);
    await expect(page.getByTestId('wa-rest-error')).toHaveCount(0);
    await page.getByTestId('wa-tab-stream').click();
    await expect(page.getByTestId('wa-event').first()).toBeVisible({ timeout: 30_000 });
  });

  test('the wallboard shows the dashboard, tickets and projects', async ({ page, host }) => {
    await page.goto(`${host.url}#/wallboard`);
    await expect(page.getByTestId('kpi-open')).toContainText(/\d+/, { timeout: 20_000 });
    await expect(page.getByTestId('people-technicians').locator('li')).toHaveCount(5);
    await page.getByTestId('wb-tab-tickets').click();
    await expect(page.getByTestId('ticket-row').first()).toBeVisible();
    await page.getByTestId('wb-tab-projects').click();
    await expect(page.getByTestId('project').first()).toBeVisible();
    const state = ((await callBridge(page, 'dashboard.state')) as Result<{ health: { malformed: number; unknown: number; invalidItems: number } }>).value;
    expect(state.health).toMatchObject({ malformed: 0, unknown: 0, invalidItems: 0 });
  });

  test('the connections panel shows every link up, and no error on the log, WhatsApp and dashboard links', async ({ page, host }) => {
    await page.goto(host.url);
    await expect(page.locator('.conn-card[data-state="open"]')).toHaveCount(5, { timeout: 30_000 });
    for (const id of ['rpaLogs', 'evolution', 'dashboard']) {
      const card = page.locator(`.conn-card[data-upstream="${id}"]`).first();
      await expect(card.getByTestId('events')).not.toHaveText('0', { timeout: 30_000 });
    }
    await expect(page.locator('.conn-card[data-upstream="evolution"]').first().getByTestId('errors')).toHaveText('0');
    await expect(page.locator('.conn-card[data-upstream="dashboard"]').first().getByTestId('errors')).toHaveText('0');
    // The log feed's own `error` events (the seed's "Erro de conexão") are counted; nothing else is.
    const journal = ((await callBridge(page, 'inspector.recent', { limit: 5_000, upstream: 'rpaLogs' })) as Result<Entry[]>).value;
    const upstreamErrors = journal.filter((e) => e.type === 'error').length;
    const shown = Number(await page.locator('.conn-card[data-upstream="rpaLogs"]').first().getByTestId('errors').textContent());
    expect(shown).toBeLessThanOrEqual(upstreamErrors + 1); // one more may arrive between the two reads
    for (const upstream of ['rpaLogs', 'evolution', 'dashboard']) {
      const entries = ((await callBridge(page, 'inspector.recent', { limit: 5_000, upstream })) as Result<Entry[]>).value;
      expect(entries.filter((e) => e.type.startsWith('invalid')).map((e) => e.type)).toEqual([]);
    }
  });
});
