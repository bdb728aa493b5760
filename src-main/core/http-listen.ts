import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Timeouts every listener gets (docs/security.md): a client that sends its headers or its body
 * a byte at a time is cut instead of holding a socket for Node's 300 s default. Node checks
 * them every `connectionsCheckingInterval` (30 s), so a slow client is cut within that much
 * past the limit. Upgraded sockets (WebSocket) and responses being streamed (SSE) are not
 * affected: these limits end once the request has been received. Idle keep-alive connections
 * close after Node's 5 s `keepAliveTimeout` unless a server sets its own (the inbound receiver: 10 s).
 * A server that already set a shorter limit keeps it.
 */
export const listenerTimeouts = {
  /** Whole header block received within this. */
  headersTimeout: 15_000,
  /** Whole request (headers + body) received within this; webhook bodies are small (1 MiB cap). */
  requestTimeout: 30_000,
} as const;

/** Listen on host:port (0 picks a free port); resolves with the bound base URL, no trailing slash. */
export function listen(server: Server, port: number, host: string): Promise<string> {
  server.headersTimeout = Math.min(server.headersTimeout || Infinity, listenerTimeouts.headersTimeout);
  server.requestTimeout = Math.min(server.requestTimeout || Infinity, listenerTimeouts.requestTimeout);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const { address, family, port: bound } = server.address() as AddressInfo;
      resolve(`http://${family === 'IPv6' ? `[${address}]` : address}:${bound}`);
    });
  });
}

/** The port a listening server is bound to. */
export const portOf = (server: Server): number => (server.address() as AddressInfo).port;

/** Stop listening and cut keep-alive connections, so a restart can take the same port at once. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
