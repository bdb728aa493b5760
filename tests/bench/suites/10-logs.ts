import { mkdtempSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { EventSource } from 'eventsource';
import type { Page } from 'playwright-core';
import { defaultSettings } from '../../../src-main/contract/settings';
import { createCore, type Core } from '../../../src-main/core/app-core';
import { startRpaLogSimulator, type RpaLogSimulator } from '../../../src-main/demo/rpa-logs-sim';
import { KeyFileCipher } from '../../../src-main/secrets/cipher';
import { createRpaLogs, type RpaLogs } from '../../../src-main/upstreams/rpa-logs';
import { startWebHost } from '../../../src-main/web/web-host';
import { percentile, ratioRow, type BenchContext, type BenchRow, type BenchSuite } from '../harness';

const root = resolve(import.meta.dirname, '../../..');
const TOKEN = 'bench-token';
const JOB = 'abc-123';

async function until(probe: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`bench: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

async function consoleCore(url: string): Promise<{ core: Core; logs: RpaLogs }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ops-bench-logs-'));
  const settings = defaultSettings();
  settings.upstreams.rpaLogs.url = url;
  let logs: RpaLogs | null = null;
  const core = await createCore({
    host: 'web',
    version: 'bench',
    dataDir,
    cipher: new KeyFileCipher(join(dataDir, 'k')),
    demo: false,
    config: { settings, secrets: { 'rpaLogs.token': TOKEN } },
    modules: [(ctx) => { const made = createRpaLogs(ctx); logs = made.connector; return made.module; }],
  });
  await until(() => logs!.currentLink?.currentState === 'open', 10_000, 'console link');
  return { core, logs: logs! };
}

/** Events/s through connector + hub (every line validated, filed, published, persisted). */
async function ingestConsole(sim: RpaLogSimulator, n: number): Promise<number> {
  const { core } = await consoleCore(sim.url);
  await until(() => sim.clientCount === 1, 5_000, 'sim client');
  let received = 0;
  core.hub.on('logs.lines', (l) => void (l.kind === 'log' && received++));
  const t0 = performance.now();
  sim.emitBurst(n);
  await until(() => received >= n, 120_000, 'console ingest');
  const ms = performance.now() - t0;
  await core.close();
  await until(() => sim.clientCount === 0, 5_000, 'console close');
  return (n / ms) * 1000;
}

/** A bare `eventsource` client on the same feed that only JSON-parses each message. */
async function ingestBare(sim: RpaLogSimulator, n: number): Promise<number> {
  let received = 0;
  const es = new EventSource(`${sim.url}/events/logs`, {
    fetch: (input, init) => fetch(input, { ...init, headers: { ...init?.headers, Authorization: `Bearer ${TOKEN}` } }),
  });
  es.onmessage = (e) => {
    if ((JSON.parse(e.data) as { type: string }).type === 'log') received++;
  };
  await until(() => sim.clientCount === 1, 5_000, 'bare client');
  const t0 = performance.now();
  sim.emitBurst(n);
  await until(() => received >= n, 120_000, 'bare ingest');
  const ms = performance.now() - t0;
  es.close();
  await until(() => sim.clientCount === 0, 5_000, 'bare close');
  return (n / ms) * 1000;
}

/** The seed's example page, verbatim logic (innerHTML per line), pointed at our feed. */
const seedPage = (job: string) => `<!DOCTYPE html><html><head><meta charset="utf-8"><title>Logs em Tempo Real</title><style>
#log-container{font-family:'Courier New',monospace;background:#1e1e1e;color:#dcdcdc;padding:20px;height:500px;overflow-y:auto}
.log-entry{margin:5px 0;padding:5px;border-left:3px solid #4CAF50}.log-error{border-left-color:#f44336;color:#ff6b6b}.log-warning{border-left-color:#ff9800;color:#ffd93d}
</style></head><body><h1>Logs em Tempo Real - Job: <span id="job-id"></span></h1><div id="log-container"></div><script>
const jobId = ${JSON.stringify(job)}; document.getElementById('job-id').textContent = jobId;
const eventSource = new EventSource('/api/v2/logs-tempo-real/stream/' + jobId);
const container = document.getElementById('log-container');
eventSource.onmessage = function (event) {
  const log = JSON.parse(event.data);
  const logEntry = document.createElement('div'); logEntry.className = 'log-entry';
  if (log.level === 'ERROR') logEntry.classList.add('log-error'); else if (log.level === 'WARNING') logEntry.classList.add('log-warning');
  logEntry.innerHTML = '[' + (log.timestamp || new Date().toISOString()) + '] <strong>' + log.level + '</strong>: ' + log.message + (log.operadora ? ' (' + log.operadora + ')' : '');
  container.appendChild(logEntry); container.scrollTop = container.scrollHeight;
};
</script></body></html>`;

/** Serves the seed page and pipes its SSE path to the simulator (the Flask proxy's role). */
async function seedServer(simUrl: string): Promise<{ url: string; server: Server }> {
  const target = new URL(simUrl);
  const server = createServer((req, res) => {
    if (req.url?.startsWith('/api/')) {
      const up = request({ host: target.hostname, port: target.port, path: req.url, headers: { accept: 'text/event-stream' } }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      res.on('close', () => up.destroy());
      up.end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(seedPage(JOB));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server };
}

interface FrameStats {
  frames: number;
  longShare: number;
  p50: number;
  p99: number;
}

/**
 * Feed `rate` lines/s for `seconds` (message carries its emit time) while the page records
 * frame times and, each frame, the age of the newest line on screen (end-to-end latency).
 */
async function measure(page: Page, sim: RpaLogSimulator, rate: number, seconds: number, selector: string): Promise<FrameStats> {
  // A string, not a function: tsx's keepNames helper (__name) does not exist in the page.
  const script = `new Promise((done) => {
    const deltas = []; const lat = []; const end = performance.now() + ${seconds * 1000}; let last = performance.now();
    const since = Date.now(); let prev = '';
    function tick(now) {
      deltas.push(now - last); last = now;
      const nodes = document.querySelectorAll(${JSON.stringify(selector)});
      const text = nodes[nodes.length - 1]?.textContent ?? '';
      const m = /@(\\d{13})/.exec(text);
      // Only frames that show a new line emitted during this step (not lines from an earlier one).
      if (m && text !== prev && Number(m[1]) >= since) lat.push(Date.now() - Number(m[1]));
      prev = text;
      if (now < end) requestAnimationFrame(tick); else done({ deltas, lat });
    }
    requestAnimationFrame(tick);
  })`;
  // A page that stops painting altogether counts as all frames long.
  const running = Promise.race([
    page.evaluate(script) as Promise<{ deltas: number[]; lat: number[] }>,
    new Promise<{ deltas: number[]; lat: number[] }>((r) => setTimeout(() => r({ deltas: [0, 0, 0, 0, 0, 1e9], lat: [] }), seconds * 1000 + 15_000).unref()),
  ]);
  const perTick = rate / 100;
  let carry = 0;
  let seq = 0;
  const timer = setInterval(() => {
    carry += perTick;
    for (; carry >= 1; carry--) sim.emit({ job_id: JOB, level: seq++ % 20 === 0 ? 'ERROR' : 'INFO', message: `Fatura ${seq} processada @${Date.now()}` });
  }, 10);
  const r = await running;
  clearInterval(timer);
  const deltas = r.deltas.slice(5);
  return { frames: deltas.length, longShare: deltas.filter((d) => d > 50).length / Math.max(1, deltas.length), p50: percentile(r.lat, 50), p99: percentile(r.lat, 99) };
}

/** Highest rate of the ladder with < 5% of frames over 50 ms (each step on a fresh page). */
async function sustainable(open: () => Promise<Page>, sim: RpaLogSimulator, ladder: number[], seconds: number, selector: string): Promise<{ rate: number; at1000: FrameStats | null }> {
  let best = 0;
  let at1000: FrameStats | null = null;
  for (const rate of ladder) {
    // Two tries per step: the build machines are shared, one noisy step should not end the ladder.
    let stats: FrameStats | null = null;
    for (let attempt = 0; attempt < 2 && (stats === null || stats.longShare >= 0.05); attempt++) {
      const page = await open();
      stats = await measure(page, sim, rate, seconds, selector);
      await page.close();
    }
    if (!stats) break;
    if (rate === 1_000) at1000 = stats;
    process.stderr.write(`  ${selector.slice(0, 24)} ${rate}/s: ${(stats.longShare * 100).toFixed(1)}% long frames, p50 ${stats.p50} ms, p99 ${stats.p99} ms\n`);
    if (stats.longShare < 0.05) best = rate;
    else break;
  }
  return { rate: best, at1000 };
}

const suite: BenchSuite = {
  name: 'logs',
  async run(ctx) {
    const rows: BenchRow[] = [];
    const n = Math.round(200_000 * ctx.scale);

    // Ingest: same simulator, same run, alternating paths, best of two each.
    const sim = await startRpaLogSimulator({ autoplay: false, token: TOKEN, heartbeatMs: 5_000 });
    const bare: number[] = [];
    const cons: number[] = [];
    for (let round = 0; round < 2; round++) {
      bare.push(await ingestBare(sim, n));
      cons.push(await ingestConsole(sim, n));
    }
    rows.push(ratioRow('logs', 'ingest events/s (connector + hub)', Math.max(...cons), Math.max(...bare), 'ev/s', 0.8, `${n.toLocaleString('en-US')} events per run, best of 2; bare = eventsource + JSON.parse`));
    await sim.stop();

    // Memory: RSS after 1,000,000 lines (8 jobs, default 100,000-line ring per job).
    const total = Math.round(1_000_000 * ctx.scale);
    const memSim = await startRpaLogSimulator({ autoplay: false, token: TOKEN, heartbeatMs: 5_000, jobs: Array.from({ length: 8 }, (_, i) => `mem-job-${i}`) });
    const rssBefore = process.memoryUsage().rss;
    const { core, logs } = await consoleCore(memSim.url);
    await until(() => memSim.clientCount === 1, 5_000, 'mem client');
    for (let sent = 0; sent < total; sent += 50_000) {
      memSim.emitBurst(Math.min(50_000, total - sent));
      await until(() => logs.stats.events >= Math.min(total, sent + 50_000), 120_000, 'mem ingest');
    }
    (globalThis as { gc?: () => void }).gc?.();
    const rss = process.memoryUsage().rss;
    const held = logs.book.list().reduce((a, j) => a + j.buffered, 0);
    rows.push({
      bench: 'logs',
      metric: `RSS after ${total.toLocaleString('en-US')} lines`,
      console: Math.round(rss / 2 ** 20),
      bare: null,
      unit: 'MiB',
      target: '< 1,200 MiB',
      met: rss < 1_200 * 2 ** 20,
      note: `${held.toLocaleString('en-US')} lines held in rings (8 jobs × 100k cap); process RSS before core ${Math.round(rssBefore / 2 ** 20)} MiB, includes simulator`,
    });
    await core.close();
    await memSim.stop();

    try {
      rows.push(...(await renderRows(ctx)));
    } catch (error) {
      rows.push({ bench: 'logs', metric: 'render', console: NaN, bare: null, unit: '', target: '', met: false, note: `failed: ${String(error).slice(0, 200)}` });
    }
    return rows;
  },
};

async function renderRows(ctx: BenchContext): Promise<BenchRow[]> {
    const rows: BenchRow[] = [];
    // Render: the log view in Chromium vs the seed's example page, same feed, same browser.
    const renderSim = await startRpaLogSimulator({ autoplay: false, token: TOKEN, heartbeatMs: 5_000, jobs: [JOB] });
    const { core: rcore } = await consoleCore(renderSim.url);
    const host = await startWebHost(rcore, { host: '127.0.0.1', port: 0, rendererDir: join(root, process.env.OPS_OUT_DIR ?? 'out', 'renderer'), resourcesDir: join(root, 'resources') });
    const seed = await seedServer(renderSim.url);
    const browser = await ctx.browser();
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'en-US' });
    const seconds = Math.max(2, Math.round(6 * ctx.scale));
    const openConsole = async () => {
      const page = await context.newPage();
      await page.goto(`${host.url}#/logs?job=${JOB}`);
      await page.getByTestId('log-pane').waitFor();
      await page.waitForTimeout(1_000); // first page of lines loaded and painted
      return page;
    };
    const openSeed = async () => {
      const page = await context.newPage();
      await page.goto(seed.url);
      await until(() => renderSim.clientCount >= 2, 5_000, 'seed page stream');
      await page.waitForTimeout(1_000);
      return page;
    };
    const ladder = [100, 300, 1_000, 3_000, 10_000, 20_000, 40_000];
    const ours = await sustainable(openConsole, renderSim, ladder, seconds, '[data-testid="log-message"]');
    const theirs = await sustainable(openSeed, renderSim, ladder, seconds, '.log-entry');
    rows.push({
      ...ratioRow('logs', 'render: sustained lines/s (<5% frames > 50 ms)', ours.rate, theirs.rate, 'lines/s', 10, `ladder ${ladder.join('/')}, ${seconds} s per step; bare = seed example page (innerHTML per line)`),
      met: ours.rate >= 10 * Math.max(theirs.rate, 1) || (ours.rate === ladder.at(-1) && theirs.rate < ours.rate),
    });
    if (ours.at1000) {
      rows.push({ bench: 'logs', metric: 'render latency p50 @1,000 lines/s', console: ours.at1000.p50, bare: theirs.at1000?.p50 ?? null, unit: 'ms', target: '—', met: null, note: 'emit → newest line on screen' });
      rows.push({ bench: 'logs', metric: 'render latency p99 @1,000 lines/s', console: ours.at1000.p99, bare: theirs.at1000?.p99 ?? null, unit: 'ms', target: '< 100 ms', met: ours.at1000.p99 < 100 });
    }
    await context.close();
    seed.server.closeAllConnections();
    seed.server.close();
    await host.close();
    await rcore.close();
    await renderSim.stop();
    return rows;
}

export default suite;
