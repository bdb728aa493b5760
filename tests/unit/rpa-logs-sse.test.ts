import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { LinkSession } from '../../src-main/core/lifecycle';
import { openSse } from '../../src-main/upstreams/rpa-logs/sse';

let server: Server | null = null;
afterEach(() => new Promise<void>((r) => (server ? (server.closeAllConnections(), server.close(() => r())) : r())));

/** A stream that answers at once, then sends one event every `everyMs`. */
async function slowStream(everyMs: number): Promise<string> {
  server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(': open\n\n');
    let n = 0;
    const timer = setInterval(() => res.write(`id: ${++n}\ndata: {"n":${n}}\n\n`), everyMs);
    res.on('close', () => clearInterval(timer));
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server!.address() as AddressInfo).port}/events/logs`;
}

const session = (abort: AbortController): LinkSession => ({
  signal: abort.signal,
  activity: () => undefined,
  event: () => undefined,
  error: () => undefined,
  lost: () => undefined,
  latency: () => undefined,
  guard: (fn) => (...args) => void fn(...args),
});

describe('openSse', () => {
  it('keeps a healthy stream open long after the open timeout (it only covers the headers)', async () => {
    const url = await slowStream(50);
    const abort = new AbortController();
    const data: string[] = [];
    let ended: string | null = null;
    await openSse({ url, session: session(abort), lastEventId: null, openTimeoutMs: 100, onMessage: (m) => data.push(m.data), onId: () => undefined, onRetry: () => undefined, onEnd: (reason) => (ended = reason) });
    await new Promise((r) => setTimeout(r, 600));
    abort.abort();
    expect(ended).toBeNull();
    expect(data.length).toBeGreaterThanOrEqual(5);
  });

  it('gives up with a clear message when no headers come in time', async () => {
    server = createServer(() => undefined); // accepts, never answers
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/events/logs`;
    const abort = new AbortController();
    const opening = openSse({ url, session: session(abort), lastEventId: null, openTimeoutMs: 100, onMessage: () => undefined, onId: () => undefined, onRetry: () => undefined, onEnd: () => undefined });
    await expect(opening).rejects.toThrow(/no answer from 127\.0\.0\.1:\d+ in 0 s/);
  });
});
