import { bridgeIdle, callBridge, expect, startHost, test, trackBridgeCalls } from './host';

const upstreams = ['rpaLogs', 'keywordHub', 'evolution', 'dashboard'] as const;

test.describe('console shell (demo mode)', () => {
  test('every upstream connects to its simulator and shows live events', async ({ page, host }) => {
    await page.goto(host.url);
    for (const id of upstreams) {
      const card = page.locator(`.conn-card[data-upstream="${id}"]`);
      await expect(card).toHaveAttribute('data-state', 'open', { timeout: 20_000 });
      await expect(card.getByTestId('events')).not.toHaveText('0', { timeout: 30_000 });
    }
    await expect(page.getByTestId('demo-banner')).toBeVisible();
    const health = (await (await page.request.get(`${host.url}api/health`)).json()) as { upstreams: Array<{ id: string; state: string; events: number }> };
    for (const id of upstreams) expect(health.upstreams.find((u) => u.id === id)).toMatchObject({ state: 'open' });
  });

  test('the connections panel follows a simulator being stopped and restarted', async ({ page, host }) => {
    await page.goto(host.url);
    const card = page.locator('.conn-card[data-upstream="dashboard"]');
    await expect(card).toHaveAttribute('data-state', 'open', { timeout: 20_000 });
    const before = Number(await card.getByTestId('reconnects').textContent());
    expect(await callBridge(page, 'demo.control', { target: 'dashboard', action: 'stop' })).toMatchObject({ ok: true });
    await expect(card).toHaveAttribute('data-state', 'reconnecting');
    expect(await callBridge(page, 'demo.control', { target: 'dashboard', action: 'start' })).toMatchObject({ ok: true });
    await expect(card).toHaveAttribute('data-state', 'open', { timeout: 40_000 });
    expect(Number(await card.getByTestId('reconnects').textContent())).toBeGreaterThan(before);
  });

  test('the test button answers in the seed shape', async ({ page, host }) => {
    await page.goto(host.url);
    const card = page.locator('.conn-card[data-upstream="rpaLogs"]');
    await card.getByRole('button', { name: /test|testar/i }).click();
    await expect(card.getByTestId('test-result')).toContainText('200');
  });

  test('the event inspector follows one id across the timeline', async ({ page, host }) => {
    await page.goto(`${host.url}#/inspector`);
    const entries = page.getByTestId('timeline-entry');
    await expect(entries.first()).toBeVisible({ timeout: 20_000 });
    await page.getByTestId('filter-upstream').selectOption('rpaLogs');
    await expect(entries.first()).toContainText(/RPA|rpa/i);
    await page.getByTestId('pause').click();
    await expect(page.getByTestId('pause')).toContainText(/Paused|Pausado/);
    await entries.filter({ hasText: 'job:' }).first().click();
    const details = page.getByTestId('entry-details');
    await expect(details).toBeVisible();
    const idChip = details.locator('button.chip').first();
    const [, id] = (await idChip.innerText()).split(': ');
    await idChip.click();
    await expect(page.getByTestId('filter-id')).toHaveValue(id!);
    await expect(entries.first()).toContainText(id!);
    for (const text of await entries.allInnerTexts()) expect(text).toContain(id!);
  });

  test('a malformed command gets a typed error and the host keeps running', async ({ page, host }) => {
    await page.goto(host.url);
    const result = (await callBridge(page, 'connections.test', { id: 'not-an-upstream' })) as { ok: boolean; error: { code: string; issues: Array<{ path: string }> } };
    expect(result.ok).toBe(false);
    expect(result.error.code).toBe('invalid-argument');
    expect(result.error.issues[0]!.path).toBe('id');
    expect(await callBridge(page, 'no.such.command', {})).toMatchObject({ ok: false, error: { code: 'unknown-command' } });
    expect((await page.request.get(`${host.url}api/health`)).ok()).toBe(true);
  });

  test('Portuguese and English, following the browser locale', async ({ browser, host }) => {
    for (const [locale, label] of [['pt-BR', 'Conexões'], ['en-US', 'Connections']] as const) {
      const context = await browser.newContext({ locale, viewport: { width: 1440, height: 900 } });
      const page = await context.newPage();
      await trackBridgeCalls(page);
      await page.goto(host.url);
      await expect(page.getByRole('heading', { level: 1 })).toHaveText(label);
      await expect(page.locator('.conn-card[data-state="open"]')).toHaveCount(5, { timeout: 20_000 }); // all five upstreams
      // Main says what a link does; the screen words it in its language.
      await expect(page.locator('.conn-card[data-state="open"]').first().getByTestId('conn-message')).toHaveText(locale === 'pt-BR' ? /^Conectado/ : /^Connected/);
      await expect(page.getByTestId('conn-summary')).toHaveText(locale === 'pt-BR' ? '5/5 conectados' : '5/5 connected');
      // The screenshot (docs/screenshot.png among them) shows every card counting live events.
      for (const id of upstreams) await expect(page.locator(`.conn-card[data-upstream="${id}"]`).getByTestId('events')).not.toHaveText('0', { timeout: 30_000 });
      await bridgeIdle(page);
      await page.screenshot({ path: `test-results/screens/connections-${locale}.png` });
      if (locale === 'pt-BR') await page.screenshot({ path: 'docs/screenshot.png' });
      await context.close();
    }
  });
});

test('no secret crosses the bridge or reaches the DOM or renderer storage', async ({ browser }) => {
  const secrets = {
    'rpaLogs.token': 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJzZWNyZXQtdGVzdCJ9.TOPSECRET-rpa-signature-4242',
    'keywordHub.token': 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJrdyJ9.TOPSECRET-kw-signature-4343',
    'evolution.apiKey': 'TOPSECRET-evolution-apikey-4444',
  };
  const host = await startHost(['--demo'], { config: { secrets } });
  try {
    const context = await browser.newContext();
    const page = await context.newPage();
    const frames: string[] = [];
    page.on('websocket', (ws) => {
      ws.on('framereceived', (f) => frames.push(String(f.payload)));
      ws.on('framesent', (f) => frames.push(String(f.payload)));
    });
    await trackBridgeCalls(page);
    await page.goto(host.url);
    await expect(page.locator('.conn-card[data-state="open"]')).toHaveCount(5, { timeout: 20_000 }); // all five upstreams
    for (const link of await page.locator('nav .nav-link').all()) {
      await link.click();
      // The view is mounted and has its data: what it shows is in the DOM captured below.
      await expect(link).toHaveAttribute('aria-current', 'page');
      await bridgeIdle(page);
      frames.push(await page.content());
    }
    const storage = await page.evaluate(async () => {
      const dbs = (await indexedDB.databases?.()) ?? [];
      return JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage }, dbs, cookie: document.cookie });
    });
    const everything = [...frames, storage, host.output()].join('\n');
    expect(frames.length).toBeGreaterThan(10);
    for (const value of Object.values(secrets)) {
      expect(everything).not.toContain(value);
      expect(everything).not.toContain(value.slice(-12));
    }
    await context.close();
  } finally {
    await host.stop();
  }
});
