import type { MessageText } from '../../contract/common';
import { AuthError } from '../../core/lifecycle';
import type { CoreContext } from '../../core/context';
import type { EvolutionRest } from './rest';
import { API_KEY } from './options';
import { RestError } from './rest';

/** The API key: missing, refused (told from a network fault through REST) or accepted, and its alert. */

export interface EvolutionAuthDeps {
  ctx: CoreContext;
  rest: EvolutionRest;
}

/** A REST answer that means the key was refused. */
export const keyRefused = (e: unknown): e is RestError => e instanceof RestError && (e.status === 401 || e.status === 403);

export class EvolutionAuth {
  private probe: { at: number; result: Promise<Error> } | null = null;

  constructor(private readonly p: EvolutionAuthDeps) {}

  /** No key saved: raises the alert and returns the error to fail the connection with. */
  missingKey(): AuthError | null {
    if (this.p.ctx.secrets.get(API_KEY)) return null;
    this.failed('API key (evolution.apiKey) not configured', { key: 'waNoKey', params: {} });
    return new AuthError('API key (evolution.apiKey) not configured');
  }

  failed(message: string, text: MessageText): void {
    this.p.ctx.alerts.raise({
      source: 'evolution',
      severity: 'high',
      key: 'evolution:auth',
      title: `Evolution API: ${message}`,
      text,
      detail: 'Save a new API key (evolution.apiKey); connections resume by themselves.',
      detailText: { key: 'waAuth', params: {} },
      view: '/connections',
    });
    this.p.ctx.journal.record({ upstream: 'evolution', type: 'auth-failed', level: 'error', ids: {}, summary: message, raw: null });
  }

  ok(): void {
    this.p.ctx.alerts.resolve('evolution:auth');
  }

  /** A new key was saved: the next failure is probed again. */
  reset(): void {
    this.probe = null;
  }

  /**
   * Evolution checks the key in engine.io's `allowRequest`, so a refused key looks like any
   * transport error. Ask the REST API (shared answer for 2 s) to tell a bad key from a network fault.
   */
  explain(error: Error): Promise<Error> {
    const now = Date.now();
    if (!this.probe || now - this.probe.at > 2_000) {
      const result = this.p.rest.fetchInstances().then(
        () => new Error(`socket.io connect failed: ${error.message}`),
        (e: unknown) => {
          if (keyRefused(e)) {
            this.failed(`API key refused (HTTP ${e.status})`, { key: 'waKeyRefused', params: { status: e.status } });
            return new AuthError(`API key refused (HTTP ${e.status} on /instance/fetchInstances)`, e.status);
          }
          return new Error(e instanceof RestError && e.status === 0 ? `server unreachable (${e.message})` : `socket.io connect failed: ${error.message}`);
        },
      );
      this.probe = { at: now, result };
    }
    return this.probe.result;
  }
}
