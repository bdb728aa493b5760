import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Listen on host:port (0 picks a free port); resolves with the bound base URL, no trailing slash. */
export function listen(server: Server, port: number, host: string): Promise<string> {
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
