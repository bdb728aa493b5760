import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import WebSocket, { WebSocketServer } from 'ws';
import { defaultSettings } from '../../../src-main/contract/settings';
import { createCore, type Core } from '../../../src-main/core/app-core';
import { KeyFileCipher } from '../../../src-main/secrets/cipher';
import { createKeywordHub, keywordHubModule } from '../../../src-main/upstreams/keyword-hub';
import { startWebHost } from '../../../src-main/web/web-host';
import { percentile, ratioRow, type BenchRow, type BenchSuite } from '../harness';

const root = resolve(import.meta.dirname, '../../..');
const stamp = '2024-12-19T23:02:00Z';

/** A realistic mix: mostly EXECUCAO_STATUS, some KEYWORD_ENCONTRADA, over `execs` executions. */
function makeFeed(n: number, execs: number): string[] {
  const frames: string[] = [];
  for (let i = 0; i < execs; i++) frames.push(JSON.stringify({ event: 'EXECUCAO_INICIADA', data: { execucao_id: `exec_${100000 + i}`, status: 'iniciada', request_id: null }, timestamp: stamp }));
  for (let i = 0; frames.length < n; i++) {
    const id = `exec_${100000 + (i % execs)}`;
    const atual = Math.floor(i / execs) % 10_000;
    frames.push(
      i % 4 === 3
        ? JSON.stringify({ event: 'KEYWORD_ENCONTRADA', data: { execucao_id: id, keyword: { termo: `palavra-chave ${i}`, frequencia: 15, relevancia: 0.85, posicao: 3, url: 'https://exemplo.com/pagina' }, cluster_id: 'cluster_123' }, timestamp: stamp })
        : JSON.stringify({ event: 'EXECUCAO_STATUS', data: { execucao_id: id, status: 'em_andamento', progresso: { total: 10_000, atual, percentual: atual / 100 }, keywords_encontradas: atual >> 1, tempo_decorrido: 120, tempo_estimado: 180 }, timestamp: stamp }),
    );
  }
  return frames;
}

