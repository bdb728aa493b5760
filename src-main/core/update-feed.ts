import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { basename, join } from 'node:path';
import { closeServer, listen } from './http-listen';

/**
 * A `file://` update folder (a mounted share) for electron-updater, whose generic provider only
 * speaks HTTP: the folder's files served read-only on 127.0.0.1 for the time of one check and
 * download. Only plain names directly in the folder; nothing else answers.
 */
export interface UpdateFeed {
  readonly url: string;
  close(): Promise<void>;
}

export async function serveUpdateFolder(dir: string): Promise<UpdateFeed> {
  const server = createServer((req, res) => {
    const fail = (status: number) => {
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(String(status));
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return fail(405);
    let name: string;
    try {
      name = decodeURIComponent(new URL(req.url ?? '/', 'http://feed').pathname.slice(1));
    } catch {
      return fail(400);
    }
    // One file name: no folders, no `..`, no hidden files.
    if (!name || name !== basename(name) || name.startsWith('.') || name.includes('\\') || name.includes('\0')) return fail(404);
    const path = join(dir, name);
    let size: number;
    try {
      const stat = statSync(path);
      if (!stat.isFile()) return fail(404);
      size = stat.size;
    } catch {
      return fail(404);
    }
    res.writeHead(200, { 'content-type': name.endsWith('.yml') ? 'text/yaml' : 'application/octet-stream', 'content-length': size });
    if (req.method === 'HEAD') return res.end();
    const stream = createReadStream(path);
    stream.on('error', () => res.destroy());
    stream.pipe(res);
  });
  const url = await listen(server, 0, '127.0.0.1');
  return { url: `${url}/`, close: () => closeServer(server) };
}
