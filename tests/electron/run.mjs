// The Electron end-to-end suite runs only where an Electron binary is installed. Where none
// is (install with ELECTRON_SKIP_BINARY_DOWNLOAD=1), it says so plainly and runs nothing:
// a skip is reported as a skip, never as a pass.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { electronBinary } from '../../scripts/electron-binary.mjs';

const binary = electronBinary();
mkdirSync('test-results', { recursive: true });
rmSync('test-results/electron-e2e.json', { force: true });
if (!binary) {
  // Count the tests that did not run, so the closing summary reports them as skipped.
  const dir = 'tests/electron';
  const count = readdirSync(dir)
    .filter((f) => f.endsWith('.spec.ts'))
    .reduce((n, f) => n + (readFileSync(`${dir}/${f}`, 'utf8').match(/^test\(/gm)?.length ?? 0), 0);
  writeFileSync('test-results/electron.json', JSON.stringify({ skipped: count }));
  console.log(`electron e2e: SKIPPED — no Electron binary is installed on this machine (ELECTRON_SKIP_BINARY_DOWNLOAD); ${count} Electron tests did not run.`);
  console.log('electron e2e: the same product was tested through the web host (npm run test:e2e).');
  process.exit(0);
}
const needsDisplay = process.platform === 'linux' && !process.env.DISPLAY;
const cmd = needsDisplay ? 'xvfb-run' : 'npx';
const args = [...(needsDisplay ? ['-a', 'npx'] : []), 'playwright', 'test', '-c', 'tests/electron/playwright.config.ts'];
// Where it runs, Playwright's JSON report (test-results/electron-e2e.json) carries the counts.
writeFileSync('test-results/electron.json', JSON.stringify({ skipped: 0 }));
const result = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, OPS_ELECTRON_BINARY: binary } });
process.exit(result.status ?? 1);
