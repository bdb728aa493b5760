// `npm start`: the desktop app. Where no Electron binary is installed, say so in one line and
// start the headless host instead (same product, in a browser).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { electronBinary } from './electron-binary.mjs';

if (!existsSync('out/main/index.js') || !existsSync('out/renderer/index.html')) {
  const build = spawnSync('npm', ['run', 'build'], { stdio: 'inherit', shell: process.platform === 'win32' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
const binary = electronBinary();
const extra = process.argv.slice(2);
if (binary) {
  const child = spawn(binary, ['.', ...extra], { stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
} else {
  console.log('No Electron binary is installed here; starting the headless host instead — open the URL printed below in a browser.');
  const child = spawn(process.execPath, ['out/main/serve.js', ...extra], { stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
}
