import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/**
 * How an outbound delivery reaches its endpoint: one POST, redirects never followed (a
 * redirect is a failure), one timeout over the whole exchange, the response body read only
 * up to a short excerpt for the delivery log. Pluggable so tests can script the answers.
 */

const EXCERPT_BYTES = 1_024;

export interface SendRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  signal: AbortSignal;
}
export interface SendResponse {
  status: number;
  retryAfter: string | null;
  excerpt: string;
}
/** Throws `TransportError` when no HTTP answer came back. */
export type Transport = (request: SendRequest) => Promise<SendResponse>;

export class TransportError extends Error {
  constructor(
    readonly kind: 'timeout' | 'network' | 'aborted',
    message: string,
  ) {
    super(message);
  }
}

/** fetch with redirects NOT followed (a redirect is a failure), a timeout and a capped excerpt. */
export const fetchTransport: Transport = async (req) => {
  const timeout = AbortSignal.timeout(req.timeoutMs);
  let res: Response;
  try {
    res = await fetch(req.url, { method: 'POST', headers: req.headers, body: req.body, redirect: 'manual', signal: AbortSignal.any([timeout, req.signal]) });
  } catch (error) {
    if (req.signal.aborted) throw new TransportError('aborted', 'stopped');
    if (timeout.aborted) throw new TransportError('timeout', `timeout after ${req.timeoutMs} ms`);
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new TransportError('network', cause?.code ?? cause?.message ?? (error as Error).message);
  }
  let excerpt = '';
  try {
    const reader = res.body?.getReader();
    if (reader) {
      const chunks: Uint8Array[] = [];
      let size = 0;
      while (size < EXCERPT_BYTES) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(value);
        size += value.length;
      }
      await reader.cancel().catch(() => undefined);
      excerpt = Buffer.concat(chunks).subarray(0, EXCERPT_BYTES).toString('utf8');
    }
  } catch {
    /* the status is what matters; an interrupted body leaves the excerpt short */
  }
  return { status: res.status, retryAfter: res.headers.get('retry-after'), excerpt };
};

const agents = { http: new HttpAgent({ keepAlive: true, maxSockets: 64 }), https: new HttpsAgent({ keepAlive: true, maxSockets: 64 }) };

/**
 * node:http(s) with keep-alive (cheaper per request than fetch at hundreds per second):
 * redirects are never followed, a timeout covers the whole exchange, the excerpt is capped.
 */
export const httpTransport: Transport = (req) =>
  new Promise<SendResponse>((resolve, reject) => {
    let url: URL;
    try {
      url = new URL(req.url);
    } catch {
      return reject(new TransportError('network', 'invalid URL'));
    }
    const secure = url.protocol === 'https:';
    const send = secure ? httpsRequest : httpRequest;
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.signal.removeEventListener('abort', onAbort);
      fn();
    };
    const outgoing = send(url, { method: 'POST', agent: secure ? agents.https : agents.http, headers: { ...req.headers, 'content-length': Buffer.byteLength(req.body) } }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        if (size < EXCERPT_BYTES) chunks.push(chunk);
        size += chunk.length;
      });
      res.on('end', () => {
        const retry = res.headers['retry-after'];
        finish(() => resolve({ status: res.statusCode ?? 0, retryAfter: typeof retry === 'string' ? retry : null, excerpt: Buffer.concat(chunks).subarray(0, EXCERPT_BYTES).toString('utf8') }));
      });
      res.on('error', () => finish(() => resolve({ status: res.statusCode ?? 0, retryAfter: null, excerpt: '' })));
    });
    const timer = setTimeout(() => {
      finish(() => reject(new TransportError('timeout', `timeout after ${req.timeoutMs} ms`)));
      outgoing.destroy();
    }, req.timeoutMs);
    const onAbort = () => {
      finish(() => reject(new TransportError('aborted', 'stopped')));
      outgoing.destroy();
    };
    req.signal.addEventListener('abort', onAbort);
    outgoing.on('error', (error: NodeJS.ErrnoException) => finish(() => reject(new TransportError('network', error.code ?? error.message))));
    outgoing.end(req.body);
  });
