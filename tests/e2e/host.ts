import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test as base, expect, type Page } from '@playwright/test';

export interface ConsoleHost {
  url: string;
  dataDir: string;
  output: () => string;
  stop(): Promise<void>;
}

const root = resolve(import.meta.dirname, '../..');

/**
 * The admin PIN every e2e host starts with (a fresh install allows no privileged command
 * without a PIN). Given through the `--config` file's `adminPin`; `startHost(args, { pin: null })`
 * starts a host with no PIN at all (first-run tests).
 */
export const E2E_PIN = '7391';

/** Hosts this process started and that still run: killed when it exits, however it exits. */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/**
 * Start the built headless host (`npm run serve`) on a free port with a fresh data folder and
 * the admin PIN `E2E_PIN` (or `options.pin`; `null`: none, first run).
 */
export async function startHost(args: string[] = [], options: { config?: object; env?: Record<string, string>; pin?: string | null } = {}): Promise<ConsoleHost> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ops-e2e-'));
  const extra = [...args];
  const pin = options.pin === undefined ? E2E_PIN : options.pin;
  const config = pin === null ? options.config : { ...options.config, adminPin: pin };
  if (config) {
    const file = join(dataDir, 'config.json');
    writeFileSync(file, JSON.stringify(config), { mode: 0o600 });
    extra.push('--config', file);
  }
  const child: ChildProcess = spawn(process.execPath, [join(root, process.env.OPS_OUT_DIR ?? 'out', 'main/serve.js'), '--port', '0', '--data-dir', dataDir, ...extra], {
    cwd: root,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  child.once('exit', () => live.delete(child));
  let output = '';
  const url = await new Promise<string>((resolveUrl, reject) => {
    // A host that misses the deadline is killed, not left running: an orphan loads the machine
    // and makes every later start slower still.
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`host did not start:\n${output}`));
    }, 20_000);
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

/**
 * The hosts of one worker, started when a test first asks: one shared by the specs that only
 * read, and one per spec file for the specs that change settings (`ownHost`). A worker runs a
 * file's tests together, so the file's host is stopped when the worker moves to another file.
 */
class WorkerHosts {
  private shared?: { host: Promise<ConsoleHost> };
  private own?: { file: string; args: string; host: Promise<ConsoleHost> };

  /** The shared demo host (`file` null), or `file`'s own host started with `args`. */
  async get(file: string | null, args: string[]): Promise<ConsoleHost> {
    if (file === null) return (this.shared ??= { host: startHost(['--demo']) }).host;
    const key = JSON.stringify(args);
    if (this.own?.file !== file || this.own.args !== key) {
      await this.stop('own');
      this.own = { file, args: key, host: startHost(args) };
    }
    return this.own.host;
  }

  async stop(which: 'shared' | 'own' | 'all' = 'all'): Promise<void> {
    for (const slot of which === 'all' ? (['shared', 'own'] as const) : [which]) {
      const held = this[slot];
      this[slot] = undefined;
      if (held) await held.host.then((h) => h.stop(), () => undefined); // a host that failed to start has nothing to stop
    }
  }
}

export interface HostOptions {
  /**
   * A host for this spec file alone: set it (`test.use({ ownHost: true })`) in every spec that
   * changes settings, secrets, webhooks or modes, so nothing it sets leaks into another spec.
   */
  ownHost: boolean;
  /** The host's command line (default `--demo`). Other arguments need `ownHost`. */
  hostArgs: string[];
}

/**
 * Every page of a spec gets a host in demo mode — shared by the worker's read-only specs, or
 * the spec file's own (`ownHost`); calls to the bridge are recorded.
 */
