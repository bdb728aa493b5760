import type { MessageText, TestResult } from '../../contract';
import { asState } from './book';
import { INVALID_NAMESPACE, newManager } from './namespaces';
import type { CoreContext } from '../../core/context';
import { API_KEY, type EvolutionSettings } from './options';
import type { InstanceBook } from './book';
import type { EvolutionRest } from './rest';
import type { EvolutionAlerts } from './alerts';
import { RestError } from './rest';

export interface ProbesDeps {
  ctx: CoreContext;
  settings: EvolutionSettings;
  /** The mode listens on `/` (global, both). */
  usesGlobal: () => boolean;
  /** The mode listens on `/{instance}` (instance, both). */
  usesInstances: () => boolean;
  book: InstanceBook;
  rest: EvolutionRest;
  alerts: EvolutionAlerts;
}

/** Settings' "Test connection", for the API (REST and `/`) and for one instance (state, websocket config, `/{instance}`). */
export class Probes {
  constructor(private readonly p: ProbesDeps) {}

  /** A throwaway socket.io connection to `nsp`: 'ok', 'timeout' or the connect error. */
  private async handshake(nsp: string, timeoutMs = 5_000): Promise<string> {
    const manager = newManager(this.p.settings().url, this.p.ctx.secrets.get(API_KEY) ?? '', timeoutMs);
    const socket = manager.socket(nsp);
    try {
      return await new Promise<string>((resolve) => {
        const timer = setTimeout(() => resolve('timeout'), timeoutMs + 500);
        socket.once('connect', () => (clearTimeout(timer), resolve('ok')));
        socket.once('connect_error', (e: Error) => (clearTimeout(timer), resolve(e.message)));
        socket.connect();
      });
    } finally {
      socket.disconnect();
      manager.engine?.close();
    }
  }

  async testGlobal(): Promise<TestResult> {
    const s = this.p.settings();
    if (!s.url) return { success: false, message: 'Evolution API URL not configured', status_code: 0, token_status: 'n/a', text: [{ key: 'noUrl', params: {} }] };
    try {
      const welcome = await this.p.rest.welcome();
      const { instances } = await this.p.rest.fetchInstances();
      const version = welcome.version ?? '?';
      const text: MessageText[] = [{ key: 'evoApi', params: { version, instances: instances.length } }];
      let socketNote = '';
      let success = true;
      if (this.p.usesGlobal()) {
        const result = await this.handshake('/');
        success = result === 'ok';
        socketNote = success ? '; socket.io / reachable' : `; socket.io /: ${result}`;
        text.push(success ? { key: 'socketOk', params: { nsp: '/' } } : { key: 'socketFailed', params: { nsp: '/', reason: result } });
      }
      text.push({ key: 'evoMode', params: { mode: s.mode } });
      return {
        success,
        message: `Evolution API ${version}: ${instances.length} instance(s)${socketNote}; mode ${s.mode}`,
        status_code: 200,
        token_status: 'API key accepted',
        text,
        tokenText: { key: 'keyAccepted', params: {} },
      };
    } catch (error) {
      return restFailure(error);
    }
  }

  async testInstance(name: string): Promise<TestResult> {
    const { book, rest } = this.p;
    try {
      const state = await rest.connectionState(name);
      if (state) {
        const change = book.connection(name, asState(state), null, Date.now());
        if (change) this.p.alerts.stateChanged(change, 'rest');
      }
      const websocket = await rest.websocketFind(name);
      book.websocket(name, websocket);
      const wsNote = websocket ? (websocket.enabled ? `websocket enabled (${websocket.events.length} events)` : 'websocket disabled') : 'websocket never configured';
      const text: MessageText[] = [
        { key: 'evoInstance', params: { name, state: state ?? '?' } },
        websocket ? (websocket.enabled ? { key: 'wsEnabled', params: { events: websocket.events.length } } : { key: 'wsDisabled', params: {} }) : { key: 'wsNever', params: {} },
      ];
      let success = true;
      let nsNote = '';
      if (this.p.usesInstances()) {
        const nsp = `/${name}`;
        const result = await this.handshake(nsp);
        success = result === 'ok';
        const notYet = !success && INVALID_NAMESPACE.test(result);
        nsNote = success ? `; namespace ${nsp} reachable` : notYet ? `; namespace ${nsp} not created yet` : `; namespace ${nsp}: ${result}`;
        text.push(success ? { key: 'socketOk', params: { nsp } } : notYet ? { key: 'namespaceNotYet', params: { nsp } } : { key: 'socketFailed', params: { nsp, reason: result } });
      }
      return { success, message: `${name}: state ${state ?? '?'}; ${wsNote}${nsNote}`, status_code: 200, token_status: 'API key accepted', text, tokenText: { key: 'keyAccepted', params: {} } };
    } catch (error) {
      return restFailure(error);
    }
  }
}

function restFailure(error: unknown): TestResult {
  if (error instanceof RestError) {
    const auth = error.status === 401 || error.status === 403;
    return {
      success: false,
      message: error.status === 0 ? `connection error: ${error.message}` : error.status === 404 ? `instance not found (${error.message})` : error.message,
      status_code: error.status,
      token_status: auth ? 'API key refused' : error.status === 0 ? 'unknown' : 'API key accepted',
      // Other statuses carry the server's own words (`message`), shown as they came.
      ...(error.status === 0 ? { text: [{ key: 'connectionError', params: { reason: error.message } }] } : error.status === 404 ? { text: [{ key: 'instanceNotFound', params: { reason: error.message } }] } : {}),
      tokenText: { key: auth ? 'keyRefused' : error.status === 0 ? 'tokenUnknown' : 'keyAccepted', params: {} },
    };
  }
  return { success: false, message: error instanceof Error ? error.message : String(error), status_code: 0, token_status: 'unknown' };
}
