import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { chromium, expect, test, type Browser } from '@playwright/test';
import { Arch, build, Platform } from 'electron-builder';

/**
 * The installed binary, not the dev checkout: packs the `dir` target with this machine's
 * Electron (electron-builder's `electronDist`, so nothing is downloaded), launches it, and
 * checks what the fuses and the CSP promise (docs/security.md, "Electron"). Playwright's
 * `_electron.launch` needs `--inspect`, which the packaged binary refuses by design, so the app
 * is started as a plain process and reached through Chromium's DevTools port instead.
 * Runs where an Electron binary is installed (tests/electron/run.mjs); skipped plainly here.
 */

const root = resolve(import.meta.dirname, '../..');
let work: string;
let executable: string;

function electronDist(): string {
  if (process.env.ELECTRON_OVERRIDE_DIST_PATH) return process.env.ELECTRON_OVERRIDE_DIST_PATH;
  return join(dirname(createRequire(import.meta.url).resolve('electron/package.json')), 'dist');
}

function packagedExecutable(out: string): string {
  if (process.platform === 'win32') return join(out, 'win-unpacked', 'Ops Console.exe');
  if (process.platform === 'darwin') return join(out, process.arch === 'arm64' ? 'mac-arm64' : 'mac', 'Ops Console.app', 'Contents', 'MacOS', 'Ops Console');
  return join(out, 'linux-unpacked', 'ops-console');
}

interface Launched {
  child: ChildProcess;
  output: () => string;
  /** The DevTools endpoint once Chromium listens: the app is up. */
  devtools: Promise<string>;
}

function launch(args: string[], env: NodeJS.ProcessEnv = {}): Launched {
  const userData = mkdtempSync(join(tmpdir(), 'ops-packaged-'));
  const child = spawn(executable, [...args, '--remote-debugging-port=0', `--user-data-dir=${userData}`], { env: { ...process.env, ...env } });
  let text = '';
  const devtools = new Promise<string>((resolveUrl, reject) => {
    const onData = (chunk: Buffer): void => {
      text += chunk.toString('utf8');
      const match = /DevTools listening on (ws:\/\/\S+)/.exec(text);
      if (match) resolveUrl(match[1]!);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`the packaged app exited (${code}) before it listened:\n${text}`)));
  });
  devtools.catch(() => undefined);
  return { child, output: () => text, devtools };
}

async function consolePage(browser: Browser) {
  await expect.poll(() => browser.contexts().flatMap((c) => c.pages()).some((p) => p.url().startsWith('app://console/')), { timeout: 30_000 }).toBe(true);
  return browser.contexts().flatMap((c) => c.pages()).find((p) => p.url().startsWith('app://console/'))!;
}

test.beforeAll(async () => {
  test.setTimeout(180_000);
  if (!existsSync(join(root, 'out/main/index.js'))) throw new Error('out/ is missing: run `npm run build` first');
  work = mkdtempSync(join(tmpdir(), 'ops-packaged-build-'));
  const out = join(work, 'dist');
  await build({
    projectDir: root,
    targets: (process.platform === 'win32' ? Platform.WINDOWS : process.platform === 'darwin' ? Platform.MAC : Platform.LINUX).createTarget('dir', process.arch === 'arm64' ? Arch.arm64 : Arch.x64),
    publish: 'never',
    config: {
      extends: join(root, 'electron-builder.yml'),
      electronDist: electronDist(),
      directories: { output: out },
      // No signing here: unsigned is what a developer's machine can produce.
      mac: { identity: null },
      win: { signAndEditExecutable: false },
    },
  });
  executable = packagedExecutable(out);
});

test.afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

test('the packaged app opens its window, and its CSP refuses injected script and foreign connections', async () => {
  const app = launch([]);
  try {
    const browser = await chromium.connectOverCDP(await app.devtools);
    const page = await consolePage(browser);
    await expect(page.locator('#app')).not.toBeEmpty({ timeout: 30_000 });
    const violations = await page.evaluate(async () => {
      const seen: string[] = [];
      document.addEventListener('securitypolicyviolation', (e) => seen.push(e.effectiveDirective));
      const script = document.createElement('script');
      script.textContent = 'window.__injected = true';
      document.head.append(script);
      let evalRan = false;
      try {
        evalRan = (0, eval)('true') === true;
      } catch {
        /* refused */
      }
      const fetched = await fetch('https://example.com/').then(() => true, () => false);
      await new Promise((r) => setTimeout(r, 100));
      return { seen, injected: (window as { __injected?: boolean }).__injected === true, evalRan, fetched };
    });
    expect(violations.injected).toBe(false);
    expect(violations.evalRan).toBe(false);
    expect(violations.fetched).toBe(false);
    expect(violations.seen).toEqual(expect.arrayContaining(['script-src-elem', 'connect-src']));
    await browser.close();
  } finally {
    app.child.kill();
  }
});

test('the packaged app refuses --inspect: no Node debugger ever listens', async () => {
  const app = launch(['--inspect=0', '--inspect-brk=0']);
  try {
    const browser = await chromium.connectOverCDP(await app.devtools);
    await consolePage(browser);
    expect(app.output()).not.toMatch(/Debugger listening on/);
    await browser.close();
  } finally {
    app.child.kill();
  }
});

test('the packaged app ignores ELECTRON_RUN_AS_NODE: it starts the console instead of running a script', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ops-run-as-node-'));
  const marker = join(dir, 'ran-as-node');
  const script = join(dir, 'script.js');
  writeFileSync(script, `require('fs').writeFileSync(${JSON.stringify(marker)}, 'node')`);
  const app = launch([script], { ELECTRON_RUN_AS_NODE: '1', NODE_OPTIONS: `--require ${script}` });
  try {
    const browser = await chromium.connectOverCDP(await app.devtools);
    await consolePage(browser);
    expect(existsSync(marker)).toBe(false);
    await browser.close();
  } finally {
    app.child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});
