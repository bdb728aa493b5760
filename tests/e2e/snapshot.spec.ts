import { expect, test, type Page } from '@playwright/test';
import { callAdmin, callBridge, startHost, type ConsoleHost } from './host';

/**
 * Issue 15: a store whose snapshot fails says so (a shared error line with Retry) instead of
 * showing stale or empty data in silence. The page's bridge socket is routed through the test,
 * which answers chosen commands with an error while `failing` holds them.
 */
let host: ConsoleHost;
test.describe.configure({ mode: 'serial' });
test.beforeAll(async () => {
  host = await startHost(['--demo'], { env: { OPS_DEMO_SPEED: '4' } });
});
test.afterAll(async () => host?.stop());

/** Answer `commands` with `unavailable` while they are in the set; pass everything else through. */
async function failCommands(page: Page, failing: Set<string>): Promise<void> {
  await page.routeWebSocket(/\/bridge$/, (ws) => {
    const server = ws.connectToServer();
    ws.onMessage((message) => {
      const frame = JSON.parse(String(message)) as { t: string; id?: number; cmd?: string };
      if (frame.t === 'call' && frame.cmd && failing.has(frame.cmd)) ws.send(JSON.stringify({ t: 'result', id: frame.id, ok: false, error: { code: 'unavailable', message: 'test: snapshot refused' } }));
      else server.send(message);
    });
    server.onMessage((message) => ws.send(message));
  });
}

test('a failed executions snapshot shows an error line, and Retry loads the list', async ({ page }) => {
  // A finished execution: only the snapshot can show it (no live event will mention it again).
  await page.goto(`${host.url}#/connections`);
  const started = (await callBridge(page, 'executions.start', { blogUrl: 'https://blog.exemplo.com.br', maxKeywords: 10, depth: 1, timeout: 60 })) as { ok: boolean };
  expect(started.ok).toBe(true);
  let id = '';
  await expect
    .poll(async () => {
      const state = (await callBridge(page, 'executions.state')) as { value: { executions: Array<{ id: string; status: string }> } };
      const done = state.value.executions.find((e) => e.status === 'concluida');
      id = done?.id ?? '';
      return id;
    }, { timeout: 30_000 })
    .not.toBe('');

  const failing = new Set(['executions.state']);
  await failCommands(page, failing);
  await page.goto(`${host.url}#/executions`);
  await page.reload();
  const line = page.locator('[data-testid=snapshot-error][data-area=executions]');
  await expect(line).toContainText('Could not load the keyword executions (service unavailable)');
  await expect(page.getByTestId(`exec-row-${id}`)).toHaveCount(0);

  failing.clear();
  await line.getByTestId('snapshot-retry').click();
  await expect(line).toHaveCount(0);
  await expect(page.getByTestId(`exec-row-${id}`)).toBeVisible();
});

test('the error line speaks the console language (pt-BR), on the bare kiosk screen too', async ({ page }) => {
  await page.goto(`${host.url}#/connections`);
  const settings = ((await callBridge(page, 'settings.get')) as { value: Record<string, unknown> }).value;
  await callAdmin(page, 'settings.update', { settings: { ...settings, language: 'pt-BR' } });
  const failing = new Set(['dashboard.state']);
  await failCommands(page, failing);
  await page.goto(`${host.url}#/kiosk`);
  await page.reload();
  const line = page.locator('[data-testid=snapshot-error][data-area=wallboard]');
  await expect(line).toContainText('Não foi possível carregar o painel (serviço indisponível)');
  failing.clear();
  await line.getByRole('button', { name: 'Tentar de novo' }).click();
  await expect(line).toHaveCount(0);
});
