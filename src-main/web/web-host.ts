import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { join } from 'node:path';
import { WebSocketServer } from 'ws';
import type { Core } from '../core/app-core';
import { listen, portOf } from '../core/http-listen';
import { openSession } from './bridge-session';
import { hostChecker, isLoopback, presentsToken, sameOrigin, tokenCookie, tokenMatches } from './request-guard';
import { BadPath, serveStatic, securityHeaders } from './static-files';

export { isLoopback } from './request-guard';

export interface WebHostOptions {
  host: string;
  port: number;
  rendererDir: string;
  resourcesDir: string;
  /** Required to bind beyond loopback; also lets remote clients use admin commands. */
  accessToken?: string;
  /** Extra `Host` names accepted besides loopback and the bound address (`--allow-host`). */
  allowedHosts?: readonly string[];
  /** Which peers count as this machine (no token needed). Loopback; tests replace it to play a LAN client. */
  isLocalPeer?: (address: string | undefined) => boolean;
}

/** What the host refused or failed at, counted and shown in `/api/health` (`web`). */
export interface WebHostStats {
  refused: { host: number; origin: number; token: number; badRequest: number };
  badFrames: number;
  errors: number;
}

export interface WebHost {
  readonly url: string;
  readonly server: Server;
  readonly stats: WebHostStats;
  close(): Promise<void>;
}

