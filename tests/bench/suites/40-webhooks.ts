import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer, request, Agent, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IntegrationSettings } from '../../../src-main/contract/integrations';
import { Storage } from '../../../src-main/core/storage';
import { InboundReceiver } from '../../../src-main/integrations/inbound';
import { Outbound } from '../../../src-main/integrations/outbound';
import { generateSecret, standardHeaders } from '../../../src-main/integrations/signing';
import type { BenchRow, BenchSuite } from '../harness';

/** A local sink that answers 200 at once and counts (same for both paths). */
async function sink(): Promise<{ url: string; count: () => number; close: () => Promise<void> }> {
  let n = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      n++;
      res.writeHead(200, { 'content-length': '2' }).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/in`, count: () => n, close: () => new Promise((r) => server.close(() => r())) };
}

/** POST with keep-alive over node:http, `concurrency` requests in flight. */
async function load(n: number, concurrency: number, make: (i: number) => { url: string; headers: Record<string, string>; body: string }): Promise<{ ms: number; statuses: Map<number, number> }> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const statuses = new Map<number, number>();
  let next = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (next < n) {
      const r = make(next++);
      const status = await new Promise<number>((resolve, reject) => {
        const u = new URL(r.url);
        const req = request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', agent, headers: { ...r.headers, 'content-length': Buffer.byteLength(r.body) } }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', reject);
        req.end(r.body);
      });
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  agent.destroy();
  return { ms: performance.now() - t0, statuses };
}

const payload = (i: number) => JSON.stringify({ type: 'job.error', timestamp: new Date().toISOString(), data: { job: `job-${i % 8}`, summary: `ERROR Falha ao processar operadora VIVO linha ${i}` } });

/**
 * Webhooks: (1) signed deliveries/s through the durable SQLite queue (enqueue in a
 * transaction, sign, POST, commit the attempt) vs a bare signed POST loop with the same
 * concurrency; (2) verified inbound requests/s through the receiver (rate limit, size cap,
 * Standard Webhooks verify, replay check in SQLite, history row) vs a bare node:http server
 * doing only the HMAC check.
 */
const suite: BenchSuite = {
  name: 'webhooks',
  async run(ctx) {
    const rows: BenchRow[] = [];
    const n = Math.max(200, Math.round(5_000 * ctx.scale));
    const secret = generateSecret();
    const concurrency = 16;

    // ---- outbound ----
    const s1 = await sink();
    const dir = mkdtempSync(join(tmpdir(), 'ops-bench-wh-'));
    const storage = Storage.open(join(dir, 'q.db'));
    const outbound = new Outbound({ storage, secretOf: () => secret, secretStatus: () => ({ present: true, masked: '' }), settings: () => ({ disableAfterHours: 120, concurrency }) });
    outbound.create({ name: 'bench', url: s1.url, events: ['job.error'], headers: {}, timeoutMs: 10_000, enabled: true, signing: 'standard', template: 'standard' });
    outbound.start();
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      outbound.emit('job.error', { job: `job-${i % 8}`, summary: `ERROR Falha ao processar operadora VIVO linha ${i}` });
      if (i % 100 === 99) await new Promise((r) => setImmediate(r));
    }
    while (s1.count() < n || outbound.busy > 0) await new Promise((r) => setTimeout(r, 5));
    const consoleMs = performance.now() - t0;
    const pending = outbound.deliveries({ state: 'pending', limit: 1 }).length;
    await outbound.stop();
    storage.close();
    await s1.close();

    const s2 = await sink();
    const bare = await load(n, concurrency, (i) => {
      const body = payload(i);
      return { url: s2.url, body, headers: { 'content-type': 'application/json', ...standardHeaders(secret, `msg_${i}`, Math.floor(Date.now() / 1000), body) } };
    });
    await s2.close();
    const outRate = (n / consoleMs) * 1000;
    rows.push({
      bench: 'webhooks',
      metric: 'signed deliveries/s (durable queue → sink)',
      console: Math.round(outRate),
      bare: Math.round((n / bare.ms) * 1000),
      unit: 'deliv/s',
      target: '≥ 500/s',
      met: outRate >= 500 && pending === 0,
      note: `${n} events, concurrency ${concurrency}; bare = signed POST loop, no queue`,
    });

    // ---- inbound ----
    const m = Math.max(500, Math.round(20_000 * ctx.scale));
    const inStorage = Storage.open(join(dir, 'in.db'));
    const settings = IntegrationSettings.parse({ inbound: { enabled: true, port: 0, rateLimitPerMin: 1_000_000, preAuthPerMin: 1_000_000, sources: [{ name: 'fiscal', scheme: 'standard' }] } }).inbound;
    let accepted = 0;
    const receiver = new InboundReceiver({ storage: inStorage, settings: () => settings, secretOf: () => secret, onEvent: () => accepted++ });
    const url = `${await receiver.start(0)}/hooks/fiscal`;
    const signed = (i: number) => {
      const body = payload(i);
      return { url, body, headers: { 'content-type': 'application/json', ...standardHeaders(secret, `msg_in_${i}`, Math.floor(Date.now() / 1000), body) } };
    };
    const consoleIn = await load(m, concurrency, signed);
    await receiver.stop();
    inStorage.close();

    // Bare: only the HMAC check of the same headers.
    const key = Buffer.from(secret.slice(6), 'base64');
    const bareServer = createServer((req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const id = String(req.headers['webhook-id']);
        const ts = String(req.headers['webhook-timestamp']);
        const given = Buffer.from(String(req.headers['webhook-signature']).slice(3), 'base64');
        const expected = createHmac('sha256', key).update(`${id}.${ts}.`).update(body).digest();
        const ok = given.length === expected.length && timingSafeEqual(given, expected);
        res.writeHead(ok ? 200 : 401, { 'content-length': '2' }).end('ok');
      });
    });
    await new Promise<void>((r) => bareServer.listen(0, '127.0.0.1', r));
    const bareUrl = `http://127.0.0.1:${(bareServer.address() as AddressInfo).port}/hooks/fiscal`;
    const bareIn = await load(m, concurrency, (i) => ({ ...signed(i), url: bareUrl }));
    await new Promise<void>((r) => bareServer.close(() => r()));
    const inRate = (m / consoleIn.ms) * 1000;
    rows.push({
      bench: 'webhooks',
      metric: 'verified inbound requests/s',
      console: Math.round(inRate),
      bare: Math.round((m / bareIn.ms) * 1000),
      unit: 'req/s',
      target: '≥ 2,000/s',
      met: inRate >= 2_000 && accepted === m,
      note: `${m} requests, ${accepted} accepted (${[...consoleIn.statuses].map(([k, v]) => `${k}×${v}`).join(' ')}); bare = node:http + HMAC only`,
    });
    return rows;
  },
};

export default suite;
