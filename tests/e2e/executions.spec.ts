import { mkdirSync } from 'node:fs';
import { test, expect, type Page } from '@playwright/test';
import { callBridge, startHost, type ConsoleHost } from './host';

/**
 * Keyword hub executions (seed 001) through the web host against the demo simulator, at a fast
 * pace (OPS_DEMO_SPEED=4: an execution takes ~7.5 s instead of ~30 s).
 */
let host: ConsoleHost;
test.describe.configure({ mode: 'serial' });
test.beforeAll(async () => {
  host = await startHost(['--demo'], { env: { OPS_DEMO_SPEED: '4' } });
});
test.afterAll(async () => host?.stop());

const shots = '.tmp/shots-executions';
async function open(page: Page, path = '/executions', on = host) {
  await page.goto(`${on.url}#${path}`);
  await expect(page.getByTestId('hub-state')).toHaveAttribute('class', /state-open/);
}

test('validates the start form field by field before sending', async ({ page }) => {
  await open(page);
  await page.getByTestId('form-blogUrl').fill('ftp://blog.exemplo.com');
  await page.getByTestId('form-maxKeywords').fill('0');
  await page.getByTestId('form-depth').fill('11');
  await page.getByTestId('form-submit').click();
  await expect(page.getByTestId('error-blogUrl')).toHaveText('Enter an http:// or https:// address.');
  await expect(page.getByTestId('error-maxKeywords')).toBeVisible();
  await expect(page.getByTestId('error-depth')).toBeVisible();
  await expect(page.getByTestId('error-timeout')).toHaveCount(0);
  await expect(page.getByTestId('form-message')).toHaveCount(0);
});

test('starts an execution and watches it complete, with keywords, clusters, result and CSV export', async ({ page }) => {
  await open(page);
  await page.getByTestId('form-blogUrl').fill('https://blog.exemplo.com.br');
  await page.getByTestId('form-maxKeywords').fill('60');
  await page.getByTestId('form-submit').click();
  await expect(page.getByTestId('execution-detail')).toBeVisible();
  const id = (await page.getByTestId('detail-id').textContent())!.trim();
  expect(id).toMatch(/^exec_\d+$/);
  await expect(page.getByTestId('exec-status')).toHaveAttribute('data-status', 'concluida', { timeout: 20_000 });
  await expect(page.getByTestId('detail-progress')).toHaveText('60/60 · 100.0%');
  const total = Number(await page.getByTestId('result-total').textContent());
  expect(total).toBeGreaterThan(0);
  await expect(page.getByTestId('kw-count')).toHaveText(`${total} of ${total}`);
  await expect(page.getByTestId('cluster').first()).toBeVisible();
  await expect(page.getByTestId('result-rate')).toHaveText(/%$/);
  // Nothing to do on a finished execution.
  for (const a of ['pausar', 'resumir', 'cancelar']) await expect(page.getByTestId(`exec-${a}`)).toBeDisabled();

  // Sort by term, filter, export what is shown.
  await page.getByTestId('kw-sort-term').click();
  const terms = await page.getByTestId('kw-row').locator('td:first-child').allTextContents();
  expect(terms).toEqual([...terms].sort((a, b) => a.localeCompare(b, 'en')));
  const first = terms[0]!;
  await page.getByTestId('kw-filter').fill(first);
  await expect(page.getByTestId('kw-row').first()).toContainText(first);
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('kw-export').click()]);
  expect(download.suggestedFilename()).toBe(`keywords_${id}.csv`);

  // The download link opens outside the console (new tab, no opener) after its URL is checked.
  await page.evaluate(() => {
    const w = window as unknown as { __opened: unknown[]; open: (...a: unknown[]) => null };
    w.__opened = [];
    w.open = (...args: unknown[]) => (w.__opened.push(args), null);
  });
  await page.getByTestId('result-download').click();
  const opened = (await page.evaluate(() => (window as unknown as { __opened: unknown[][] }).__opened)) as string[][];
  expect(opened).toHaveLength(1);
  expect(opened[0]![0]).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:\\d+/download/${id}$`));
  expect(opened[0]![1]).toBe('_blank');
  expect(opened[0]![2]).toContain('noopener');

  mkdirSync(shots, { recursive: true });
  await page.getByTestId('kw-filter').fill('');
  await page.screenshot({ path: `${shots}/detail-en.png`, fullPage: false });
});

test('pause, resume and cancel are enabled only where the state machine allows them', async ({ page }) => {
  // At the fast pace a run can end before a busy machine clicks Pause: this one runs at the
  // demo's slow pace (~2 min), so every step below happens while it is still running.
  const slow = await startHost(['--demo'], { env: { OPS_DEMO_SPEED: '0.25' } });
  try {
    const id = await pauseResumeCancel(page, slow);
    // The list shows that execution, cancelled, with its progress.
    await page.goto(`${slow.url}#/executions`);
    const row = page.getByTestId(`exec-row-${id}`);
    await expect(row).toBeVisible();
    await expect(row.getByTestId('exec-progress')).toHaveText(/^\d+\/\d+ · \d+\.\d%$/);
    await page.screenshot({ path: `${shots}/list-en.png` });
  } finally {
    await slow.stop();
  }
});

