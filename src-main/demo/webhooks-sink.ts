import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { closeServer, listen as listenOn, portOf } from '../core/http-listen';
import { verifyInbound, type SignatureScheme, type VerifyFailure } from '../integrations/signing';
import type { Simulator, SimulatorOptions } from './types';

/**
 * The receiving end of the console's outbound webhooks (demo mode, tests): an HTTP endpoint
 * that records every request and answers from a script (slow, failing, rate-limited…), so
 * retries, timeouts and the delivery log can be exercised for real.
 *
 * Seed-only mode (`seedOnly`) is a receiver written from seed 003 alone: it checks only an
 * HMAC-SHA256 of the body (in `X-Signature`, hex or `sha256=<hex>`), reads nothing else of
 * ours (no Standard Webhooks headers, no ids: it does not de-duplicate) and answers a plain
 * 200 with an empty JSON object.
 */

export interface SinkRequest {
  method: string;
  /** Path and query string as received. */
  path: string;
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: string;
  receivedAt: number;
  /** Only when the sink has a secret: did the signature verify? */
  verified?: boolean;
  /** Why it did not, when `verified` is false. */
  verifyFailure?: VerifyFailure;
}

export interface SinkStep {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  /** Wait this long before answering (exercise the sender's timeout). */
  delayMs?: number;
}

export interface WebhookSinkOptions extends SimulatorOptions {
  /** Verify each request's signature with this secret (recorded, never enforced). */
  secret?: string;
  /** Which scheme `secret` is for; Standard Webhooks by default (ignored in seed-only mode). */
  scheme?: SignatureScheme;
  /** A receiver built from seed 003 alone (see the file comment). */
  seedOnly?: boolean;
}

export interface WebhookSink extends Simulator {
  /** Every POST, oldest first; survives restart(), cleared by reset(). */
  readonly requests: readonly SinkRequest[];
  /** Queue answers for the next requests, in order; afterwards the sink answers 200. */
  respondWith(...steps: SinkStep[]): void;
  /** The next `n` requests get `status` (500 by default). */
  failNext(n: number, status?: number): void;
  /** Forget recorded requests and the queued script. */
  reset(): void;
  /** Resolves with the requests once at least `count` arrived; rejects after `timeoutMs`. */
  waitFor(count: number, timeoutMs?: number): Promise<readonly SinkRequest[]>;
}

const MAX_BODY_BYTES = 5 * 1024 * 1024;

export async function startWebhookSink(opts: WebhookSinkOptions = {}): Promise<WebhookSink> {
  const host = opts.host ?? '127.0.0.1';
  const scheme = opts.seedOnly ? 'simple' : (opts.scheme ?? 'standard');
  const requests: SinkRequest[] = [];
  let script: SinkStep[] = [];
  const waiters = new Set<{ count: number; resolve: () => void }>();
  const sockets = new Set<Socket>();
  const delays = new Set<NodeJS.Timeout>();

  const record = (entry: SinkRequest) => {
    requests.push(entry);
    for (const waiter of waiters) if (requests.length >= waiter.count) waiter.resolve();
  };

  const answer = (res: ServerResponse, step: SinkStep) => {
    if (res.destroyed) return;
    const body = step.body ?? '';
    res.writeHead(step.status, { 'content-length': Buffer.byteLength(body), ...step.headers });
    res.end(body);
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'POST') {
      // GET / doubles as a reachability check for the console's "test endpoint" button.
      const allowed = req.method === 'GET' || req.method === 'HEAD';
      answer(res, allowed ? { status: 200, body: 'webhook sink' } : { status: 405, headers: { allow: 'POST' } });
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        answer(res, { status: 413 });
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) {
        if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
      }
      const entry: SinkRequest = { method: 'POST', path: req.url ?? '/', headers, body, receivedAt: Date.now() };
      if (opts.secret !== undefined && opts.seedOnly) {
        // Its own check, as a seed-only receiver would write it (not the console's signing.ts).
        const given = (headers['x-signature'] ?? '').trim().replace(/^sha256=/i, '').toLowerCase();
        entry.verified = given !== '' && given === createHmac('sha256', opts.secret).update(body).digest('hex');
        if (!entry.verified) entry.verifyFailure = given ? 'bad-signature' : 'missing-headers';
      } else if (opts.secret !== undefined) {
        const result = verifyInbound(scheme, opts.secret, headers, body);
        entry.verified = result.ok;
        if (!result.ok) entry.verifyFailure = result.reason;
      }
      record(entry);
      const step = script.shift() ?? { status: 200, headers: { 'content-type': 'application/json' }, body: opts.seedOnly ? '{}' : '{"recebido":true}' };
      if (!step.delayMs) return answer(res, step);
      const timer = setTimeout(() => {
        delays.delete(timer);
        answer(res, step);
      }, step.delayMs);
      delays.add(timer);
    });
  };

  const server = createServer(handle);
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  const listen = (port: number) => listenOn(server, port, host);

  const dropClients = () => {
    for (const timer of delays) clearTimeout(timer);
    delays.clear();
    for (const socket of sockets) socket.destroy();
  };

  const close = () => {
    dropClients();
    return closeServer(server);
  };

  const url = await listen(opts.port ?? 0);
  const port = portOf(server);

  return {
    name: 'webhook-sink',
    url,
    port,
    requests,
    respondWith(...steps) {
      script.push(...steps);
    },
    failNext(n, status = 500) {
      for (let i = 0; i < n; i++) script.push({ status, body: `falha simulada ${i + 1}/${n}` });
    },
    reset() {
      requests.length = 0;
      script = [];
    },
    waitFor(count, timeoutMs = 2_000) {
      if (requests.length >= count) return Promise.resolve(requests);
      return new Promise((resolve, reject) => {
        const waiter = {
          count,
          resolve: () => {
            clearTimeout(timer);
            waiters.delete(waiter);
            resolve(requests);
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`webhook sink: ${requests.length}/${count} requests after ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    async restart() {
      await close();
      await listen(port);
    },
    dropClients,
    stop: close,
  };
}
