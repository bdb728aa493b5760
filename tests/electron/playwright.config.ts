import { defineConfig } from '@playwright/test';

export default defineConfig({
  testDir: '.',
  testMatch: '**/*.spec.ts',
  timeout: 60_000,
  workers: 1,
  retries: 1, // flaky tests are reported apart and fail the run (scripts/test-summary.mjs)
  reporter: [['list'], ['json', { outputFile: '../../test-results/electron-e2e.json' }]],
  outputDir: '../../test-results/electron',
});
