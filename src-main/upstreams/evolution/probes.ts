import type { TestResult } from '../../contract';
import { asState } from './book';
import { INVALID_NAMESPACE, newManager } from './namespaces';
import { API_KEY, type EvolutionParts } from './parts';
import { RestError } from './rest';

/** Settings' "Test connection", for the API (REST and `/`) and for one instance (state, websocket config, `/{instance}`). */
export class Probes {
  constructor(private readonly p: Pick<EvolutionParts, 'ctx' | 'settings' | 'usesGlobal' | 'usesInstances' | 'book' | 'rest' | 'alerts'>) {}

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
    if (!s.url) return { success: false, message: 'URL da Evolution API não configurada', status_code: 0, token_status: 'n/a' };
    try {
      const welcome = await this.p.rest.welcome();
      const { instances } = await this.p.rest.fetchInstances();
      let socketNote = '';
      let success = true;
      if (this.p.usesGlobal()) {
        const result = await this.handshake('/');
        success = result === 'ok';
        socketNote = success ? '; socket.io / reachable' : `; socket.io /: ${result}`;
      }
      return {
        success,
        message: `Evolution API ${welcome.version ?? '?'}: ${instances.length} instance(s)${socketNote}; mode ${s.mode}`,
        status_code: 200,
        token_status: 'API key accepted',
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
      let success = true;
      let nsNote = '';
      if (this.p.usesInstances()) {
        const result = await this.handshake(`/${name}`);
        success = result === 'ok';
        nsNote = success ? `; namespace /${name} reachable` : INVALID_NAMESPACE.test(result) ? `; namespace /${name} not created yet` : `; namespace /${name}: ${result}`;
      }
      return { success, message: `${name}: state ${state ?? '?'}; ${wsNote}${nsNote}`, status_code: 200, token_status: 'API key accepted' };
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
      message: error.status === 0 ? `Erro de conexão: ${error.message}` : error.status === 404 ? `instance not found (${error.message})` : error.message,
      status_code: error.status,
      token_status: auth ? 'API key refused' : error.status === 0 ? 'unknown' : 'API key accepted',
    };
  }
  return { success: false, message: error instanceof Error ? error.message : String(error), status_code: 0, token_status: 'unknown' };
}
