import WebSocket from 'ws';
import type { TestResult } from '../../contract';
import { wallboardViews } from '../../contract/dashboard';
import type { CoreContext } from '../../core/context';
import type { Link, LinkSession } from '../../core/lifecycle';
import { openWebSocket, sendJson } from '../ws-link';

const TOKEN = 'dashboard.token';

/**
 * Seed 004's socket (`ws/dashboard_control/`) under the shared lifecycle: on every connect,
 * `identify` with this console's clientId, then `request_data` for each view. Owns the socket
 * and the session; the other parts report through `event()` / `error()` and send through
 * `send()`.
 */
export class DashboardChannel {
  readonly link: Link;
  private ws: WebSocket | null = null;
  private session: LinkSession | null = null;

  constructor(
    private readonly deps: {
      ctx: Pick<CoreContext, 'links' | 'secrets' | 'journal' | 'isDemo'>;
      settings: () => { enabled: boolean; url: string };
      clientId: () => string;
      onText(text: string): void;
    },
  ) {
    this.link = deps.ctx.links.create({
      id: 'dashboard',
      url: () => deps.settings().url,
      policy: () => deps.settings(),
      demo: () => deps.ctx.isDemo('dashboard'),
      idleTimeoutMs: 75_000,
      open: (s) => this.open(s),
      close: () => {
        this.ws = null;
        this.session = null;
      },
      test: () => this.test(),
    });
  }

  /** One upstream message accepted. */
  event(): void {
    this.session?.event();
  }

  /** Bad input or an upstream error: counted on the link (also outside a session). */
  error(message: string): void {
    if (this.session) this.session.error(message);
    else this.link.noteError(message);
  }

  /** Send one message with its timestamp; false when the channel is down. */
  send(message: object): boolean {
    return sendJson(this.ws, { ...message, timestamp: new Date().toISOString() });
  }

  private headers(): Record<string, string> {
    const token = this.deps.ctx.secrets.get(TOKEN);
    return token ? { Authorization: `Bearer ${token}` } : {};
  }

  private async open(session: LinkSession): Promise<void> {
    const url = this.deps.settings().url;
    // An operator's connect of a link with no address (the policy itself never tries one).
    if (!url) throw new Error('no dashboard URL configured');
    this.session = session;
    const socket = await openWebSocket({ url: url.replace(/^http/, 'ws'), session, headers: this.headers(), pingIntervalMs: 25_000, onMessage: (text) => this.deps.onText(text) });
    this.ws = socket;
    // The seed: identify first, then ask for every view.
    const clientId = this.deps.clientId();
    sendJson(socket, { type: 'identify', clientId, timestamp: new Date().toISOString() });
    for (const view of wallboardViews) sendJson(socket, { type: 'request_data', view, timestamp: new Date().toISOString() });
    this.deps.ctx.journal.record({ upstream: 'dashboard', type: 'identify', level: 'info', ids: {}, summary: `identified as ${clientId}; requested ${wallboardViews.join(', ')}`, raw: { clientId } });
  }

  private test(): Promise<TestResult> {
    const url = this.deps.settings().url;
    if (!url) return Promise.resolve({ success: false, message: 'no dashboard URL configured', status_code: 0, token_status: 'n/a' });
    const token_status = this.deps.ctx.secrets.get(TOKEN) ? 'token present' : 'no token (channel is open)';
    return new Promise((resolve) => {
      const probe = new WebSocket(url.replace(/^http/, 'ws'), { headers: this.headers(), handshakeTimeout: 5_000 });
      const done = (r: TestResult) => {
        probe.removeAllListeners();
        // A late error of the closed probe has nothing left to tell.
        probe.on('error', () => undefined);
        probe.terminate();
        resolve(r);
      };
      probe.on('open', () => done({ success: true, message: 'WebSocket handshake accepted', status_code: 101, token_status }));
      probe.on('unexpected-response', (_req, res) => done({ success: false, message: `HTTP ${res.statusCode} instead of a WebSocket`, status_code: res.statusCode ?? 0, token_status }));
      probe.on('error', (e) => done({ success: false, message: e.message, status_code: 0, token_status }));
    });
  }
}

export const DASHBOARD_TOKEN = TOKEN;
