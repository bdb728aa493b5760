import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test as base, type Page } from '@playwright/test';

export interface ConsoleHost {
  url: string;
  dataDir: string;
  output: () => string;
  stop(): Promise<void>;
}

const root = resolve(import.meta.dirname, '../..');

/** Start the built headless host (`npm run serve`) on a free port with a fresh data folder. */
export async function startHost(args: string[] = [], options: { config?: object; env?: Record<string, string> } = {}): Promise<ConsoleHost> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ops-e2e-'));
  const extra = [...args];
  if (options.config) {
    const file = join(dataDir, 'config.json');
    writeFileSync(file, JSON.stringify(options.config));
    extra.push('--config', file);
  }
  const child: ChildProcess = spawn(process.execPath, [join(root, process.env.OPS_OUT_DIR ?? 'out', 'main/serve.js'), '--port', '0', '--data-dir', dataDir, ...extra], {
    cwd: root,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`host did not start:\n${output}`)), 20_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /^ready (\S+)/m.exec(output);
      if (match) {
        clearTimeout(timer);
        resolveUrl(match[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`host exited with ${code}:\n${output}`)));
  });
  return {
    url,
    dataDir,
    output: () => output,
    stop: () =>
      new Promise((done) => {
        if (child.exitCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
      }),
  };
}

/** Every page of a spec gets a host in demo mode; calls to the bridge are recorded. */
export const test = base.extend<{ bridgeLog: string[] }, { host: ConsoleHost }>({
  host: [
    async ({}, use) => {
      const host = await startHost(['--demo']);
      await use(host);
      await host.stop();
    },
    { scope: 'worker' },
  ],
  bridgeLog: async ({ page }, use) => {
    const log: string[] = [];
    page.on('websocket', (ws) => {
      ws.on('framereceived', (f) => log.push(String(f.payload)));
      ws.on('framesent', (f) => log.push(String(f.payload)));
    });
    await use(log);
  },
});

export { expect } from '@playwright/test';

/** Call a bridge command from the page, as the renderer would. */
export async function callBridge(page: Page, cmd: string, args: object = {}): Promise<unknown> {
  return page.evaluate(
    ([c, a]) =>
      new Promise((resolveCall, reject) => {
        const ws = new WebSocket(new URL('bridge', location.href).href.replace(/^http/, 'ws'));
        ws.onmessage = (e) => {
          const m = JSON.parse(String(e.data));
          if (m.t === 'hello') ws.send(JSON.stringify({ t: 'call', id: 1, cmd: c, args: a }));
          if (m.t === 'result') {
            ws.close();
            resolveCall(m);
          }
        };
        ws.onerror = () => reject(new Error('bridge socket failed'));
      }),
    [cmd, args] as const,
  );
}