/** Start one execution on `on`, pause, resume and cancel it from its detail page; its id. */
async function pauseResumeCancel(page: Page, on: ConsoleHost): Promise<string> {
  await open(page, '/executions', on);
  await page.getByTestId('form-blogUrl').fill('https://pausa.exemplo.com');
  await page.getByTestId('form-maxKeywords').fill('2000');
  await page.getByTestId('form-submit').click();
  await expect(page.getByTestId('execution-detail')).toBeVisible();
  await expect(page.getByTestId('exec-resumir')).toBeDisabled();
  await page.getByTestId('exec-pausar').click();
  await expect(page.getByTestId('exec-status')).toHaveAttribute('data-status', 'pausada');
  await expect(page.getByTestId('exec-pausar')).toBeDisabled();
  await expect(page.getByTestId('exec-resumir')).toBeEnabled();
  await page.getByTestId('exec-resumir').click();
  await expect(page.getByTestId('exec-status')).toHaveAttribute('data-status', /em_andamento|iniciada/);
  page.once('dialog', (d) => void d.accept());
  await page.getByTestId('exec-cancelar').click();
  await expect(page.getByTestId('exec-status')).toHaveAttribute('data-status', 'cancelada');
  for (const a of ['pausar', 'resumir', 'cancelar']) await expect(page.getByTestId(`exec-${a}`)).toBeDisabled();
  return decodeURIComponent(/#\/executions\/([^?]+)/.exec(page.url())![1]!);
}

test('notifications with their links, preferences, and monitoring charts', async ({ page }) => {
  await open(page, '/executions?tab=monitoring');
  await page.getByTestId('mon-interval').selectOption('1000');
  await page.getByTestId('mon-apply').click();
  await expect(page.getByTestId('mon-empty')).toHaveCount(0, { timeout: 10_000 });
  await expect(page.locator('[data-testid="chart-cpu"] canvas')).toBeVisible();
  await expect(page.getByTestId('mon-interval')).toHaveValue('1000');
  // Reopened, the panel shows the choice main keeps (not the default).
  await open(page, '/executions?tab=monitoring');
  await expect(page.getByTestId('mon-interval')).toHaveValue('1000');
  await page.screenshot({ path: `${shots}/monitoring-en.png` });

  await page.getByTestId('tab-notifications').click();
  await expect(page.getByTestId('notification').first()).toBeVisible({ timeout: 20_000 });
  await page.getByTestId('pref-aviso').uncheck();
  await page.getByTestId('pref-save').click();
  await expect(page.getByTestId('notif-prefs')).toContainText('Preferences sent to the hub.');
  await page.screenshot({ path: `${shots}/notifications-en.png` });
});

/**
 * Start `n` executions through one bridge socket, all at once: past the hub's rate limit (the
 * simulator's 200 messages a second per client) main holds the refused commands and sends them
 * again when the window closes. Resolves with the number the hub accepted.
 */
async function startMany(page: Page, n: number): Promise<number> {
  return page.evaluate(
    (total) =>
      new Promise<number>((resolveAll, reject) => {
        const ws = new WebSocket(new URL('bridge', location.href).href.replace(/^http/, 'ws'));
        let answered = 0;
        let accepted = 0;
        ws.onerror = () => reject(new Error('bridge socket failed'));
        ws.onmessage = (e) => {
          const m = JSON.parse(String(e.data));
          if (m.t === 'result') {
            answered++;
            if (m.ok) accepted++;
            if (answered === total) {
              ws.close();
              resolveAll(accepted);
            }
          }
          if (m.t !== 'hello') return;
          for (let i = 0; i < total; i++) ws.send(JSON.stringify({ t: 'call', id: i + 1, cmd: 'executions.start', args: { blogUrl: `https://lote-${i}.exemplo.com`, maxKeywords: 10 } }));
        };
      }),
    n,
  );
}

test('thousands of executions: only the rows in view are in the DOM, and the end scrolls into view', async ({ page }) => {
  test.setTimeout(120_000);
  // A simulator so slow that every execution stays `iniciada` (silent) for the whole test.
  const slow = await startHost(['--demo'], { env: { OPS_DEMO_SPEED: '0.001' } });
  try {
    await page.goto(`${slow.url}#/executions`);
    await expect(page.getByTestId('hub-state')).toHaveAttribute('class', /state-open/);
    const first = (await callBridge(page, 'executions.start', { blogUrl: 'https://primeira.exemplo.com', maxKeywords: 10 })) as { ok: boolean; value: { executionId: string } };
    expect(first.ok).toBe(true);
    const oldest = first.value.executionId;
    const n = 2_000;
    expect(await startMany(page, n)).toBe(n);

    await expect(page.getByTestId('list-count')).toHaveText(`(${n + 1})`, { timeout: 20_000 });
    await expect(page.getByTestId('exec-table')).toHaveAttribute('aria-rowcount', String(n + 2));
    const rows = page.locator('.exec-row');
    const inDom = await rows.count();
    expect(inDom).toBeGreaterThan(5);
    expect(inDom).toBeLessThanOrEqual(60);
    await expect(page.getByTestId(`exec-row-${oldest}`)).toHaveCount(0);
    mkdirSync(shots, { recursive: true });
    await page.screenshot({ path: `${shots}/list-many-en.png` });

    // The scrollbar covers all of them: the end is the oldest execution.
    const scroller = page.getByTestId('exec-scroll');
    await scroller.evaluate((el) => el.scrollTo({ top: el.scrollHeight }));
    await expect(page.getByTestId(`exec-row-${oldest}`)).toBeVisible();
    await expect(page.getByTestId(`exec-row-${oldest}`)).toBeInViewport();
    expect(await rows.count()).toBeLessThanOrEqual(60);
    await page.screenshot({ path: `${shots}/list-many-end-en.png` });

    // Filtering still sees every execution, not just the drawn ones.
    await page.getByTestId('list-filter').fill('primeira');
    await expect(rows).toHaveCount(1);
    await expect(page.getByTestId(`exec-row-${oldest}`)).toBeVisible();
    await page.getByTestId('list-filter').fill('lote-1999.');
    await expect(rows).toHaveCount(1);
  } finally {
    await slow.stop();
  }
});

test.describe('pt-BR', () => {
  test.use({ locale: 'pt-BR' });
  test('shows the views in Portuguese', async ({ page }) => {
    await open(page);
    await expect(page.getByRole('heading', { name: 'Execuções de keywords' })).toBeVisible();
    await page.getByTestId('form-blogUrl').fill('nao-e-url');
    await page.getByTestId('form-submit').click();
    await expect(page.getByTestId('error-blogUrl')).toHaveText('Informe um endereço http:// ou https://.');
    await page.screenshot({ path: `${shots}/list-pt-BR.png` });
    await page.getByTestId('exec-link').first().click();
    await expect(page.getByTestId('execution-detail')).toBeVisible();
    await page.screenshot({ path: `${shots}/detail-pt-BR.png` });
    await page.goto(`${host.url}#/executions?tab=monitoring`);
    await expect(page.getByTestId('mon-empty')).toHaveCount(0, { timeout: 10_000 }); // samples arrived: the charts are drawn
    await expect(page.locator('[data-testid="chart-cpu"] canvas')).toBeVisible();
    await page.screenshot({ path: `${shots}/monitoring-pt-BR.png` });
    await page.goto(`${host.url}#/executions?tab=notifications`);
    await page.screenshot({ path: `${shots}/notifications-pt-BR.png` });
  });
});
