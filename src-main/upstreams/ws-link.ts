import WebSocket from 'ws';
import { AuthError, type LinkSession } from '../core/lifecycle';

export interface WsOpenOptions {
  url: string;
  session: LinkSession;
  headers?: Record<string, string>;
  /** Protocol-level ping (pongs count as activity) for upstreams without an app-level ping. */
  pingIntervalMs?: number;
  /** A throw or a rejected promise restarts the link (LinkSession.guard). */
  onMessage(text: string): void | Promise<void>;
  handshakeTimeoutMs?: number;
}

/**
 * Open a WebSocket for a Link: resolves once open, rejects with AuthError on 401/403 so the
 * lifecycle stops instead of storming, reports every frame as activity and a close as loss.
 */
export function openWebSocket(options: WsOpenOptions): Promise<WebSocket> {
  const { session } = options;
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(options.url, {
      headers: options.headers,
      handshakeTimeout: options.handshakeTimeoutMs ?? 10_000,
      maxPayload: 64 * 1024 * 1024,
    });
    let opened = false;
    let pinger: NodeJS.Timeout | null = null;
    const stop = () => {
      if (pinger) clearInterval(pinger);
      pinger = null;
    };
    session.signal.addEventListener('abort', () => {
      stop();
      ws.removeAllListeners('close');
      ws.on('error', () => undefined);
      ws.terminate();
    });
    ws.on('unexpected-response', (_req, res) => {
      const status = res.statusCode ?? 0;
      res.resume();
      ws.on('error', () => undefined);
      if (status === 401 || status === 403) reject(new AuthError(`upstream refused the credentials (HTTP ${status})`, status));
      else reject(new Error(`upstream answered HTTP ${status} instead of a WebSocket`));
    });
    ws.on('open', () => {
      opened = true;
      if (options.pingIntervalMs) pinger = setInterval(() => ws.readyState === ws.OPEN && ws.ping(), options.pingIntervalMs);
      resolve(ws);
    });
    ws.on('pong', () => session.activity());
    // A throw from the handler restarts this link instead of escaping into ws's event loop.
    ws.on(
      'message',
      session.guard((data: WebSocket.RawData) => {
        session.activity();
        return options.onMessage(data.toString());
      }),
    );
    ws.on('error', (error) => {
      if (!opened) reject(error);
    });
    ws.on('close', (code, reason) => {
      stop();
      if (opened) session.lost(`connection closed (${code}${reason.length ? `: ${reason.toString()}` : ''})`);
      else reject(new Error(`connection closed before opening (${code})`));
    });
  });
}

/** Send JSON if open; false when the link is down (callers decide to queue or refuse). */
export function sendJson(ws: WebSocket | null, message: unknown): boolean {
  if (!ws || ws.readyState !== ws.OPEN) return false;
  ws.send(JSON.stringify(message));
  return true;
}
