import { startRpaLogSimulator, type RpaLogSimulator } from '../../src-main/demo/rpa-logs-sim';
import { callBridge, expect, startHost, test, type ConsoleHost } from './host';

const XSS = '<img src=x onerror=alert(1)>';

test.describe('job logs (seed 000) in the demo host', () => {
  test('alert rules per job and level are edited on the page and kept by main', async ({ page, host }) => {
    await page.goto(`${host.url}#/logs`);
    const before = ((await callBridge(page, 'logs.config')) as { value: object }).value;
    // The host is shared with other specs: put the rules back afterwards.
    try {
      const rules = page.getByTestId('log-rules');
      await rules.locator('summary').click();
      await expect(rules.getByTestId('log-rule')).toHaveCount(1); // the default: ERROR on every job
      await rules.getByTestId('log-rule-add').click();
      const added = rules.getByTestId('log-rule').nth(1);
      await added.getByRole('textbox').fill('abc-123-def-456');
      await added.getByRole('combobox').first().selectOption('WARNING');
      await added.getByRole('combobox').nth(1).selectOption('high');
      await rules.getByTestId('log-silent').fill('15');
      await rules.getByTestId('log-rules-save').click();
      await expect(rules.getByTestId('log-rules-message')).toContainText('Saved');

      await page.reload();
      await page.getByTestId('log-rules').locator('summary').click();
      const kept = page.getByTestId('log-rule').nth(1);
      await expect(kept.getByRole('textbox')).toHaveValue('abc-123-def-456');
      await expect(kept.getByRole('combobox').first()).toHaveValue('WARNING');
      await expect(kept.getByRole('combobox').nth(1)).toHaveValue('high');
      await expect(page.getByTestId('log-silent')).toHaveValue('15');
    } finally {
      await callBridge(page, 'logs.configure', before);
    }
  });

  test('demo jobs appear with counts; opening one shows live lines coloured by level', async ({ page, host }) => {
    await page.goto(`${host.url}#/logs`);
    const rows = page.getByTestId('job-row');
    await expect(rows.first()).toBeVisible();
    await expect(rows.first().getByTestId('job-lines')).toContainText(/\d+ lines/);
    const jobId = await rows.first().getAttribute('data-job');
    await rows.first().click();
    await expect(page.getByTestId('job-tab').filter({ hasText: jobId! })).toBeVisible();
    await expect(page.getByTestId('log-line').first()).toBeVisible();
    // Follow mode keeps receiving the live feed.
    const count = async () => Number((await page.getByTestId('line-count').innerText()).replace(/[^\d].*$/, '').replace(/\D/g, ''));
    const before = await count();
    await expect.poll(count).toBeGreaterThan(before);
    // Only ERROR: every shown line is red-classed.
    for (const level of ['WARNING', 'INFO', 'DEBUG', 'system']) await page.getByTestId(`level-${level}`).click();
    await expect(page.locator('[data-testid="log-line"].lvl-ERROR').first()).toBeVisible({ timeout: 30_000 });
    expect(await page.locator('[data-testid="log-line"]:not(.lvl-ERROR)').count()).toBe(0);
  });
});

