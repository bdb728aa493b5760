import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { WebSocketServer } from 'ws';
import type { JournalEntry } from '../../../src-main/contract';
import { createCore } from '../../../src-main/core/app-core';
import { KeyFileCipher } from '../../../src-main/secrets/cipher';
import { startWebHost } from '../../../src-main/web/web-host';
import { percentile, ratioRow, type BenchRow, type BenchSuite } from '../harness';

const root = resolve(import.meta.dirname, '../../..');
/** Offered load: well above a busy NOC's inspector rate, below the channel's 80k/s bound. */
const OFFERED_PER_SEC = 40_000;
const CHUNK = 400;

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

/** Publish n events at OFFERED_PER_SEC in chunks, yielding like a connector reading a socket. */
async function feed(n: number, publish: (e: JournalEntry) => void): Promise<void> {
  const start = performance.now();
  for (let i = 1; i <= n; ) {
    const end = Math.min(n, i + CHUNK - 1);
    for (; i <= end; i++) publish(entry(i));
    const due = start + (i / OFFERED_PER_SEC) * 1000;
    await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now())));
  }
}

interface Received {
  ms: number;
  received: number;
  drops: number;
  latencies: number[];
}

/** In the page: count events (batched console frames or one-per-message bare frames) until all n are accounted for. */
function receive(page: Page, url: string, n: number, bridge: boolean): Promise<Received> {
  return page.evaluate(
    ([wsUrl, expected, isBridge]) =>
      new Promise<Received>((done) => {
        const ws = new WebSocket(wsUrl);
        const latencies: number[] = [];
        let received = 0;
        let drops = 0;
        let start = 0;
        // No named inner functions: tsx would wrap them in a helper the page does not have.
        ws.onmessage = (m) => {
          const msg = JSON.parse(String(m.data));
          start ||= performance.now();
          if (isBridge && msg.t === 'hello') return ws.send(JSON.stringify({ t: 'sub', channels: ['inspector.entries'] }));
          const events: Array<{ seq: number; at: number }> = !isBridge ? [msg] : msg.t === 'batch' ? msg.events.map((e: { data: unknown }) => e.data) : [];
          for (const e of events) {
            received++;
            if (e.seq % 50 === 0) latencies.push(Date.now() - e.at);
          }
          if (isBridge) for (const v of Object.values(msg.drops ?? {})) drops += v as number;
          if (received + drops >= expected) done({ ms: performance.now() - start, received, drops, latencies });
        };
      }),
    [url, n, bridge] as const,
  );
}

/**
 * Bridge delivery: journal entries from the hub to a page in Chromium through the web host's
 * bridge (batched, bounded), against the same paced feed over a bare WebSocket (one message per
 * event, no policy). Rate, loss and publish→page latency for both.
 */
const suite: BenchSuite = {
  name: 'bridge',
  async run(ctx) {
    const n = Math.round(200_000 * ctx.scale);
    const dataDir = mkdtempSync(join(tmpdir(), 'ops-bench-'));
    const core = await createCore({ host: 'web', version: 'bench', dataDir, cipher: new KeyFileCipher(join(dataDir, 'k')), demo: false, modules: [] });
    const host = await startWebHost(core, { host: '127.0.0.1', port: 0, rendererDir: join(root, process.env.OPS_OUT_DIR ?? 'out', 'renderer'), resourcesDir: join(root, 'resources') });
    const page = await (await ctx.browser()).newPage();

    await page.goto(`${host.url}api/health`);
    const consoleDone = receive(page, `${host.url.replace(/^http/, 'ws')}bridge`, n, true);
    await new Promise((r) => setTimeout(r, 300));
    await feed(n, (e) => core.hub.publish('inspector.entries', e));
    const c = await consoleDone;

    // The bare server serves its own page: the host's CSP rightly forbids sockets to other
    // ports, and Chromium blocks about:blank → loopback sockets.
    const server = createServer((_req, res) => res.end('<!doctype html><title>bare</title>'));
    const wss = new WebSocketServer({ server });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    await page.goto(`http://127.0.0.1:${port}/`);
    const connected = new Promise<import('ws').WebSocket>((r) => wss.once('connection', r));
    const bareDone = receive(page, `ws://127.0.0.1:${port}/`, n, false);
    const socket = await connected;
    await feed(n, (e) => socket.send(JSON.stringify(e)));
    const b = await bareDone;

    await page.close();
    wss.close();
    server.close();
    await host.close();
    await core.close();
    const rate = (r: Received) => (r.received / r.ms) * 1000;
    const p95 = (r: Received) => percentile(r.latencies, 95);
    const rows: BenchRow[] = [
      ratioRow('bridge', 'hub → page delivered ev/s', rate(c), rate(b), 'ev/s', 0.8, `${n} events offered at ${OFFERED_PER_SEC}/s; ${c.drops} dropped (counted)`),
      {
        bench: 'bridge',
        metric: 'publish → page p95 latency',
        console: Math.round(p95(c)),
        bare: Math.round(p95(b)),
        unit: 'ms',
        target: '≤ 100 ms',
        met: p95(c) <= 100,
        note: 'batching adds ≤ one 25 ms flush window',
      },
    ];
    return rows;
  },
};

export default suite;
