import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test as base, expect, type Page } from '@playwright/test';
import { bridgeIdle, callAdmin, callBridge, startHost, trackBridgeCalls, unlockAdmin, type ConsoleHost } from './host';

/** Known secret strings: after everything, none may appear anywhere outside main. */
const b64 = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
const RPA_TOKEN = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub: 'noc-admin', iat: 1_760_000_000, exp: 4_100_000_000 })}.KNOWNSIG-rpa-7d1f0c9e`;
const HUB_TOKEN = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub: 'hub-operator', iat: 1_760_000_000, exp: 4_100_000_000 })}.KNOWNSIG-hub-55aa01`;
const EVO_KEY = 'EVO-KNOWN-KEY-9c1e4b77aa02';
const PASTED = 'PASTED-OPAQUE-KEY-31415926535';
const OBTAINED = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub: 'global-jwt', iat: 1_760_000_000, exp: 4_100_000_000 })}.KNOWNSIG-login-e2e`;
const LOGIN_PASSWORD = 'pw-e2e-Xq7!';
/** This spec's host starts as a fresh install (no PIN); the first test sets this one through the first-run step. */
const ADMIN_PIN = '4826';
const allSecrets = [RPA_TOKEN, HUB_TOKEN, EVO_KEY, PASTED, OBTAINED, LOGIN_PASSWORD];
const shots = join(import.meta.dirname, '../../.tmp/shots-admin');
mkdirSync(shots, { recursive: true });

const test = base.extend<{ bridgeLog: Array<{ dir: 'in' | 'out'; text: string }> }, { host: ConsoleHost; login: { url: string; server: Server } }>({
  login: [
    async ({}, use) => {
      const server = createServer((req, res) => {
        let body = '';
        req.on('data', (c) => (body += c));
        req.on('end', () => {
          const { username, password } = JSON.parse(body || '{}') as Record<string, string>;
          if (username !== 'admin' || password !== LOGIN_PASSWORD) return void res.writeHead(401, { 'Content-Type': 'application/json' }).end('{"detail":"Credenciais inválidas"}');
          res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ success: true, access_token: OBTAINED }));
        });
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      await use({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/auth/login`, server });
      await new Promise<void>((r) => server.close(() => r()));
    },
    { scope: 'worker' },
  ],
  host: [
    async ({}, use) => {
      const host = await startHost(['--demo'], { pin: null, config: { language: 'en', secrets: { 'rpaLogs.token': RPA_TOKEN, 'keywordHub.token': HUB_TOKEN, 'evolution.apiKey': EVO_KEY } } });
      await use(host);
      await host.stop();
    },
    { scope: 'worker' },
  ],
  bridgeLog: async ({ page }, use) => {
    const log: Array<{ dir: 'in' | 'out'; text: string }> = [];
    page.on('websocket', (ws) => {
      ws.on('framereceived', (f) => log.push({ dir: 'in', text: String(f.payload) }));
      ws.on('framesent', (f) => log.push({ dir: 'out', text: String(f.payload) }));
    });
    await use(log);
  },
});
test.describe.configure({ mode: 'serial' });

/** Each test's page is a new bridge session, so a locked one: unlock it as an operator would. */
async function openSettings(page: Page, host: ConsoleHost, tab = 'upstreams') {
  await page.goto(`${host.url}#/settings/${tab}`);
  await expect(page.getByTestId('settings')).toBeVisible();
  await unlockAdmin(page, ADMIN_PIN);
  await expect(page.getByTestId(`tab-${tab}`)).toBeVisible();
}

