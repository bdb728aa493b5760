import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { _electron as electron, expect, test } from '@playwright/test';

const root = resolve(import.meta.dirname, '../..');

test('the desktop app opens a locked-down window that shows live demo data', async () => {
  const app = await electron.launch({
    executablePath: process.env.OPS_ELECTRON_BINARY!,
    args: [join(root, 'out/main/index.js'), `--user-data-dir=${mkdtempSync(join(tmpdir(), 'ops-electron-'))}`],
  });
  const page = await app.firstWindow();
  await expect(page.locator('.conn-card[data-state="open"]').first()).toBeVisible({ timeout: 30_000 });
  expect(await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]!.webContents.getURL())).toMatch(/^app:\/\/console\//);

  // The renderer sees only the contract: no Node (nodeIntegration off, sandboxed), and the
  // preload's object cannot be replaced from the page (context isolation).
  expect(await page.evaluate(() => [typeof (globalThis as { require?: unknown }).require, typeof (globalThis as { process?: unknown }).process])).toEqual(['undefined', 'undefined']);
  expect(await page.evaluate(() => Object.keys(window.opsBridge ?? {}).sort())).toEqual(['call', 'onBatch', 'subscribe']);
  expect(await page.evaluate(() => {
    try {
      (window as { opsBridge?: unknown }).opsBridge = { call: () => 'hijacked' };
    } catch {
      /* read-only */
    }
    return typeof window.opsBridge?.call('system.info', {});
  })).toBe('object');
  // New windows are refused.
  await page.evaluate(() => window.open('https://example.com'));
  expect(app.windows()).toHaveLength(1);
  await app.close();
});

test('kiosk mode: a full-screen kiosk window per display, cursor hidden, reloaded after a renderer crash', async () => {
  const app = await electron.launch({
    executablePath: process.env.OPS_ELECTRON_BINARY!,
    args: [join(root, 'out/main/index.js'), '--kiosk', `--user-data-dir=${mkdtempSync(join(tmpdir(), 'ops-electron-'))}`],
  });
  const page = await app.firstWindow();
  await expect(page).toHaveURL(/#\/kiosk/, { timeout: 30_000 });
  const state = await app.evaluate(({ BrowserWindow, screen }) => ({
    displays: screen.getAllDisplays().length,
    windows: BrowserWindow.getAllWindows().map((w) => ({ kiosk: w.isKiosk(), url: w.webContents.getURL() })),
  }));
  expect(state.windows).toHaveLength(state.displays);
  for (const w of state.windows) {
    expect(w.kiosk).toBe(true);
    expect(w.url).toMatch(/kiosk\?display=\d/);
  }
  await expect.poll(() => page.evaluate(() => getComputedStyle(document.body).cursor)).toBe('none');

  // Self-healing: a renderer that dies is reloaded into the same kiosk view.
  await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]!.webContents.forcefullyCrashRenderer());
  await expect.poll(() => app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]!.webContents.isCrashed()), { timeout: 10_000 }).toBe(false);
  await expect(app.windows()[0]!.getByTestId('kiosk')).toBeVisible({ timeout: 15_000 });
  await app.close();
});
