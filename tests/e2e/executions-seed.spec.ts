import { test, expect, type Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { callBridge, startHost, type ConsoleHost } from './host';

/**
 * Issue 13: the executions page against the keyword hub simulator in seed-only mode
 * (`--seed-only`): it answers only what seed 001 names (EXECUCAO_INICIADA,
 * EXECUCAO_PAUSADA, SESSAO_PONG), resume and cancel only broadcast the new status without a
 * request_id, EXECUCAO_LISTAR/STATUS are unknown events. Start, pause, resume and cancel from
 * the UI must succeed — confirmed, not "timeout", not "sent, not confirmed". Slow pace (a run
 * takes ~2 min) so the steps finish before the run does on a busy machine.
 */
let host: ConsoleHost;
test.describe.configure({ mode: 'serial' });
test.beforeAll(async () => {
  host = await startHost(['--demo', '--seed-only'], { env: { OPS_DEMO_SPEED: '0.25' } });
});
test.afterAll(async () => host?.stop());

const shots = '.tmp/shots-executions';
async function open(page: Page, path = '/executions') {
  await page.goto(`${host.url}#${path}`);
  await expect(page.getByTestId('hub-state')).toHaveAttribute('class', /state-open/);
}

test('start, pause, resume and cancel succeed against a hub that speaks only seed 001', async ({ page }) => {
  await open(page);
  await page.getByTestId('form-blogUrl').fill('https://semente.exemplo.com');
  await page.getByTestId('form-maxKeywords').fill('300');
  await page.getByTestId('form-submit').click();
  await expect(page.getByTestId('execution-detail')).toBeVisible();
  // Seed-only ids count from 1.
  await expect(page.getByTestId('detail-id')).toHaveText(/^exec_\d+$/);

  await page.getByTestId('exec-pausar').click();
  await expect(page.getByTestId('exec-status')).toHaveAttribute('data-status', 'pausada');
  await expect(page.getByTestId('detail-message')).toHaveText(/paused$/);

  // A network blip: a paused execution is not reported by a strict hub, and it has no query for
  // it — "no news since HH:MM", still paused, not failed.
  expect(await callBridge(page, 'demo.control', { target: 'keywordHub', action: 'drop' })).toMatchObject({ ok: true });
  await expect(page.getByTestId('exec-nonews')).toHaveText(/^no news since \d{2}:\d{2}/, { timeout: 30_000 });
  await expect(page.getByTestId('exec-status')).toHaveAttribute('data-status', 'pausada');
  mkdirSync(shots, { recursive: true });
  await page.screenshot({ path: `${shots}/detail-nonews-en.png` });

  await page.getByTestId('exec-resumir').click();
  await expect(page.getByTestId('exec-status')).toHaveAttribute('data-status', 'em_andamento');
  await expect(page.getByTestId('detail-message')).toHaveText(/resumed$/);
  // Its next report restores it.
  await expect(page.getByTestId('exec-nonews')).toHaveCount(0);

  page.once('dialog', (d) => void d.accept());
  await page.getByTestId('exec-cancelar').click();
  await expect(page.getByTestId('exec-status')).toHaveAttribute('data-status', 'cancelada');
  await expect(page.getByTestId('detail-message')).toHaveText(/cancelled$/);
  await expect(page.getByTestId('exec-unconfirmed')).toHaveCount(0);
  for (const a of ['pausar', 'resumir', 'cancelar']) await expect(page.getByTestId(`exec-${a}`)).toBeDisabled();

  // The health line (shown only when something is wrong): no timeouts, no unknown events, nothing unconfirmed.
  await page.goto(`${host.url}#/executions`);
  await expect(page.getByTestId('exec-table')).toBeVisible();
  await expect(page.getByTestId('hub-health')).toHaveCount(0);
});
