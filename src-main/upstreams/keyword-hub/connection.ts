import WebSocket from 'ws';
import type { TestResult } from '../../contract';
import type { Settings } from '../../contract/settings';
import type { CoreContext } from '../../core/context';
import { AuthError, linkGuard, type Link, type LinkSession, type TimerGuard } from '../../core/lifecycle';
import { MutableDisposable, toDisposable, type Disposable } from '../../core/disposable';
import { openWebSocket } from '../ws-link';
import type { HubStatusBoard } from './hub-status';
import type { Requests } from './requests';
import { frameOf, newRequestId } from './wire';

/**
 * The WebSocket link to the hub: the open socket and its session (shared with every part that
 * sends or reports on it), the Link (Bearer token on the upgrade, 401/403 → auth-failed),
 * SESSAO_PING for latency and dead-link detection, and the Settings "Test connection" probe.
 */

/** `upstreams.keywordHub` as in effect (demo URL filled in). */
export type HubSettings = () => Settings['upstreams']['keywordHub'];

/**
 * The socket and session of the current connection, and the link they belong to: the other parts
 * read them; only the link's open/close (below) and the composition root (`use`) change them.
 */
export class HubConnection {
  private socket: WebSocket | null = null;
  private current: LinkSession | null = null;
  private theLink: Link | null = null;
  /** For the parts' own timers: a throw restarts the hub link, never ends the process. */
  readonly guard: TimerGuard = linkGuard(() => this.theLink);

  get ws(): WebSocket | null {
    return this.socket;
  }
  get session(): LinkSession | null {
    return this.current;
  }
  /** The hub's link (set by the composition root before anything runs). */
  get link(): Link {
    if (!this.theLink) throw new Error('the keyword hub link is not created yet');
    return this.theLink;
  }
  /** The composition root made the link (again, when the ping interval changes). */
  use(link: Link): void {
    this.theLink = link;
  }
  /** A connection attempt began on `session`. */
  opening(session: LinkSession): void {
    this.current = session;
  }
  /** The socket of the current session is open. */
  opened(socket: WebSocket): void {
    this.socket = socket;
  }
  /** The connection ended. */
  closed(): void {
    this.socket = null;
    this.current = null;
  }

  online(): boolean {
    return this.ws !== null && this.ws.readyState === WebSocket.OPEN;
  }
  /** Bad input: counted on the session, or on the link between connections. */
  reportError(message: string): void {
    if (this.session) this.session.error(message);
    else this.link.noteError(message);
  }
}

export interface PingerDeps {
  ctx: CoreContext;
  /** Clock for timestamps and queue expiry (tests replace it). */
  now: () => number;
  settings: HubSettings;
  conn: HubConnection;
  status: HubStatusBoard;
  requests: Requests;
}

/** SESSAO_PING every `pingIntervalMs`; no SESSAO_PONG for 2.5 intervals → the link is dead. */
export class Pinger implements Disposable {
  private readonly pings = new Map<string, number>();
  private lastPongAt = 0;
  /** The ping interval of the current connection. */
  private readonly timer = new MutableDisposable<Disposable>();

  constructor(private readonly deps: PingerDeps) {}

  start(s: LinkSession): void {
    const { ctx, now, settings, conn, status, requests } = this.deps;
    this.stop();
    const interval = settings().pingIntervalMs;
    this.lastPongAt = Date.now();
    // Session-guarded: a throw restarts this connection (a stale one's is only counted).
    const timer = setInterval(s.guard(() => {
      if (!conn.online()) return;
      // Rate limited: pings pause without counting as missing pongs.
      if (status.rateLimited()) {
        this.lastPongAt = Date.now();
        return;
      }
      const silentFor = Date.now() - this.lastPongAt;
      if (silentFor > interval * 2.5) {
        ctx.journal.record({ upstream: 'keywordHub', type: 'dead-link', level: 'warn', ids: {}, summary: `no SESSAO_PONG for ${Math.round(silentFor / 1000)} s; reconnecting`, raw: null });
        s.lost(`no SESSAO_PONG for ${Math.round(silentFor / 1000)} s`);
        return;
      }
      const requestId = newRequestId();
      this.pings.set(requestId, performance.now());
      if (this.pings.size > 20) this.pings.delete(this.pings.keys().next().value!);
      conn.ws?.send(frameOf('SESSAO_PING', { request_id: requestId }, now()));
      // Counted in send order, so a RATE_LIMIT_ERROR without request_id can be matched to a ping.
      requests.pingSent(requestId);
    }), interval);
    this.timer.value = toDisposable(() => clearInterval(timer));
  }

  /** The connection ended: no more pings on it. */
  stop(): void {
    this.timer.clear();
    this.pings.clear();
  }

