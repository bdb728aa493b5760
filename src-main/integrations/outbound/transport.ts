import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions, type LookupOneOptions } from 'node:dns';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { isLinkLocalAddress, isLinkLocalHost } from '../../contract/link-local';

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
  /** The webhook's `allowLinkLocal`: without it, link-local/metadata destinations are refused (literal or resolved). */
  allowLinkLocal?: boolean;
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
    /** `blocked`: the destination is link-local/metadata and the webhook does not allow it. */
    readonly kind: 'timeout' | 'network' | 'aborted' | 'blocked',
    message: string,
  ) {
    super(message);
  }
}

/** fetch with redirects NOT followed (a redirect is a failure), a timeout and a capped excerpt. */
export const fetchTransport: Transport = async (req) => {
  // fetch cannot hook name resolution: resolve once and check (a name that changes between
  // this look-up and fetch's own is the known gap; httpTransport, the default, has none).
  await checkDestination(req, (host) => lookupAll(dnsLookup, host));
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

/** The shape of `dns.lookup` that http.request's `lookup` option receives and calls. */
export type LookupFn = typeof dnsLookup;

const blockedMessage = (what: string) => `refused: ${what} is a link-local or cloud-metadata address (allow link-local is off for this webhook)`;

function lookupAll(lookup: LookupFn, host: string): Promise<LookupAddress[]> {
  return new Promise((resolve, reject) => lookup(host, { all: true }, (error, addresses) => (error ? reject(error) : resolve(addresses))));
}

/** The literal host, then (when given) every address the name resolves to. */
async function checkDestination(req: SendRequest, resolve?: (host: string) => Promise<LookupAddress[]>): Promise<void> {
  if (req.allowLinkLocal) return;
  let host: string;
  try {
    host = new URL(req.url).hostname;
  } catch {
    throw new TransportError('network', 'invalid URL');
  }
  if (isLinkLocalHost(host)) throw new TransportError('blocked', blockedMessage(host));
  if (!resolve || /^[\d.]+$|^\[/.test(host)) return;
  let addresses: LookupAddress[];
  try {
    addresses = await resolve(host);
  } catch (error) {
    throw new TransportError('network', (error as NodeJS.ErrnoException).code ?? (error as Error).message);
  }
  const bad = addresses.find((a) => isLinkLocalAddress(a.address));
  if (bad) throw new TransportError('blocked', blockedMessage(`${host} (${bad.address})`));
}

/** A `lookup` for http.request that fails when the name resolves to a refused address (checked on the address actually used). */
function guardedLookup(lookup: LookupFn): LookupFn {
  const guarded = (hostname: string, options: LookupOneOptions | LookupAllOptions | number, callback: (...args: unknown[]) => void) => {
    const opts = typeof options === 'number' ? { family: options } : options;
    lookup(hostname, { ...opts, all: true } as LookupAllOptions, (error, addresses) => {
      if (error) return callback(error);
      const bad = addresses.find((a) => isLinkLocalAddress(a.address));
      if (bad) return callback(Object.assign(new Error(blockedMessage(`${hostname} (${bad.address})`)), { code: 'ELINKLOCAL' }));
      if ((opts as LookupAllOptions).all) return callback(null, addresses);
      const first = addresses[0];
      if (!first) return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }));
      callback(null, first.address, first.family);
    });
  };
  return guarded as unknown as LookupFn;
}

/**
 * node:http(s) with keep-alive (cheaper per request than fetch at hundreds per second):
 * redirects are never followed, a timeout covers the whole exchange, the excerpt is capped.
 * `lookup` is replaceable for tests (a name that resolves to 169.254.169.254 without DNS).
 */
export function createHttpTransport(options: { lookup?: LookupFn } = {}): Transport {
  const lookup = options.lookup ?? dnsLookup;
  const guarded = guardedLookup(lookup);
  // Guarded requests resolve with their own lookup: a keep-alive socket opened for another
  // webhook (allowed) must not carry them, so they get agents of their own.
  const guardedAgents = { http: new HttpAgent({ keepAlive: true, maxSockets: 64, lookup: guarded }), https: new HttpsAgent({ keepAlive: true, maxSockets: 64, lookup: guarded }) };
  const openAgents = options.lookup ? { http: new HttpAgent({ keepAlive: true, maxSockets: 64, lookup }), https: new HttpsAgent({ keepAlive: true, maxSockets: 64, lookup }) } : agents;
  return async (req) => {
    await checkDestination(req);
    return req.allowLinkLocal ? send(req, openAgents, options.lookup) : send(req, guardedAgents, guarded);
  };
}

function send(req: SendRequest, pool: { http: HttpAgent; https: HttpsAgent }, lookup: LookupFn | undefined): Promise<SendResponse> {
  return new Promise<SendResponse>((resolve, reject) => {
    let url: URL;
    try {
      url = new URL(req.url);
    } catch {
      return reject(new TransportError('network', 'invalid URL'));
    }
    const secure = url.protocol === 'https:';
    const request = secure ? httpsRequest : httpRequest;
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.signal.removeEventListener('abort', onAbort);
      fn();
    };
    const outgoing = request(url, { method: 'POST', agent: secure ? pool.https : pool.http, ...(lookup ? { lookup } : {}), headers: { ...req.headers, 'content-length': Buffer.byteLength(req.body) } }, (res) => {
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
    outgoing.on('error', (error: NodeJS.ErrnoException) =>
      finish(() => reject(error.code === 'ELINKLOCAL' ? new TransportError('blocked', error.message) : new TransportError('network', error.code ?? error.message))),
    );
    outgoing.end(req.body);
  });
}

export const httpTransport: Transport = createHttpTransport();
