// One closing line for CI: what every runner counted, skips reported as skips.
import { existsSync, readFileSync } from 'node:fs';

let passed = 0;
let failed = 0;
let skipped = 0;
// Vitest reports: the unit tests, and the pack test (electron-builder against a stand-in Electron).
for (const file of ['test-results/unit.json', 'test-results/pack.json']) {
  if (!existsSync(file)) continue;
  const report = JSON.parse(readFileSync(file, 'utf8'));
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  skipped += report.numPendingTests + (report.numTodoTests ?? 0);
}
// Playwright reports: the web-host suite, and the Electron suite where a binary exists.
for (const file of ['test-results/e2e.json', 'test-results/electron-e2e.json']) {
  if (!existsSync(file)) continue;
  const stats = JSON.parse(readFileSync(file, 'utf8')).stats;
  passed += stats.expected + (stats.flaky ?? 0);
  failed += stats.unexpected;
  skipped += stats.skipped;
}
let electronSkipped = 0;
if (existsSync('test-results/electron.json')) electronSkipped = JSON.parse(readFileSync('test-results/electron.json', 'utf8')).skipped;
skipped += electronSkipped;
console.log(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped ${electronSkipped ? `(${electronSkipped} Electron tests skipped: no Electron binary here)` : ''}`);
