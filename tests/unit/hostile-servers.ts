import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server as IoServer, type Socket as IoSocket } from 'socket.io';
import { WebSocketServer, type WebSocket } from 'ws';

/**
 * Small hostile upstreams on 127.0.0.1 for the edge and fuzz tests: they speak only the
 * transport (SSE, WebSocket, socket.io) and send whatever a test hands them — unlike the
 * simulators in src-main/demo/, which share the connectors' assumptions.
 */

const listen = (server: Server) => new Promise<string>((resolve) => server.listen(0, '127.0.0.1', () => resolve(`127.0.0.1:${(server.address() as AddressInfo).port}`)));
const close = (server: Server) => {
  server.closeAllConnections();
  return new Promise<void>((resolve) => server.close(() => resolve()));
};

export interface SseServer {
  /** `http://127.0.0.1:PORT` — the console's `direct` mode streams `${url}/events/logs`. */
  url: string;
  readonly clients: number;
  readonly connections: number;
  /** Write raw text to every open stream. */
  write(text: string): void;
  /** Write raw bytes to every open stream. */
  writeBytes(bytes: Uint8Array): void;
  /** End every stream (the console reconnects). */
  drop(): void;
  close(): Promise<void>;
}

export async function startSseServer(): Promise<SseServer> {
  const open = new Set<ServerResponse>();
  let connections = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (!req.url?.startsWith('/events/logs')) return void res.writeHead(404).end();
    connections++;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.write(': hello\n\n');
    open.add(res);
    res.on('close', () => open.delete(res));
  });
  const host = await listen(server);
  return {
    url: `http://${host}`,
    get clients() {
      return open.size;
    },
    get connections() {
      return connections;
    },
    write: (text) => open.forEach((res) => res.write(text)),
    writeBytes: (bytes) => open.forEach((res) => res.write(bytes)),
    drop: () => open.forEach((res) => res.end()),
    close: () => close(server),
  };
}

export interface WsServer {
  /** `ws://127.0.0.1:PORT/` (any path is accepted). */
  url: string;
  readonly clients: number;
  readonly connections: number;
  /** Text frame to every client. */
  send(text: string): void;
  /** Binary frame to every client. */
  sendBinary(bytes: Uint8Array): void;
  /** Frames the console sent. */
  readonly received: string[];
  /** Cut every client (no close frame). */
  drop(): void;
  close(): Promise<void>;
}

export async function startWsServer(onConnect?: (ws: WebSocket) => void): Promise<WsServer> {
  const server = createServer((_req, res) => res.writeHead(404).end());
  const wss = new WebSocketServer({ server, maxPayload: 128 * 1024 * 1024 });
  const received: string[] = [];
  let connections = 0;
  wss.on('connection', (ws) => {
    connections++;
    ws.on('message', (data) => received.push(data.toString()));
    ws.on('error', () => undefined);
    onConnect?.(ws);
  });
  const host = await listen(server);
  const each = (f: (ws: WebSocket) => void) => wss.clients.forEach((ws) => ws.readyState === ws.OPEN && f(ws));
  return {
    url: `ws://${host}/`,
    get clients() {
      return [...wss.clients].filter((ws) => ws.readyState === ws.OPEN).length;
    },
    get connections() {
      return connections;
    },
    received,
    send: (text) => each((ws) => ws.send(text)),
    sendBinary: (bytes) => each((ws) => ws.send(bytes, { binary: true })),
    drop: () => wss.clients.forEach((ws) => ws.terminate()),
    async close() {
      wss.clients.forEach((ws) => ws.terminate());
      wss.close();
      await close(server);
    },
  };
}

export interface IoUpstream {
  /** `http://127.0.0.1:PORT` */
  url: string;
  readonly clients: number;
  readonly connections: number;
  /** Emit on the global namespace to every client. */
  emit(event: string, ...args: unknown[]): void;
  drop(): void;
  close(): Promise<void>;
  /** REST answers (`GET /`, `/instance/fetchInstances`…) by path; 404 otherwise. */
  rest: Map<string, unknown>;
}

export async function startIoServer(): Promise<IoUpstream> {
  const rest = new Map<string, unknown>();
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (path.startsWith('/socket.io')) return;
    if (!rest.has(path)) return void res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"not found"}');
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(rest.get(path)));
  });
  const io = new IoServer(server, { transports: ['websocket'], maxHttpBufferSize: 64 * 1024 * 1024 });
  const sockets = new Set<IoSocket>();
  let connections = 0;
  io.on('connection', (socket) => {
    connections++;
    sockets.add(socket);
    socket.on('disconnect', () => sockets.delete(socket));
  });
  const host = await listen(server);
  return {
    url: `http://${host}`,
    rest,
    get clients() {
      return sockets.size;
    },
    get connections() {
      return connections;
    },
    emit: (event, ...args) => void io.emit(event, ...args),
    drop: () => io.disconnectSockets(true),
    async close() {
      io.disconnectSockets(true);
      await io.close();
      await close(server).catch(() => undefined);
    },
  };
}
