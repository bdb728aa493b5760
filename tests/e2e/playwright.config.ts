import { defineConfig } from '@playwright/test';

/** End-to-end tests of the real product through the headless web host in Debian's Chromium. */
export default defineConfig({
  testDir: '.',
  testMatch: '**/*.spec.ts',
  timeout: 60_000,
  expect: { timeout: 15_000 },
  workers: 2,
  // One retry tells a flaky test (failed, then passed) from a broken one; scripts/test-summary.mjs
  // lists flaky tests apart and fails the run on them, so a retry never hides a race.
  retries: 1,
  reporter: [['list'], ['json', { outputFile: '../../test-results/e2e.json' }]],
  outputDir: '../../test-results/e2e',
  use: {
    viewport: { width: 1440, height: 900 },
    locale: 'en-US',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--autoplay-policy=no-user-gesture-required'],
    },
    trace: 'retain-on-failure',
  },
});
