import { expect, test } from '@playwright/test';
import { callBridge, startHost, type ConsoleHost } from './host';

/**
 * Issue 13: integrations against the seed-003 simulators in seed-only mode
 * (`--seed-only`). The fiscal system posts only `{"event","data"}` signed with a bare
 * HMAC-SHA256 of the body — no ids, no timestamps, no event header — and the demo sink is a
 * receiver written from the seed alone. The console must accept every event (replay ids from
 * the signed body) and its forwarded deliveries must succeed.
 */
let host: ConsoleHost;
test.describe.configure({ mode: 'serial' });
test.beforeAll(async () => {
  host = await startHost(['--demo', '--seed-only']);
});
test.afterAll(async () => host?.stop());

test('seed-only fiscal events are received and forwarded to a seed-only receiver', async ({ page }) => {
  await page.goto(`${host.url}#/integrations`);
  await page.getByTestId('tab-inbound').click();
  await expect(page.getByTestId('inbound-status')).toContainText('Listening at http://127.0.0.1:');
  // The simulated fiscal system posts about every 10 s.
  await expect(page.getByTestId('inbound-row').first()).toBeVisible({ timeout: 40_000 });
  await expect(page.getByTestId('inbound-row').first()).toContainText(/nfe_importada|cte_importado|consulta_concluida|documento_atualizado|erro_importacao/);

  const status = (await callBridge(page, 'inbound.status')) as { value: { accepted: number; refused: Record<string, number>; sources: Array<{ name: string; scheme: string }> } };
  expect(status.value.sources.find((s) => s.name === 'fiscal')?.scheme).toBe('simple');
  expect(status.value.accepted).toBeGreaterThan(0);
  expect(status.value.refused).toEqual({});

  // Each accepted event goes out as `inbound.received` to the demo sink (seed-only receiver).
  await page.getByTestId('tab-deliveries').click();
  await expect(page.locator('[data-testid="delivery-row"][data-event="inbound.received"]').first()).toHaveAttribute('data-state', 'succeeded', { timeout: 15_000 });
});
