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
}

/** Console side: the real renderer (bridge client → inspector store → virtual timeline) until the last event is on screen. */
async function consoleReceive(page: Page, n: number, publish: () => Promise<void>): Promise<Received> {
  const t0 = performance.now();
  await publish();
  await page.waitForFunction((last) => [...document.querySelectorAll('[data-testid=timeline-entry]')].some((e) => e.textContent?.includes(`linha ${last}`)), n, { polling: 'raf', timeout: 120_000 });
  const ms = performance.now() - t0;
  const banner = (await page.getByTestId('drops').count()) ? await page.getByTestId('drops').innerText() : '';
  const drops = Number(/\d[\d,.]*/.exec(banner)?.[0]?.replace(/[,.]/g, '') ?? 0);
  return { ms, received: n - drops, drops };
}

/** Bare side: a page with a plain WebSocket, one message per event, counting them. */
function bareReceive(page: Page, url: string, n: number): Promise<Received> {
  return page.evaluate(
    ([wsUrl, expected]) =>
      new Promise<Received>((done) => {
        const ws = new WebSocket(wsUrl);
        let received = 0;
        let start = 0;
        ws.onmessage = (m) => {
          JSON.parse(String(m.data));
          start ||= performance.now();
          if (++received >= expected) done({ ms: performance.now() - start, received, drops: 0 });
        };
      }),
    [url, n] as const,
  );
}

/** Publish → on screen (console) / in the page (bare), one event at a time on a quiet feed. */
async function latencies(count: number, publishAndWait: (seq: number) => Promise<void>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await publishAndWait(10_000_000 + i);
    out.push(performance.now() - t0);
    await new Promise((r) => setTimeout(r, 50));
  }
  return out;
}

/**
 * Bridge delivery: journal entries from the hub to the renderer's inspector timeline in Chromium
 * through the web host's bridge (batched, bounded), against the same paced feed over a bare
 * WebSocket (one message per event, no policy). Rate, loss and publish → screen latency.
 */
const suite: BenchSuite = {
  name: 'bridge',
  async run(ctx) {
    const n = Math.round(200_000 * ctx.scale);
    const dataDir = mkdtempSync(join(tmpdir(), 'ops-bench-'));
    const core = await createCore({ host: 'web', version: 'bench', dataDir, cipher: new KeyFileCipher(join(dataDir, 'k')), demo: false, modules: [] });
    const host = await startWebHost(core, { host: '127.0.0.1', port: 0, rendererDir: join(root, process.env.OPS_OUT_DIR ?? 'out', 'renderer'), resourcesDir: join(root, 'resources') });
    const page = await (await ctx.browser()).newPage({ viewport: { width: 1440, height: 900 } });

    await page.goto(`${host.url}#/inspector`);
    await page.getByTestId('timeline').waitFor();
    await new Promise((r) => setTimeout(r, 500));
    const c = await consoleReceive(page, n, () => feed(n, (e) => core.hub.publish('inspector.entries', e)));
    const shownSeq = (seq: number) => page.waitForFunction((s) => [...document.querySelectorAll('[data-testid=timeline-entry]')].some((e) => e.textContent?.includes(`linha ${s}`)), seq, { polling: 'raf' });
    const consoleLatency = await latencies(40, async (seq) => {
      core.hub.publish('inspector.entries', entry(seq));
      await shownSeq(seq);
    });

    // The bare server serves its own page: the host's CSP rightly forbids sockets to other
    // ports, and Chromium blocks about:blank → loopback sockets.
    const server = createServer((_req, res) => res.end('<!doctype html><title>bare</title>'));
    const wss = new WebSocketServer({ server });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    await page.goto(`http://127.0.0.1:${port}/`);
    const connected = new Promise<import('ws').WebSocket>((r) => wss.once('connection', r));
    const bareDone = bareReceive(page, `ws://127.0.0.1:${port}/`, n);
    const socket = await connected;
    const t1 = performance.now();
    await feed(n, (e) => socket.send(JSON.stringify(e)));
    const b = await bareDone;
    b.ms = performance.now() - t1;
    // Listen before the page connects: its handshake can finish before evaluate() returns.
    const secondConnected = new Promise<import('ws').WebSocket>((r) => wss.once('connection', r));
    await page.evaluate(() => {
      const w = window as unknown as { seen: number };
      w.seen = 0;
      const ws = new WebSocket(location.href.replace(/^http/, 'ws'));
      ws.onmessage = (m) => (w.seen = JSON.parse(String(m.data)).seq);
    });
    const second = await secondConnected;
    const bareLatency = await latencies(40, async (seq) => {
      second.send(JSON.stringify(entry(seq)));
      await page.waitForFunction((s) => (window as unknown as { seen: number }).seen === s, seq, { polling: 'raf' });
    });

    await page.close();
    wss.close();
    server.close();
    await host.close();
    await core.close();
    const rate = (r: Received) => (r.received / r.ms) * 1000;
    const p95c = percentile(consoleLatency, 95);
    const rows: BenchRow[] = [
      ratioRow('bridge', 'hub → renderer timeline, delivered ev/s', rate(c), rate(b), 'ev/s', 0.8, `${n} events offered at ${OFFERED_PER_SEC}/s; console = the real inspector view; ${c.drops} dropped (counted, shown)`),
      {
        bench: 'bridge',
        metric: 'publish → on screen p95 latency (quiet feed)',
        console: Math.round(p95c),
        bare: Math.round(percentile(bareLatency, 95)),
        unit: 'ms',
        target: '≤ 100 ms',
        met: p95c <= 100,
        note: '40 single events; bare = message handler ran, not painted',
      },
    ];
    return rows;
  },
};

export default suite;