export const test = base.extend<{ bridgeLog: string[]; host: ConsoleHost } & HostOptions, { workerHosts: WorkerHosts }>({
  ownHost: [false, { option: true }],
  hostArgs: [['--demo'], { option: true }],
  workerHosts: [
    async ({}, use) => {
      const hosts = new WorkerHosts();
      await use(hosts);
      await hosts.stop();
    },
    { scope: 'worker' },
  ],
  host: [
    async ({ workerHosts, ownHost, hostArgs }, use, testInfo) => {
      if (!ownHost && hostArgs.join(' ') !== '--demo') throw new Error('hostArgs other than --demo need ownHost: true');
      await use(await workerHosts.get(ownHost ? testInfo.file : null, hostArgs));
    },
    // Starting a host is the fixture's time, not the test's (as when it was a worker fixture).
    { timeout: 60_000 },
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

export { expect };

/**
 * Call a bridge command from the page, as the renderer would, on a socket of its own: a new,
 * locked admin session. Privileged commands answer `forbidden` there; use `callAdmin`.
 */
export async function callBridge(page: Page, cmd: string, args: object = {}): Promise<unknown> {
  return bridgeCalls(page, [[cmd, args]]);
}

/**
 * Call a privileged bridge command: on its own socket, `admin.unlock` with the host's PIN
 * (`E2E_PIN` unless given) first, then the command. Resolves to the command's result; a refused
 * unlock throws.
 */
export async function callAdmin(page: Page, cmd: string, args: object = {}, pin = E2E_PIN): Promise<unknown> {
  return bridgeCalls(page, [['admin.unlock', { pin }], [cmd, args]]);
}

/** Calls in order on one socket (one session); the last result, or a throw if an earlier one failed. */
async function bridgeCalls(page: Page, calls: Array<[string, object]>): Promise<unknown> {
  return page.evaluate(
    (list) =>
      new Promise((resolveCall, reject) => {
        const ws = new WebSocket(new URL('bridge', location.href).href.replace(/^http/, 'ws'));
        let id = 0;
        const next = () => ws.send(JSON.stringify({ t: 'call', id: ++id, cmd: list[id - 1]![0], args: list[id - 1]![1] }));
        ws.onmessage = (e) => {
          const m = JSON.parse(String(e.data));
          if (m.t === 'hello') next();
          if (m.t !== 'result') return;
          if (id === list.length) {
            ws.close();
            return resolveCall(m);
          }
          if (!m.ok || (m.value?.check && m.value.check.result !== 'ok')) {
            ws.close();
            return reject(new Error(`${list[id - 1]![0]} failed: ${JSON.stringify(m.error ?? m.value.check)}`));
          }
          next();
        };
        ws.onerror = () => reject(new Error('bridge socket failed'));
      }),
    calls,
  );
}

/**
 * Unlock the page's own admin session (its renderer socket) the way an operator does: Settings,
 * enter the PIN, then back to the route the page was on (same document: the session stays).
 */
export async function unlockAdmin(page: Page, pin = E2E_PIN): Promise<void> {
  const previous = await page.evaluate(() => location.hash);
  await page.evaluate(() => (location.hash = '#/settings/security'));
  const lock = page.getByTestId('lock-screen');
  const unlocked = page.getByTestId('lock-now');
  await expect(lock.or(unlocked)).toBeVisible();
  if (await lock.isVisible()) {
    await page.getByTestId('unlock-pin').fill(pin);
    await page.getByTestId('unlock').click();
  }
  await expect(unlocked).toBeVisible();
  await page.evaluate((hash) => (location.hash = hash || '#/'), previous);
}

/**
 * Count, inside the page, the bridge calls still waiting for their result (call before the
 * page loads). A view asks for its data when it mounts — in the same task that marks its nav
 * link or tab current — so once that mark is seen, `bridgeIdle` waits for exactly those answers:
 * a condition, not a guess at how long loading takes.
 */
export async function trackBridgeCalls(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const pending = new Map<WebSocket, Set<number>>();
    (window as unknown as { __bridgePending: () => number }).__bridgePending = () => [...pending.values()].reduce((n, s) => n + s.size, 0);
    const parse = (text: unknown): { t?: string; id?: number } => {
      try {
        return JSON.parse(String(text)) as { t?: string; id?: number };
      } catch {
        return {}; // not a frame of ours: the bridge itself answers it
      }
    };
    const send = WebSocket.prototype.send;
    WebSocket.prototype.send = function (this: WebSocket, data) {
      if (typeof data === 'string' && new URL(this.url).pathname.endsWith('/bridge')) {
        const m = parse(data);
        if (m.t === 'call' && typeof m.id === 'number') {
          if (!pending.has(this)) {
            pending.set(this, new Set());
            this.addEventListener('message', (e) => {
              const r = parse(e.data);
              if (r.t === 'result' && typeof r.id === 'number') pending.get(this)?.delete(r.id);
            });
            this.addEventListener('close', () => pending.delete(this));
          }
          pending.get(this)!.add(m.id);
        }
      }
      return send.call(this, data);
    };
  });
}

/**
 * Every bridge call the page made has its answer (see `trackBridgeCalls`). Polled from the
 * test, not by the page's timers, so it holds under `page.clock` too.
 */
export async function bridgeIdle(page: Page): Promise<void> {
  await expect.poll(() => page.evaluate(() => (window as unknown as { __bridgePending: () => number }).__bridgePending())).toBe(0);
}
