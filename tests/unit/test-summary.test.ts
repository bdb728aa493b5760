import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
// @ts-expect-error a plain .mjs script with no type declarations
import { summarize } from '../../scripts/test-summary.mjs';

/** CI's closing report (scripts/test-summary.mjs), read from fixture reports of each runner. */
const root = resolve(import.meta.dirname, '../..');
const fixtures = join(import.meta.dirname, 'fixtures/test-summary');
const dirs: string[] = [];
function results(files: Record<string, string | object>): string {
  const dir = mkdtempSync(join(tmpdir(), 'ops-summary-'));
  dirs.push(dir);
  for (const [name, from] of Object.entries(files)) {
    if (typeof from === 'string') copyFileSync(join(fixtures, from), join(dir, name));
    else writeFileSync(join(dir, name), JSON.stringify(from));
  }
  return dir;
}
const run = (dir: string) => spawnSync(process.execPath, [join(root, 'scripts/test-summary.mjs'), dir], { encoding: 'utf8' });
type Summary = { passed: number; failed: number; flaky: number; skipped: number; lines: string[]; exitCode: number };

afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('test summary', () => {
  it('a green run passes: counts from every runner, skips as skips', () => {
    const dir = results({ 'e2e.json': 'e2e-green.json', 'electron.json': { skipped: 3 } });
    const s = summarize(dir) as Summary;
    expect(s).toMatchObject({ passed: 1, failed: 0, flaky: 0, skipped: 4, exitCode: 0 });
    const cli = run(dir);
    expect(cli.status).toBe(0);
    expect(cli.stdout).toContain('tests: 1 passed, 0 failed, 0 flaky, 4 skipped (3 Electron tests skipped: no Electron binary here)');
  });

  it('a test that passed only on its retry is reported apart, not as passed, and fails the run', () => {
    const dir = results({ 'e2e.json': 'e2e-flaky.json' });
    const s = summarize(dir) as Summary;
    expect(s).toMatchObject({ passed: 1, failed: 0, flaky: 1, skipped: 1, exitCode: 1 });
    const cli = run(dir);
    expect(cli.status).toBe(1);
    expect(cli.stdout).toContain('flaky (failed, then passed on a retry');
    expect(cli.stdout).toContain('e2e: alerts.spec.ts:4 › alert center and sound › a critical alert repeats until acknowledged (passed on try 2)');
    expect(cli.stdout).toContain('tests: 1 passed, 0 failed, 1 flaky, 1 skipped');
  });

  it('failed tests of every runner are named and fail the run', () => {
    const dir = results({ 'unit.json': 'unit.json', 'e2e.json': 'e2e-broken.json', 'electron-e2e.json': 'e2e-green.json' });
    const s = summarize(dir) as Summary;
    expect(s).toMatchObject({ passed: 2 + 1 + 1, failed: 1 + 1, flaky: 1, skipped: 1 + 1 + 1, exitCode: 1 });
    const out = s.lines.join('\n');
    expect(out).toContain('unit: alerts snoozes until the deadline');
    expect(out).toContain('e2e: alerts.spec.ts:5 › alert center and sound › desktop notifications only while unfocused');
    expect(out).not.toContain('electron: ');
    expect(run(dir).status).toBe(1);
  });

  it('no reports at all: nothing counted, nothing failed', () => {
    expect(summarize(results({})) as Summary).toMatchObject({ passed: 0, failed: 0, flaky: 0, skipped: 0, exitCode: 0 });
  });
});
