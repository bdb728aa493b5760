// The Electron end-to-end suite runs only where an Electron binary is installed. Where none
// is (install with ELECTRON_SKIP_BINARY_DOWNLOAD=1), it says so plainly and runs nothing:
// a skip is reported as a skip, never as a pass.
import { spawnSync } from 'node:child_process';
import { electronBinary } from '../../scripts/electron-binary.mjs';

const binary = electronBinary();
if (!binary) {
  console.log('electron e2e: SKIPPED — no Electron binary is installed on this machine (ELECTRON_SKIP_BINARY_DOWNLOAD); 0 Electron tests ran.');
  console.log('electron e2e: the same product was tested through the web host (npm run test:e2e).');
  process.exit(0);
}
const needsDisplay = process.platform === 'linux' && !process.env.DISPLAY;
const cmd = needsDisplay ? 'xvfb-run' : 'npx';
const args = [...(needsDisplay ? ['-a', 'npx'] : []), 'playwright', 'test', '-c', 'tests/electron/playwright.config.ts'];
const result = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, OPS_ELECTRON_BINARY: binary } });
process.exit(result.status ?? 1);