test('first run: nothing privileged works until the admin PIN is set; the setup step comes first', async ({ page, host }) => {
  await page.goto(`${host.url}#/settings/upstreams`);
  await expect(page.getByTestId('pin-setup')).toBeVisible();
  await expect(page.getByTestId('tab-upstreams')).toHaveCount(0);
  // Main refuses every privileged command, whoever asks, until the first PIN is set.
  expect(await callBridge(page, 'settings.update', { settings: { language: 'pt-BR' } })).toMatchObject({ ok: false, error: { code: 'pin-required' } });
  expect(await callBridge(page, 'tokens.set', { name: 'dashboard.token', value: 'forged-token-value' })).toMatchObject({ ok: false, error: { code: 'pin-required' } });
  await page.screenshot({ path: join(shots, 'settings-first-run-en.png') });

  // An admin action elsewhere (the wallboard's kiosk PIN) opens the same step as a dialog.
  await page.goto(`${host.url}#/wallboard/control`);
  await expect(page.getByTestId('pin-setup')).toHaveCount(0);
  await page.getByTestId('kiosk-pin').fill('2468');
  await page.getByTestId('kiosk-pin').press('Enter');
  const dialog = page.getByRole('dialog');
  await expect(dialog).toContainText('Set the admin PIN');
  await dialog.getByTestId('setup-pin').fill('12');
  await dialog.getByTestId('setup-pin-confirm').fill('12');
  await dialog.getByTestId('setup-save').click();
  await expect(dialog.getByTestId('setup-error')).toContainText('at least 4');
  await dialog.getByTestId('setup-pin').fill(ADMIN_PIN);
  await dialog.getByTestId('setup-pin-confirm').fill(ADMIN_PIN);
  await dialog.getByTestId('setup-save').click();
  await expect(dialog).toHaveCount(0);
  // This session set it, so it is unlocked: Settings opens straight away.
  await page.goto(`${host.url}#/settings/upstreams`);
  await expect(page.getByTestId('lock-now')).toBeVisible();
  expect(await callAdmin(page, 'settings.get', {}, ADMIN_PIN)).toMatchObject({ ok: true });
  expect(await callBridge(page, 'settings.update', { settings: { language: 'pt-BR' } })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
});

test('settings: field-level validation, save without restart, test connection with the seed shape', async ({ page, host }) => {
  await openSettings(page, host);
  await page.getByTestId('field-keywordHub-url').fill('not a url');
  await page.getByTestId('field-evolution-maxConnections').fill('0');
  await page.getByTestId('save-settings').click();
  await expect(page.getByTestId('error-keywordHub-url')).toContainText('ws://');
  await expect(page.getByTestId('error-evolution-maxConnections')).toBeVisible();
  await expect(page.getByTestId('settings-note')).toContainText('attention');
  await page.getByTestId('field-keywordHub-url').fill('');
  await page.getByTestId('field-evolution-maxConnections').fill('50');
  await page.getByTestId('field-dashboard-clientId').fill('Kiosk-E2E01');
  await page.getByTestId('save-settings').click();
  await expect(page.getByTestId('settings-note')).toContainText('applied without restart');
  expect(await callBridge(page, 'settings.get')).toMatchObject({ ok: true, value: { upstreams: { dashboard: { clientId: 'Kiosk-E2E01' }, evolution: { maxConnections: 50 } } } });
  await page.getByTestId('test-rpaLogs').click();
  await expect(page.getByTestId('test-result-rpaLogs')).toContainText('✔');
  await expect(page.getByTestId('test-result-rpaLogs')).toContainText('status 200');
  await expect(page.getByTestId('test-result-rpaLogs')).toContainText('global JWT accepted');
  await page.screenshot({ path: join(shots, 'settings-upstreams-en.png'), fullPage: false });
});

test('tokens: claims, status, masks, paste and the "Obter Novo JWT (Global)" login flow', async ({ page, host, login }) => {
  await openSettings(page, host, 'tokens');
  const rpa = page.locator('[data-token="rpaLogs.token"]');
  await expect(rpa.getByTestId('token-status')).toHaveText('valid');
  await expect(rpa.getByTestId('token-sub')).toHaveText('noc-admin');
  await expect(rpa.getByTestId('token-mask')).toHaveText(`${RPA_TOKEN.slice(0, 4)}…${RPA_TOKEN.slice(-4)}`);
  await expect(page.locator('[data-token="evolution.apiKey"]').getByTestId('token-status')).toHaveText('no expiry (API key)');
  await expect(page.locator('[data-token="dashboard.token"]').getByTestId('token-status')).toHaveText('not set');

  // Paste an opaque key.
  const dash = page.locator('[data-token="dashboard.token"]');
  await dash.getByTestId('token-input').fill(PASTED);
  await dash.getByTestId('token-save').click();
  await expect(dash.getByTestId('token-status')).toHaveText('no expiry (API key)');
  await expect(dash.getByTestId('token-input')).toHaveValue('');

  // The login flow, against a login endpoint: wrong password, then right one, not remembered.
  await rpa.getByTestId('obtain-rpaLogs.token').click();
  await rpa.getByTestId('login-url').fill(login.url);
  await rpa.getByTestId('login-url-save').click();
  await rpa.getByTestId('login-username').fill('admin');
  await rpa.getByTestId('login-password').fill('wrong-password');
  await rpa.getByTestId('login-submit').click();
  await expect(rpa.getByTestId('token-note')).toContainText('refused these credentials (HTTP 401)');
  await expect(rpa.getByTestId('login-password')).toHaveValue('');
  await rpa.getByTestId('login-password').fill(LOGIN_PASSWORD);
  await rpa.getByTestId('login-submit').click();
  await expect(rpa.getByTestId('token-note')).toContainText('New token obtained');
  await expect(rpa.getByTestId('token-sub')).toHaveText('global-jwt');
  await expect(rpa.getByTestId('token-mask')).toHaveText(`${OBTAINED.slice(0, 4)}…${OBTAINED.slice(-4)}`);
  await page.screenshot({ path: join(shots, 'settings-tokens-en.png') });
});

test('export and import through the UI: settings only without a passphrase; with one, secrets stay encrypted', async ({ page, host }) => {
  await openSettings(page, host, 'transfer');
  const download1 = page.waitForEvent('download');
  await page.getByTestId('export').click();
  const plain = readFileSync((await (await download1).path())!, 'utf8');
  expect(JSON.parse(plain)).toMatchObject({ format: 'ops-console-settings', secrets: null });
  await expect(page.getByTestId('export-note')).toContainText('0 encrypted');

  await page.getByTestId('export-passphrase').fill('a long passphrase');
  await page.getByTestId('export-passphrase-confirm').fill('a long passphrase');
  const download2 = page.waitForEvent('download');
  await page.getByTestId('export').click();
  const sealedPath = (await (await download2).path())!;
  const sealed = readFileSync(sealedPath, 'utf8');
  // Stored secrets (the pasted key and the obtained JWT) went in, encrypted.
  expect(JSON.parse(sealed).secrets.names).toEqual(expect.arrayContaining(['dashboard.token', 'rpaLogs.token']));
  for (const s of allSecrets) {
    expect(plain).not.toContain(s);
    expect(sealed).not.toContain(s);
  }
  // Import: a wrong passphrase is refused plainly; the right one previews then applies.
  await page.getByTestId('import-file').setInputFiles(sealedPath);
  await page.getByTestId('import-passphrase').fill('not the passphrase');
  await page.getByTestId('import-preview').click();
  await expect(page.getByTestId('import-note')).toContainText('wrong passphrase');
  await page.getByTestId('import-passphrase').fill('a long passphrase');
  await page.getByTestId('import-preview').click();
  await expect(page.getByTestId('import-note')).toContainText('dashboard.token');
  await page.getByTestId('import-apply').click();
  await expect(page.getByTestId('import-note')).toContainText('Imported');
  // A damaged file.
  await page.getByTestId('import-file').setInputFiles({ name: 'broken.json', mimeType: 'application/json', buffer: Buffer.from(sealed.slice(0, 200)) });
  await page.getByTestId('import-apply').click();
  await expect(page.getByTestId('import-note')).toContainText('not valid JSON');
  await page.screenshot({ path: join(shots, 'settings-transfer-en.png') });
});

test('secrets never appear in bridge traffic, the DOM, renderer storage, logs, exports or the audit log', async ({ page, host, bridgeLog }) => {
  await trackBridgeCalls(page);
  for (const tab of ['tokens', 'upstreams', 'audit', 'transfer', 'security']) {
    await openSettings(page, host, tab);
    // The tab is current and every call it made is answered: whatever it loads has crossed the bridge.
    await expect(page.getByTestId(`tab-${tab}`)).toHaveAttribute('aria-current', 'page');
    await bridgeIdle(page);
  }
  await page.goto(`${host.url}#/`);
  await page.goto(`${host.url}#/settings/audit`);
  await expect(page.getByTestId('audit-row').first()).toBeVisible();
  await expect(page.locator('[data-action="token.login"]').first()).toBeVisible();
  const dom = await page.content();
  const inputs = await page.evaluate(() => [...document.querySelectorAll('input')].map((i) => i.value).join('\n'));
  const storage = await page.evaluate(async () => {
    const dbs = (await indexedDB.databases?.()) ?? [];
    return JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage }, dbs, cookies: document.cookie });
  });
  const audit = JSON.stringify(await callAdmin(page, 'admin.audit', { limit: 1000 }, ADMIN_PIN));
  const traffic = bridgeLog.map((f) => f.text).join('\n');
  const files = readdirSync(host.dataDir)
    .filter((f) => statSync(join(host.dataDir, f)).isFile() && f !== 'config.json')
    .map((f) => readFileSync(join(host.dataDir, f)).toString('latin1'))
    .join('\n');
  expect(traffic.length).toBeGreaterThan(1000);
  for (const secret of allSecrets) {
    for (const [where, text] of Object.entries({ traffic, dom, inputs, storage, audit, logs: host.output(), files })) {
      expect(text.includes(secret), `${secret.slice(0, 12)}… found in ${where}`).toBe(false);
    }
  }
});