test.describe('job logs against a test-driven upstream', () => {
  let sim: RpaLogSimulator;
  let host: ConsoleHost;

  test.beforeAll(async () => {
    sim = await startRpaLogSimulator({ autoplay: false, token: 'e2e-token', jobs: ['job-xss', 'job-b'], retryMs: 100 });
    host = await startHost([], { config: { upstreams: { rpaLogs: { url: sim.url } }, secrets: { 'rpaLogs.token': 'e2e-token' } } });
  });
  test.afterAll(async () => {
    await host?.stop();
    await sim?.stop();
  });

  test('upstream HTML is shown literally, never executed (XSS)', async ({ page }) => {
    let dialogs = 0;
    page.on('dialog', (d) => {
      dialogs++;
      void d.dismiss();
    });
    await page.goto(`${host.url}#/logs`);
    await expect.poll(() => sim.clientCount).toBe(1);
    sim.emit({ job_id: 'job-xss', level: 'ERROR', message: XSS, operadora: '<b>VIVO</b>' });
    await page.getByTestId('job-row').filter({ hasText: 'job-xss' }).click();
    const line = page.getByTestId('log-line').filter({ hasText: XSS });
    await expect(line).toBeVisible();
    await expect(line.getByTestId('log-message')).toHaveText(XSS);
    await expect(line).toHaveClass(/lvl-ERROR/);
    expect(await page.locator('[data-testid="log-pane"] img').count()).toBe(0);
    expect(await page.locator('[data-testid="log-pane"] b').count()).toBe(0);
    await line.click();
    await expect(page.getByTestId('line-details')).toContainText('<b>VIVO</b>');
    expect(dialogs).toBe(0);
  });

  test('search highlights and steps through matches; pause shows the number of new lines', async ({ page }) => {
    await page.goto(`${host.url}#/logs?job=job-b`);
    await expect.poll(() => sim.clientCount).toBeGreaterThan(0);
    for (let i = 0; i < 30; i++) sim.emit({ job_id: 'job-b', level: 'INFO', message: i % 10 === 0 ? `Fatura ${i} com agulha` : `linha comum ${i}` });
    await expect(page.getByTestId('line-count')).toContainText('30 of 30');
    await page.getByTestId('search').fill('agulha');
    await expect(page.getByTestId('search-count')).toHaveText('0/3');
    await page.getByTestId('search-next').click();
    await expect(page.getByTestId('search-count')).toHaveText('1/3');
    await expect(page.locator('mark').first()).toHaveText('agulha');
    // Searching paused follow mode: new lines are counted, not scrolled to.
    for (let i = 0; i < 5; i++) sim.emit({ job_id: 'job-b', message: `nova ${i}` });
    await expect(page.getByTestId('new-lines')).toContainText('5 new lines');
    await page.getByTestId('new-lines').click();
    await expect(page.getByTestId('new-lines')).toHaveCount(0);
    await expect(page.getByTestId('log-line').last()).toContainText('nova 4');
  });

  test('scrolling to the top loads older lines and keeps the same lines in view', async ({ page }) => {
    await page.goto(`${host.url}#/logs`);
    await expect.poll(() => sim.clientCount).toBeGreaterThan(0);
    // More lines than the first page (5,000) before the job is opened.
    for (let i = 0; i < 5_600; i++) sim.emit({ job_id: 'job-old', level: 'INFO', message: `linha antiga ${i}` });
    await expect(page.getByTestId('job-row').filter({ hasText: 'job-old' })).toContainText('5,600', { timeout: 20_000 });
    await page.getByTestId('job-row').filter({ hasText: 'job-old' }).click();
    await expect(page.getByTestId('line-count')).toContainText('5,000 of 5,000');
    const lines = page.getByTestId('log-lines');
    await lines.evaluate((el) => el.scrollTo({ top: 0 }));
    await expect(page.getByTestId('line-count')).toContainText('5,600 of 5,600');
    // The line that was first before loading is still in view, with older ones above it.
    await expect(page.getByTestId('log-line').filter({ hasText: /linha antiga 600(?!\d)/ })).toBeInViewport();
    await lines.evaluate((el) => el.scrollTo({ top: 0 }));
    await expect(page.getByTestId('log-line').first()).toContainText('linha antiga 0');
    await expect(page.getByTestId('load-older')).toHaveCount(0);
  });

  test('a job id typed by hand is pinned before it has logs, then fills live', async ({ page }) => {
    await page.goto(`${host.url}#/logs`);
    await page.getByTestId('job-input').fill('futuro-777');
    await page.getByTestId('job-pin').click();
    const row = page.getByTestId('job-row').filter({ hasText: 'futuro-777' });
    await expect(row.getByTestId('job-pin-toggle')).toHaveText('★');
    await expect(page.getByTestId('no-lines')).toBeVisible();
    await expect.poll(() => sim.clientCount).toBeGreaterThan(0);
    sim.emit({ job_id: 'futuro-777', message: 'primeira linha' });
    await expect(page.getByTestId('log-line')).toContainText('primeira linha');
    await expect(row.getByTestId('job-lines')).toContainText('1 line');
  });
});
