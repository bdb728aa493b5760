import { randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { listen } from '../core/http-listen';
import { join } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { ClientMessage, channels, isChannelName, type ChannelName, type HostMessage } from '../contract';
import type { Core } from '../core/app-core';
import { serveStatic, securityHeaders } from './static-files';

export interface WebHostOptions {
  host: string;
  port: number;
  rendererDir: string;
  resourcesDir: string;
  /** Required to bind beyond loopback; also lets remote clients use admin commands. */
  accessToken?: string;
}

export interface WebHost {
  readonly url: string;
  readonly server: Server;
  close(): Promise<void>;
}

export const isLoopback = (address: string | undefined): boolean =>
  !!address && (address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.') || address === 'localhost');

/** Bytes queued on a socket before bounded channels start dropping for that client. */
const congestedBytes = 4 * 1024 * 1024;

/**
 * The headless host: the built renderer over HTTP, `/api/health`, and the bridge — the same
 * contract as Electron's IPC carried over a WebSocket at `/bridge` (docs/bridge.md).
 */
export async function startWebHost(core: Core, options: WebHostOptions): Promise<WebHost> {
  if (!isLoopback(options.host) && !options.accessToken) {
    throw new Error(`refusing to listen on ${options.host} without a bridge access token (set OPS_CONSOLE_ACCESS_TOKEN or bind to 127.0.0.1)`);
  }
  const tokenOk = (req: IncomingMessage): boolean => {
    if (!options.accessToken) return false;
    const url = new URL(req.url ?? '/', 'http://localhost');
    const given = url.searchParams.get('token') ?? req.headers.authorization?.replace(/^Bearer /, '') ?? '';
    const a = Buffer.from(given);
    const b = Buffer.from(options.accessToken);
    return a.length === b.length && timingSafeEqual(a, b);
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/api/health') {
      res.writeHead(200, { ...securityHeaders, 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
      return void res.end(JSON.stringify(core.health()));
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return void res.writeHead(405).end();
    serveStatic(options.rendererDir, req, res, { '/resources/': options.resourcesDir, '/media/': join(core.ctx.dataDir, 'media') });
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const remoteOk = isLoopback(req.socket.remoteAddress) || tokenOk(req);
    // A web page elsewhere must not drive the console through the operator's browser.
    const origin = req.headers.origin;
    const sameOrigin = !origin || new URL(origin).host === req.headers.host;
    if (url.pathname !== '/bridge' || !sameOrigin || !remoteOk) {
      socket.end(`HTTP/1.1 ${url.pathname !== '/bridge' ? '404 Not Found' : '403 Forbidden'}\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => openSession(core, ws, remoteOk));
  });

  const base = await listen(server, options.port, options.host);
  return {
    url: `${base}/`,
    server,
    async close() {
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function openSession(core: Core, ws: WebSocket, trusted: boolean): void {
  const caller = { host: 'web' as const, trusted, session: randomUUID() };
  const send = (message: HostMessage) => ws.readyState === ws.OPEN && ws.send(JSON.stringify(message));
  const outlet = core.hub.openOutlet({
    channels: [],
    send: (batch) => send({ t: 'batch', ...batch }),
    writable: () => ws.bufferedAmount < congestedBytes,
  });
  send({ t: 'hello', protocol: 1, channels: Object.keys(channels) });

  ws.on('message', async (data) => {
    let parsed: ClientMessage;
    try {
      const result = ClientMessage.safeParse(JSON.parse(data.toString()));
      if (!result.success) throw new Error(result.error.issues[0]?.message ?? 'bad message');
      parsed = result.data;
    } catch (error) {
      return send({ t: 'error', error: { code: 'invalid-argument', message: `bad bridge message: ${(error as Error).message}` } });
    }
    if (parsed.t === 'sub') {
      const wanted = parsed.channels === '*' ? '*' : parsed.channels.filter(isChannelName);
      return outlet.subscribe(wanted as ChannelName[] | '*');
    }
    const result = await core.commands.dispatch(parsed.cmd, parsed.args, caller);
    send({ t: 'result', id: parsed.id, ...result });
  });
  ws.on('close', () => outlet.close());
  ws.on('error', () => outlet.close());
}