/** A loopback hub: answers EXECUCAO_LISTAR (empty) and calls `onReady` once a client is set up. */
async function feedServer(onReady: (ws: WebSocket) => void) {
  const server = createServer();
  const wss = new WebSocketServer({ server });
  wss.on('connection', (ws) => {
    let ready = false;
    ws.on('message', (raw) => {
      const m = JSON.parse(raw.toString()) as { event: string; data: { request_id?: string } };
      if (m.event === 'EXECUCAO_LISTAR') ws.send(JSON.stringify({ event: 'EXECUCAO_LISTA', data: { execucoes: [], request_id: m.data.request_id }, timestamp: stamp }));
      if (m.event === 'EXECUCAO_STATUS') ws.send(JSON.stringify({ event: 'EXECUCAO_STATUS', data: { ...m.data, status: 'em_andamento' }, timestamp: stamp }));
      if (m.event === 'SESSAO_PING') ws.send(JSON.stringify({ event: 'SESSAO_PONG', data: { request_id: m.data.request_id, server_time: stamp }, timestamp: stamp }));
      // The console's connect sequence ends with MONITORAMENTO_INICIAR; a bare client says "go".
      if ((m.event === 'MONITORAMENTO_INICIAR' || m.event === 'GO') && !ready) {
        ready = true;
        onReady(ws);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `ws://127.0.0.1:${port}/ws`,
    close: () => new Promise<void>((r) => (wss.close(), server.close(() => r()), server.closeAllConnections())),
  };
}

async function bootCore(url: string): Promise<Core> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ops-bench-kh-'));
  const settings = defaultSettings();
  settings.upstreams.keywordHub.url = url;
  return createCore({ host: 'web', version: 'bench', dataDir, cipher: new KeyFileCipher(join(dataDir, 'k')), demo: false, config: { settings, secrets: {} }, modules: [keywordHubModule] });
}

const until = async (probe: () => boolean, timeoutMs: number) => {
  const deadline = performance.now() + timeoutMs;
  while (!probe()) {
    if (performance.now() > deadline) throw new Error('bench timed out');
    await new Promise((r) => setTimeout(r, 2));
  }
};

/**
 * The upstream runs in its own thread, as a real hub runs on its own machine: the feed's send
 * cost is not charged to whichever client is measured. It answers the connect sequence
 * (EXECUCAO_LISTAR, EXECUCAO_STATUS, SESSAO_PING) and blasts the frames on MONITORAMENTO_INICIAR
 * (the end of the console's connect sequence) or GO (the bare client), reporting the start time.
 */
const FEED_WORKER = `
const { workerData, parentPort } = require('node:worker_threads');
const { WebSocketServer } = require(workerData.wsPath);
const http = require('node:http');
const { frames, stamp } = workerData;
const server = http.createServer();
const wss = new WebSocketServer({ server });
wss.on('connection', (ws) => {
  let ready = false;
  ws.on('message', (raw) => {
    const m = JSON.parse(raw.toString());
    const reply = (event, data) => ws.send(JSON.stringify({ event, data, timestamp: stamp }));
    if (m.event === 'EXECUCAO_LISTAR') reply('EXECUCAO_LISTA', { execucoes: [], request_id: m.data.request_id });
    if (m.event === 'EXECUCAO_STATUS') reply('EXECUCAO_STATUS', { ...m.data, status: 'em_andamento' });
    if (m.event === 'SESSAO_PING') reply('SESSAO_PONG', { request_id: m.data.request_id, server_time: stamp });
    if ((m.event === 'MONITORAMENTO_INICIAR' || m.event === 'GO') && !ready) {
      ready = true;
      parentPort.postMessage({ started: Date.now() });
      let i = 0;
      const pump = () => {
        const end = Math.min(frames.length, i + 1000);
        for (; i < end; i++) ws.send(frames[i]);
        if (i < frames.length) setTimeout(pump, ws.bufferedAmount > 4 * 1024 * 1024 ? 1 : 0);
        else parentPort.postMessage({ sent: Date.now() });
      };
      pump();
    }
  });
});
server.listen(0, '127.0.0.1', () => parentPort.postMessage({ port: server.address().port }));
parentPort.on('message', (m) => m === 'close' && (wss.close(), server.closeAllConnections(), server.close(() => process.exit(0))));
`;

async function feedWorker(frames: readonly string[]) {
  const worker = new Worker(FEED_WORKER, { eval: true, workerData: { frames, stamp, wsPath: createRequire(import.meta.url).resolve('ws') } });
  let started = 0;
  const port = await new Promise<number>((resolveP, reject) => {
    worker.on('message', (m: { port?: number; started?: number }) => {
      if (m.port) resolveP(m.port);
      if (m.started) started = m.started;
    });
    worker.once('error', reject);
  });
  return {
    url: `ws://127.0.0.1:${port}/ws`,
    started: () => started,
    close: () => new Promise<void>((r) => (worker.once('exit', () => r()), worker.postMessage('close'))),
  };
}

/** Ingest: every frame validated, applied, journaled and persisted, against a bare `ws` client that only parses. */
export async function ingest(n: number): Promise<BenchRow> {
  const frames = makeFeed(n, 100);
  const hub = await feedWorker(frames);
  const core = await bootCore(hub.url);
  const link = () => core.ctx.links.get('keywordHub')!.status();
  await until(() => hub.started() > 0, 15_000);
  await until(() => link().events >= n, 120_000);
  const consoleMs = Date.now() - hub.started();
  const errors = link().errors;
  await core.close();
  await hub.close();

  // Bare: the same feed from the same kind of upstream, a plain client that parses each message.
  const bareHub = await feedWorker(frames);
  let received = 0;
  const client = new WebSocket(bareHub.url);
  client.on('message', (raw) => {
    JSON.parse(raw.toString());
    received++;
  });
  await new Promise((r) => client.once('open', r));
  client.send(JSON.stringify({ event: 'GO', data: {}, timestamp: stamp }));
  await until(() => received >= n && bareHub.started() > 0, 120_000);
  const bareMs = Date.now() - bareHub.started();
  client.terminate();
  await bareHub.close();
  return ratioRow('keyword-hub', 'ingest events/s (validate + state + journal + SQLite)', (n / consoleMs) * 1000, (n / bareMs) * 1000, 'ev/s', 0.8, `${n} frames, 100 executions, upstream in its own thread (both paths are bound by its send rate); ${errors} link errors`);
}

/** CPU per event without sockets: the connector's whole path vs a bare JSON.parse of the same frames. */
async function cpuPerEvent(n: number): Promise<BenchRow> {
  const frames = makeFeed(n, 100);
  const dataDir = mkdtempSync(join(tmpdir(), 'ops-bench-kh-cpu-'));
  const core = await createCore({ host: 'web', version: 'bench', dataDir, cipher: new KeyFileCipher(join(dataDir, 'k')), demo: false, modules: [] });
  const hub = createKeywordHub(core.ctx);
  let t = performance.now();
  for (const f of frames) JSON.parse(f);
  const bareUs = ((performance.now() - t) * 1000) / n;
  t = performance.now();
  for (let i = 0; i < n; ) {
    const end = Math.min(n, i + 1_000);
    for (; i < end; i++) hub.connector.ingest(frames[i]!);
    await new Promise((r) => setImmediate(r));
  }
  hub.connector.flush();
  core.ctx.journal.flush();
  const consoleUs = ((performance.now() - t) * 1000) / n;
  await core.close();
  return { bench: 'keyword-hub', metric: 'CPU per event, in-process (parse only vs full connector path)', console: Math.round(consoleUs * 100) / 100, bare: Math.round(bareUs * 100) / 100, unit: 'µs', target: 'informational', met: null, note: `${n} frames; console includes parse, zod, state machine, journal (≤ 100/s), SQLite writes` };
}

/** 100 executions × 10 EXECUCAO_STATUS/s with the executions view open in Chromium. */
async function responsiveness(ctxBrowser: () => Promise<import('playwright-core').Browser>, seconds: number): Promise<BenchRow[]> {
  const execs = 100;
  let feeding = true;
  let sent = 0;
  let feedDone: Promise<void> = Promise.resolve();
  const hub = await feedServer((ws) => {
    feedDone = (async () => {
      for (let i = 0; i < execs; i++) ws.send(JSON.stringify({ event: 'EXECUCAO_INICIADA', data: { execucao_id: `exec_${200000 + i}`, status: 'iniciada', request_id: null }, timestamp: stamp }));
      let tick = 0;
      while (feeding && ws.readyState === ws.OPEN) {
        tick++;
        for (let i = 0; i < execs; i++) {
          const atual = tick % 1_000;
          ws.send(JSON.stringify({ event: 'EXECUCAO_STATUS', data: { execucao_id: `exec_${200000 + i}`, status: 'em_andamento', progresso: { total: 1_000, atual, percentual: atual / 10 }, keywords_encontradas: atual >> 1, tempo_decorrido: tick / 10, tempo_estimado: 100 }, timestamp: stamp }));
          sent++;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
  });
  const core = await bootCore(hub.url);
  const host = await startWebHost(core, { host: '127.0.0.1', port: 0, rendererDir: join(root, process.env.OPS_OUT_DIR ?? 'out', 'renderer'), resourcesDir: join(root, 'resources') });
  const browser = await ctxBrowser();
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await page.goto(`${host.url}#/executions`);
  await page.waitForSelector('[data-testid="exec-table"]', { timeout: 20_000 });
  // tsx keeps function names with a `__name` helper that the page does not have.
  await page.evaluate('window.__name = (f) => f');

  const measure = (ms: number) =>
    page.evaluate(
      (duration) =>
        new Promise<{ gaps: number[]; longTasks: number; longMs: number; rowsUpdated: number }>((done) => {
          const gaps: number[] = [];
          let longTasks = 0;
          let longMs = 0;
          const obs = new PerformanceObserver((list) => {
            for (const e of list.getEntries()) {
              longTasks++;
              longMs += e.duration;
            }
          });
          obs.observe({ type: 'longtask', buffered: false });
          const first = document.querySelector('[data-testid="exec-progress"]')?.textContent ?? '';
          let last = performance.now();
          const end = last + duration;
          const frame = (t: number) => {
            gaps.push(t - last);
            last = t;
            if (t < end) requestAnimationFrame(frame);
            else {
              obs.disconnect();
              const now = document.querySelector('[data-testid="exec-progress"]')?.textContent ?? '';
              done({ gaps, longTasks, longMs, rowsUpdated: now !== first ? 1 : 0 });
            }
          };
          requestAnimationFrame(frame);
        }),
      ms,
    );
  // Baseline: the same page with the feed paused (bare = no load).
  feeding = false;
  await feedDone;
  await new Promise((r) => setTimeout(r, 500));
  const idle = await measure(Math.max(2_000, (seconds * 1000) / 3));
  feeding = true;
  // Start the feed again: a reconnect runs the connect sequence, whose end starts a new feed.
  core.ctx.links.get('keywordHub')!.connect();
  await new Promise((r) => setTimeout(r, 1_000));
  const sentBefore = sent;
  const cdp = process.env.KH_PROFILE ? await page.context().newCDPSession(page) : null;
  if (cdp) await cdp.send('Profiler.enable').then(() => cdp.send('Profiler.start'));
  const loaded = await measure(seconds * 1000);
  if (cdp) {
    const { profile } = (await cdp.send('Profiler.stop')) as { profile: { nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>; samples: number[]; timeDeltas: number[] } };
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const self = new Map<string, number>();
    profile.samples.forEach((id, i) => {
      const n = byId.get(id)!;
      const k = `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').pop()}:${n.callFrame.lineNumber}`;
      self.set(k, (self.get(k) ?? 0) + (profile.timeDeltas[i] ?? 0));
    });
    for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25)) process.stderr.write(`${(v / 1000).toFixed(0).padStart(6)} ms ${k}\n`);
  }
  const rate = ((sent - sentBefore) / seconds);
  feeding = false;
  await feedDone;
  const rows = await page.locator('.exec-row').count();
  await page.close();
  await host.close();
  await core.close();
  await hub.close();
  const p95Loaded = percentile(loaded.gaps, 95);
  const p95Idle = percentile(idle.gaps, 95);
  return [
    {
      bench: 'keyword-hub',
      metric: 'UI p95 frame interval, 100 execs × 10 status/s',
      console: Math.round(p95Loaded * 10) / 10,
      bare: Math.round(p95Idle * 10) / 10,
      unit: 'ms',
      target: '< 50 ms',
      met: p95Loaded < 50,
      note: `bare = same page without the feed; ${Math.round(rate)} status ev/s sent; ${rows} rows; max frame ${Math.round(Math.max(...loaded.gaps))} ms`,
    },
    {
      bench: 'keyword-hub',
      metric: 'UI long tasks (> 50 ms) under that load',
      console: loaded.longTasks,
      bare: idle.longTasks,
      unit: `per ${seconds} s`,
      target: `≤ ${seconds}`,
      met: loaded.longTasks <= seconds,
      note: `${Math.round(loaded.longMs)} ms in long tasks`,
    },
  ];
}

const suite: BenchSuite = {
  name: 'keyword-hub',
  async run(ctx) {
    const rows = [await ingest(Math.round(100_000 * ctx.scale)), await cpuPerEvent(Math.round(100_000 * ctx.scale))];
    rows.push(...(await responsiveness(() => ctx.browser(), Math.max(3, Math.round(10 * ctx.scale)))));
    return rows;
  },
};

export default suite;