  /** The module stops: no ping is sent again, even if a session starts late. */
  dispose(): void {
    this.timer.dispose();
    this.pings.clear();
  }

  /** A SESSAO_PONG: the round trip of our ping is the link's latency. */
  pong(requestId: string | null): void {
    if (requestId !== null) this.deps.requests.pongReceived(requestId);
    const sent = requestId !== null ? this.pings.get(requestId) : undefined;
    if (sent === undefined) return;
    this.pings.delete(requestId!);
    this.lastPongAt = Date.now();
    this.deps.conn.session?.latency(performance.now() - sent);
  }
}

export interface HubLinkDeps {
  ctx: CoreContext;
  /** Clock for timestamps and queue expiry (tests replace it). */
  now: () => number;
  settings: HubSettings;
  conn: HubConnection;
  status: HubStatusBoard;
  pinger: Pinger;
  requests: Requests;
  onText(text: string): void;
  afterConnect(): Promise<void>;
}

const wsUrl = (settings: HubSettings) => settings().url.replace(/^http/, 'ws');
/** The token never leaves main: it is sent only on the upgrade. */
const authHeaders = (ctx: CoreContext): Record<string, string> => {
  const token = ctx.secrets.get('keywordHub.token');
  return token ? { Authorization: `Bearer ${token}` } : {};
};

export function createHubLink(deps: HubLinkDeps): Link {
  const { ctx, now, settings, conn, status } = deps;
  return ctx.links.create({
    id: 'keywordHub',
    url: () => settings().url,
    policy: settings,
    demo: () => ctx.isDemo('keywordHub'),
    // Pongs are activity; a link silent for 2.5 ping intervals is dead.
    idleTimeoutMs: Math.round(settings().pingIntervalMs * 2.5),
    async open(s) {
      if (!settings().url) throw new Error('no keyword hub URL configured');
      conn.opening(s);
      let socket: WebSocket;
      try {
        socket = await openWebSocket({ url: wsUrl(settings), session: s, headers: authHeaders(ctx), onMessage: deps.onText });
      } catch (error) {
        if (error instanceof AuthError) {
          ctx.journal.record({ upstream: 'keywordHub', type: 'auth-failed', level: 'error', ids: {}, summary: error.message, raw: null });
          status.tokenRefused({ message: error.message, tokenExpiresAt: null, recommendation: null, at: now() });
        }
        throw error;
      }
      conn.opened(socket);
      status.clearAuth();
      deps.pinger.start(s);
      ctx.journal.record({ upstream: 'keywordHub', type: 'connected', level: 'info', ids: {}, summary: `connected to ${settings().url}`, raw: null });
      setTimeout(s.guard(deps.afterConnect), 0);
    },
    close() {
      conn.closed();
      deps.pinger.stop();
      deps.requests.failAll('the connection to the keyword hub was lost before it answered; the execution list is re-synchronised on reconnect');
    },
    test: () => probe(ctx, settings, now),
  });
}

/** "Test connection": one SESSAO_PING round trip on a throwaway socket. */
async function probe(ctx: CoreContext, settings: HubSettings, now: () => number): Promise<TestResult> {
  const url = settings().url;
  if (!url) return { success: false, message: 'no keyword hub URL configured', status_code: 0, token_status: 'n/a' };
  const token_status = ctx.secrets.get('keywordHub.token') ? 'token present' : 'no token';
  return new Promise((resolve) => {
    const socket = new WebSocket(wsUrl(settings), { headers: authHeaders(ctx), handshakeTimeout: 5_000 });
    const started = performance.now();
    const done = (r: TestResult) => {
      socket.removeAllListeners();
      socket.on('error', () => undefined);
      socket.terminate();
      resolve(r);
    };
    const timer = setTimeout(() => done({ success: false, message: 'no SESSAO_PONG within 5 s', status_code: 101, token_status }), 5_000);
    socket.on('open', () => socket.send(frameOf('SESSAO_PING', { request_id: 'test_connection' }, now())));
    socket.on('message', (raw) => {
      const text = raw.toString();
      if (!text.includes('SESSAO_PONG')) return;
      clearTimeout(timer);
      done({ success: true, message: `SESSAO_PONG in ${Math.round(performance.now() - started)} ms`, status_code: 101, token_status });
    });
    socket.on('unexpected-response', (_req, res) => {
      clearTimeout(timer);
      done({ success: false, message: `HTTP ${res.statusCode} instead of a WebSocket`, status_code: res.statusCode ?? 0, token_status: res.statusCode === 401 ? 'token refused' : token_status });
    });
    socket.on('error', (e) => {
      clearTimeout(timer);
      done({ success: false, message: e.message, status_code: 0, token_status });
    });
  });
}
