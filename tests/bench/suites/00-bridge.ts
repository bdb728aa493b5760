import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { WebSocketServer } from 'ws';
import { createServer } from 'node:http';
import type { JournalEntry } from '../../../src-main/contract';
import { createCore } from '../../../src-main/core/app-core';
import { KeyFileCipher } from '../../../src-main/secrets/cipher';
import { startWebHost } from '../../../src-main/web/web-host';
import { ratioRow, type BenchSuite } from '../harness';

const root = resolve(import.meta.dirname, '../../..');

const entry = (seq: number): JournalEntry => ({
  seq,
  at: Date.now(),
  upstream: 'rpaLogs',
  type: 'log',
  level: 'info',
  ids: { job: `job-${seq % 8}` },
  summary: `INFO Processando RPA da operadora VIVO linha ${seq}`,
  raw: { type: 'log', level: 'INFO', message: `Processando RPA da operadora VIVO linha ${seq}`, operadora: 'VIVO', job_id: `job-${seq % 8}` },
});

/** Publish in chunks, yielding to the event loop like a connector reading a socket would. */
async function feed(n: number, publish: (e: JournalEntry) => void): Promise<void> {
  for (let i = 1; i <= n; ) {
    const end = Math.min(n, i + 500);
    for (; i <= end; i++) publish(entry(i));
    await new Promise((r) => setImmediate(r));
  }
}

/**
 * Bridge throughput: events from the hub to a renderer in Chromium through the web host's
 * bridge (batched), against the same events over a bare WebSocket (one message per event).
 */
const suite: BenchSuite = {
  name: 'bridge',
  async run(ctx) {
    const n = Math.round(200_000 * ctx.scale);
    const dataDir = mkdtempSync(join(tmpdir(), 'ops-bench-'));
    const core = await createCore({ host: 'web', version: 'bench', dataDir, cipher: new KeyFileCipher(join(dataDir, 'k')), demo: false, modules: [] });
    const host = await startWebHost(core, { host: '127.0.0.1', port: 0, rendererDir: join(root, process.env.OPS_OUT_DIR ?? 'out', 'renderer'), resourcesDir: join(root, 'resources') });
    const browser = await ctx.browser();
    const page = await browser.newPage();
    await page.goto(`${host.url}api/health`);

    // Console path: the renderer's bridge protocol (subscribe, batches, drop counts).
    const consoleDone = page.evaluate(
      (expected) =>
        new Promise<{ ms: number; received: number; drops: number }>((done) => {
          const ws = new WebSocket(location.origin.replace(/^http/, 'ws') + '/bridge');
          let received = 0;
          let drops = 0;
          let start = 0;
          ws.onmessage = (e) => {
            const m = JSON.parse(String(e.data));
            if (m.t === 'hello') return ws.send(JSON.stringify({ t: 'sub', channels: ['inspector.entries'] }));
            if (m.t !== 'batch') return;
            start ||= performance.now();
            received += m.events.length;
            for (const v of Object.values(m.drops ?? {})) drops += v as number;
            if (received + drops >= expected) done({ ms: performance.now() - start, received, drops });
          };
        }),
      n,
    );
    await new Promise((r) => setTimeout(r, 300));
    const t0 = performance.now();
    await feed(n, (e) => core.hub.publish('inspector.entries', e));
    const c = await consoleDone;
    const consoleMs = performance.now() - t0;

    // Bare path: a plain ws server sending each event as its own message, same page.
    const server = createServer();
    const wss = new WebSocketServer({ server });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const connected = new Promise<import('ws').WebSocket>((r) => wss.once('connection', r));
    const bareDone = page.evaluate(
      ([expected, p]) =>
        new Promise<number>((done) => {
          const ws = new WebSocket(`ws://127.0.0.1:${p}/`);
          let received = 0;
          ws.onmessage = (e) => {
            JSON.parse(String(e.data));
            if (++received >= expected) done(received);
          };
        }),
      [n, port] as const,
    );
    const socket = await connected;
    const t1 = performance.now();
    await feed(n, (e) => socket.send(JSON.stringify(e)));
    await bareDone;
    const bareMs = performance.now() - t1;

    await page.close();
    wss.close();
    server.close();
    await host.close();
    await core.close();
    const consoleRate = (c.received / consoleMs) * 1000;
    const bareRate = (n / bareMs) * 1000;
    return [
      ratioRow('bridge', 'hub → renderer events/s', consoleRate, bareRate, 'ev/s', 0.8, `${n} events; ${c.drops} dropped (bounded channel, counted)`),
    ];
  },
};

export default suite;
