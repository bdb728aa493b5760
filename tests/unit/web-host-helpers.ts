import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { createCore, type Core } from '../../src-main/core/app-core';
import { KeyFileCipher } from '../../src-main/secrets/cipher';
import { startWebHost, type WebHost, type WebHostOptions } from '../../src-main/web/web-host';

export interface TestHost {
  core: Core;
  host: WebHost;
  port: number;
  /** `127.0.0.1:PORT`, what a browser on this machine sends as `Host`. */
  hostHeader: string;
  close(): Promise<void>;
}

/** A real core (no upstream modules) and web host on 127.0.0.1, port 0, over a tiny built renderer. */
export async function startTestHost(options: Partial<WebHostOptions> = {}): Promise<TestHost> {
  const dir = mkdtempSync(join(tmpdir(), 'ops-web-'));
  const rendererDir = join(dir, 'renderer');
  mkdirSync(join(rendererDir, 'assets'), { recursive: true });
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Ops Console</title>');
  writeFileSync(join(rendererDir, 'assets', 'app.js'), 'console.log(1)');
  const resourcesDir = join(dir, 'resources');
  mkdirSync(resourcesDir);
  const dataDir = join(dir, 'data');
  mkdirSync(dataDir);
  const core = await createCore({ host: 'web', version: 'test', dataDir, cipher: new KeyFileCipher(join(dataDir, 'secret.key')), demo: false, modules: [] });
  const host = await startWebHost(core, { host: '127.0.0.1', port: 0, rendererDir, resourcesDir, ...options });
  const port = new URL(host.url).port;
  return {
    core,
    host,
    port: Number(port),
    hostHeader: `127.0.0.1:${port}`,
    async close() {
      await host.close();
      await core.close();
    },
  };
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Send bytes as they are over a plain socket and read until the server closes (or `Connection: close`). */
export function rawRequest(port: number, bytes: string | Buffer, timeoutMs = 10_000): Promise<RawResponse | null> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(parseResponse(Buffer.concat(chunks).toString('latin1')));
    };
    const timer = setTimeout(finish, timeoutMs);
    socket.on('data', (c) => chunks.push(c));
    socket.on('end', finish);
    socket.on('close', finish);
    socket.on('error', finish);
    // No half-close: a server may drop a half-closed socket before a streamed answer.
    socket.write(bytes);
  });
}

function parseResponse(text: string): RawResponse | null {
  const m = /^HTTP\/1\.1 (\d{3})[^\r\n]*\r\n([\s\S]*?)\r\n\r\n([\s\S]*)$/.exec(text);
  if (!m) return null;
  const headers: Record<string, string> = {};
  for (const line of m[2]!.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return { status: Number(m[1]), headers, body: headers['transfer-encoding'] === 'chunked' ? dechunk(m[3]!) : m[3]! };
}

function dechunk(text: string): string {
  let out = '';
  let rest = text;
  for (;;) {
    const eol = rest.indexOf('\r\n');
    const size = parseInt(rest.slice(0, eol), 16);
    if (eol < 0 || !(size > 0)) return out;
    out += rest.slice(eol + 2, eol + 2 + size);
    rest = rest.slice(eol + 2 + size + 2);
  }
}

/** A GET with the given headers (Host defaults to the host's own). */
export function get(t: TestHost, path: string, headers: Record<string, string> = {}): Promise<RawResponse | null> {
  const all = { Host: t.hostHeader, Connection: 'close', ...headers };
  return rawRequest(t.port, `GET ${path} HTTP/1.1\r\n${Object.entries(all).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n`);
}

/** The health endpoint answers 200 with JSON: the host is alive and serving. */
export async function healthy(t: TestHost): Promise<boolean> {
  const r = await get(t, '/api/health');
  return r?.status === 200 && JSON.parse(r.body).status === 'ok';
}

export interface BridgeClient {
  ws: WebSocket;
  /** Every message received, parsed. */
  messages: Array<Record<string, unknown>>;
  next(predicate: (m: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  call(id: number, cmd: string, args?: unknown): Promise<Record<string, unknown>>;
  close(): void;
}

/** Open the bridge and wait for `hello`; refusals reject with the HTTP status. */
export function openBridge(t: TestHost, headers: Record<string, string> = {}, path = '/bridge'): Promise<BridgeClient> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${t.port}${path}`, { headers });
    const messages: Array<Record<string, unknown>> = [];
    const waiters = new Set<() => void>();
    ws.on('message', (data) => {
      messages.push(JSON.parse(String(data)));
      for (const w of [...waiters]) w();
    });
    const next: BridgeClient['next'] = (predicate, timeoutMs = 8_000) =>
      new Promise((ok, fail) => {
        let seen = 0;
        const check = () => {
          for (; seen < messages.length; seen++) {
            if (predicate(messages[seen]!)) {
              waiters.delete(check);
              clearTimeout(timer);
              return ok(messages[seen]!);
            }
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          fail(new Error('no matching bridge message'));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    ws.on('unexpected-response', (_req, res) => reject(new Error(`refused ${res.statusCode}`)));
    ws.on('error', reject);
    const client: BridgeClient = {
      ws,
      messages,
      next,
      call(id, cmd, args = {}) {
        ws.send(JSON.stringify({ t: 'call', id, cmd, args }));
        return next((m) => m.t === 'result' && m.id === id);
      },
      close: () => ws.close(),
    };
    void next((m) => m.t === 'hello').then(() => resolve(client), reject);
  });
}

/** The HTTP status a refused bridge upgrade answered, or 101 when it opened. */
export async function upgradeStatus(t: TestHost, headers: Record<string, string>, path = '/bridge'): Promise<number> {
  try {
    const client = await openBridge(t, headers, path);
    client.close();
    return 101;
  } catch (error) {
    const m = /refused (\d+)/.exec((error as Error).message);
    if (!m) throw error;
    return Number(m[1]);
  }
}