test('admin PIN: change, locked renderer refused by main, unlock only with the PIN, lock-out', async ({ page, host }) => {
  test.slow(); // a dozen slow PIN hashes (scrypt), on a busy machine
  await openSettings(page, host, 'security');
  await page.getByTestId('new-pin').fill('12');
  await page.getByTestId('new-pin-confirm').fill('12');
  await page.getByTestId('save-pin').click();
  await expect(page.getByTestId('pin-error')).toContainText('at least 4');
  await page.getByTestId('new-pin').fill(ADMIN_PIN);
  await page.getByTestId('new-pin-confirm').fill(ADMIN_PIN);
  await page.getByTestId('save-pin').click();
  await expect(page.getByTestId('pin-note')).toContainText('PIN saved');
  await expect(page.getByTestId('lock-now')).toBeVisible();

  // Any other session (a reloaded page, a hand-made bridge client) is locked: main refuses.
  const refused = (await callBridge(page, 'settings.update', { settings: { language: 'pt-BR' } })) as { ok: boolean; error: { code: string } };
  expect(refused).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  expect(await callBridge(page, 'tokens.set', { name: 'rpaLogs.token', value: 'forged-token-value' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });

  await page.getByTestId('lock-now').click();
  await expect(page.getByTestId('lock-screen')).toBeVisible();
  await page.screenshot({ path: join(shots, 'settings-locked-en.png') });
  await page.getByTestId('unlock-pin').fill('0000');
  await page.getByTestId('unlock').click();
  await expect(page.getByTestId('unlock-message')).toContainText('4 attempt(s) left');
  await page.getByTestId('unlock-pin').fill('4826');
  await page.getByTestId('unlock').click();
  await expect(page.getByTestId('tab-tokens')).toBeVisible();

  // Wrong PINs count per session: after 5 in this page, this page is refused for a while…
  await page.reload();
  await expect(page.getByTestId('lock-screen')).toBeVisible();
  for (const [i, pin] of ['1111', '2222', '3333', '4444'].entries()) {
    await page.getByTestId('unlock-pin').fill(pin);
    await page.getByTestId('unlock').click();
    await expect(page.getByTestId('unlock-message')).toContainText(`${4 - i} attempt(s) left`);
  }
  await page.getByTestId('unlock-pin').fill('5555');
  await page.getByTestId('unlock').click();
  await expect(page.getByTestId('unlock-message')).toContainText('Too many wrong PINs');
  await expect(page.getByTestId('unlock-pin')).toBeDisabled();
  // …while another session (the kiosk exit check, another tab) is not locked out by it.
  expect(await callBridge(page, 'admin.verifyPin', { pin: ADMIN_PIN })).toMatchObject({ ok: true, value: { result: 'ok' } });
});

test.describe('pt-BR', () => {
  test.use({ locale: 'pt-BR' });
  test('screens in Portuguese', async ({ browser }) => {
    // A fresh host: no PIN, language automatic (pt-BR from the browser).
    const fresh = await startHost(['--demo'], { pin: null });
    try {
      const page = await browser.newPage({ viewport: { width: 1440, height: 900 }, locale: 'pt-BR' });
      await trackBridgeCalls(page);
      await page.goto(`${fresh.url}#/settings/upstreams`);
      await expect(page.getByTestId('pin-setup')).toContainText('Defina o PIN de administrador');
      await page.screenshot({ path: join(shots, 'settings-first-run-pt-BR.png') });
      await page.getByTestId('setup-pin').fill('2580');
      await page.getByTestId('setup-pin-confirm').fill('2580');
      await page.getByTestId('setup-save').click();
      for (const tab of ['upstreams', 'tokens', 'security', 'transfer', 'audit']) {
        await page.goto(`${fresh.url}#/settings/${tab}`);
        await expect(page.getByTestId(`tab-${tab}`)).toHaveAttribute('aria-current', 'page');
        await bridgeIdle(page); // the tab shows what it loaded, not its empty first render
        await page.screenshot({ path: join(shots, `settings-${tab}-pt-BR.png`) });
      }
      await expect(page.getByTestId('tab-tokens')).toHaveText('Tokens');
      await page.goto(`${fresh.url}#/settings/tokens`);
      await page.locator('[data-token="rpaLogs.token"]').getByTestId('obtain-rpaLogs.token').click();
      await expect(page.getByText('Obter Novo JWT (Global)').first()).toBeVisible();
      await page.screenshot({ path: join(shots, 'settings-tokens-login-pt-BR.png') });
    } finally {
      await fresh.stop();
    }
  });
});
