// One closing report for CI: what every runner counted, skips reported as skips, and flaky
// tests (failed, then passed on a retry) listed apart. A flaky test is not a pass: the exit
// code is 1 when anything failed or was flaky, so CI fails on both.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Every Playwright test in a JSON report, with its file:line and title path. */
function playwrightTests(report) {
  const out = [];
  const walk = (suite, titles) => {
    const path = suite.title && !suite.title.endsWith('.ts') ? [...titles, suite.title] : titles;
    for (const spec of suite.specs ?? []) {
      for (const t of spec.tests ?? []) {
        const where = `${spec.file}:${spec.line}`;
        const name = [...path, spec.title].join(' › ');
        const project = t.projectName ? `[${t.projectName}] ` : '';
        out.push({ status: t.status, name: `${project}${where} › ${name}`, tries: (t.results ?? []).length });
      }
    }
    for (const child of suite.suites ?? []) walk(child, path);
  };
  for (const suite of report.suites ?? []) walk(suite, []);
  return out;
}

/**
 * Read the reports under `dir` (test-results/ of a run). Counts come from each runner's own
 * totals; the flaky and failed tests are named. `exitCode` 1 when any failed or was flaky.
 */
export function summarize(dir = 'test-results') {
  const read = (file) => (existsSync(join(dir, file)) ? JSON.parse(readFileSync(join(dir, file), 'utf8')) : null);
  let passed = 0;
  let failed = 0;
  let flaky = 0;
  let skipped = 0;
  const failedNames = [];
  const flakyNames = [];

  // Vitest reports: the unit tests, and the pack test (electron-builder against a stand-in Electron).
  for (const [file, label] of [['unit.json', 'unit'], ['pack.json', 'pack']]) {
    const report = read(file);
    if (!report) continue;
    passed += report.numPassedTests;
    failed += report.numFailedTests;
    skipped += report.numPendingTests + (report.numTodoTests ?? 0);
    for (const f of report.testResults ?? []) {
      for (const a of f.assertionResults ?? []) if (a.status === 'failed') failedNames.push(`${label}: ${a.fullName}`);
    }
  }
  // Playwright reports: the web-host suite, and the Electron suite where a binary exists.
  for (const [file, label] of [['e2e.json', 'e2e'], ['electron-e2e.json', 'electron']]) {
    const report = read(file);
    if (!report) continue;
    const stats = report.stats;
    passed += stats.expected;
    failed += stats.unexpected;
    flaky += stats.flaky ?? 0;
    skipped += stats.skipped;
    for (const t of playwrightTests(report)) {
      if (t.status === 'flaky') flakyNames.push(`${label}: ${t.name} (passed on try ${t.tries})`);
      if (t.status === 'unexpected') failedNames.push(`${label}: ${t.name}`);
    }
  }
  const electronSkipped = read('electron.json')?.skipped ?? 0;
  skipped += electronSkipped;

  const lines = [];
  if (flakyNames.length) lines.push('', 'flaky (failed, then passed on a retry — fix the wait, do not raise the timeout):', ...flakyNames.map((n) => `  ${n}`));
  if (failedNames.length) lines.push('', 'failed:', ...failedNames.map((n) => `  ${n}`));
  lines.push('', `tests: ${passed} passed, ${failed} failed, ${flaky} flaky, ${skipped} skipped${electronSkipped ? ` (${electronSkipped} Electron tests skipped: no Electron binary here)` : ''}`);
  return { passed, failed, flaky, skipped, lines, exitCode: failed > 0 || flaky > 0 ? 1 : 0 };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const result = summarize(process.argv[2] ?? 'test-results');
  console.log(result.lines.join('\n'));
  process.exitCode = result.exitCode;
}