const text = { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' };

/** Answer a refused upgrade on the raw socket: a short HTTP response, then close. */
function refuseUpgrade(socket: Duplex, status: string, body: string): void {
  if (socket.destroyed) return;
  socket.end(`HTTP/1.1 ${status}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

/** The request target as a URL; anything but an origin-form path (`/…`) is refused. */
function requestUrl(req: IncomingMessage): URL | null {
  const target = req.url ?? '';
  if (!target.startsWith('/')) return null;
  try {
    // Concatenated, not resolved against a base: `//evil/x` stays a path.
    return new URL(`http://localhost${target}`);
  } catch {
    return null;
  }
}

/**
 * The headless host: the built renderer over HTTP, `/api/health`, and the bridge — the same
 * contract as Electron's IPC carried over a WebSocket at `/bridge` (docs/bridge.md). Who may
 * talk to it is decided in `request-guard.ts` (docs/security.md).
 */
export async function startWebHost(core: Core, options: WebHostOptions): Promise<WebHost> {
  if (!isLoopback(options.host) && !options.accessToken) {
    throw new Error(`refusing to listen on ${options.host} without a bridge access token (set OPS_CONSOLE_ACCESS_TOKEN or bind to 127.0.0.1)`);
  }
  const stats: WebHostStats = { refused: { host: 0, origin: 0, token: 0, badRequest: 0 }, badFrames: 0, errors: 0 };
  const internal = (where: string, error: unknown) => {
    stats.errors++;
    console.error(`web host: ${where} failed:`, error);
    try {
      core.ctx.journal.record({ upstream: 'console', type: 'host-error', level: 'error', ids: {}, summary: `web host: ${where} failed: ${error instanceof Error ? error.message : String(error)}`.slice(0, 500), raw: null });
    } catch {
      // The journal itself failing must not turn one bad request into a crash.
    }
  };
  // Set once listening: loopback names must carry the port actually bound.
  let hostOk: (host: string | undefined) => boolean = () => false;
  const isLocal = options.isLocalPeer ?? isLoopback;
  const authorized = (req: IncomingMessage) => isLocal(req.socket.remoteAddress) || presentsToken(req, options.accessToken);
  const mounts = { '/resources/': options.resourcesDir, '/media/': join(core.ctx.dataDir, 'media') };

  const handleRequest = (req: IncomingMessage, res: ServerResponse): void => {
    if (!hostOk(req.headers.host)) {
      stats.refused.host++;
      return void res.writeHead(421, text).end('misdirected request: this host name is not allowed here (see --allow-host)\n');
    }
    const url = requestUrl(req);
    if (!url) {
      stats.refused.badRequest++;
      return void res.writeHead(400, text).end('bad request target\n');
    }
    if (url.searchParams.has('token') && options.accessToken && (req.method === 'GET' || req.method === 'HEAD')) {
      // Trade the token in the page URL for a cookie, so it leaves the address bar and history.
      if (!tokenMatches(url.searchParams.get('token') ?? '', options.accessToken)) {
        stats.refused.token++;
        return void res.writeHead(403, text).end('invalid access token\n');
      }
      url.searchParams.delete('token');
      const secure = req.headers['x-forwarded-proto'] === 'https';
      return void res.writeHead(302, { ...text, Location: `${url.pathname}${url.search}`, 'Set-Cookie': tokenCookie(options.accessToken, secure) }).end();
    }
    if (url.pathname === '/api/health') {
      if (!authorized(req)) {
        stats.refused.token++;
        return void res.writeHead(401, { ...text, 'WWW-Authenticate': 'Bearer' }).end('access token required\n');
      }
      res.writeHead(200, { ...securityHeaders, 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
      return void res.end(JSON.stringify({ ...core.health(), web: stats }));
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return void res.writeHead(405, { ...text, Allow: 'GET, HEAD' }).end('method not allowed\n');
    // The renderer bundle is public; media cached from upstreams (sounds) is data: token off loopback.
    if (url.pathname.startsWith('/media/') && !authorized(req)) {
      stats.refused.token++;
      return void res.writeHead(401, { ...text, 'WWW-Authenticate': 'Bearer' }).end('access token required\n');
    }
    try {
      serveStatic(options.rendererDir, url.pathname, res, mounts);
    } catch (error) {
      if (!(error instanceof BadPath)) throw error;
      stats.refused.badRequest++;
      res.writeHead(400, text).end('bad path\n');
    }
  };

  const server = createServer((req, res) => {
    try {
      handleRequest(req, res);
    } catch (error) {
      internal(`${req.method} request`, error);
      if (!res.headersSent) res.writeHead(500, text).end('internal error\n');
      else res.destroy();
    }
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });
  const handleUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    if (!hostOk(req.headers.host)) {
      stats.refused.host++;
      return refuseUpgrade(socket, '421 Misdirected Request', 'this host name is not allowed here (see --allow-host)\n');
    }
    const url = requestUrl(req);
    if (!url || url.pathname !== '/bridge') {
      stats.refused.badRequest++;
      return refuseUpgrade(socket, '404 Not Found', 'not found\n');
    }
    // A web page elsewhere must not drive the console through the operator's browser.
    if (!sameOrigin(req.headers.origin, req.headers.host)) {
      stats.refused.origin++;
      return refuseUpgrade(socket, '403 Forbidden', 'foreign origin\n');
    }
    const remoteOk = authorized(req);
    if (!remoteOk) {
      stats.refused.token++;
      return refuseUpgrade(socket, '403 Forbidden', 'access token required\n');
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      try {
        openSession(core, ws, remoteOk, { badFrame: () => stats.badFrames++, internal });
      } catch (error) {
        internal('bridge session', error);
        ws.terminate();
      }
    });
  };
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // A reset before the answer is written must not become an unhandled 'error' event.
    socket.on('error', () => socket.destroy());
    try {
      handleUpgrade(req, socket, head);
    } catch (error) {
      internal('bridge upgrade', error);
      socket.destroy();
    }
  });
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    // Malformed request lines, oversized headers, header/body timeouts: answered like Node's default, counted.
    stats.refused.badRequest++;
    const status = error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : error.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
    if (socket.writable && !(socket as Duplex & { _httpMessage?: unknown })._httpMessage) socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`);
    else socket.destroy();
  });

  const base = await listen(server, options.port, options.host);
  hostOk = hostChecker({ port: portOf(server), bound: options.host, allowed: options.allowedHosts ?? [] });
  return {
    url: `${base}/`,
    server,
    stats,
    async close() {
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
