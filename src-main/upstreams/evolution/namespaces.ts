import { Manager, type Socket } from 'socket.io-client';
import type { LinkSession } from '../../core/lifecycle';
import type { CoreContext } from '../../core/context';
import { API_KEY, type EvolutionOptions, type EvolutionSettings } from './options';
import type { InstanceBook } from './book';
import type { EvolutionRest } from './rest';
import type { EvolutionAuth } from './auth';
import type { Ingest } from './ingest';

/**
 * The socket.io side: one shared Manager (one engine connection, namespaces multiplexed) and a
 * socket per namespace, `/` for global mode and `/{instance}` per instance. We never emit anything.
 */

export const INVALID_NAMESPACE = /invalid namespace/i;

export interface NamespacesDeps {
  ctx: CoreContext;
  options: EvolutionOptions;
  settings: EvolutionSettings;
  book: InstanceBook;
  rest: EvolutionRest;
  auth: EvolutionAuth;
  ingest: Ingest;
}

/** The namespace does not exist (yet) on the server: the Link retries with backoff. */
export class NamespaceWaiting extends Error {}

/** A socket.io Manager for the API at `url`, the key as query parameter and header. */
export function newManager(url: string, key: string, timeoutMs: number): Manager {
  const base = new URL(url);
  const prefix = base.pathname.replace(/\/+$/, '');
  // socket.io reconnection is off: the Link lifecycle owns backoff. Websocket only, as the seed.
  return new Manager(base.origin, {
    path: `${prefix}/socket.io`,
    transports: ['websocket'],
    reconnection: false,
    autoConnect: false,
    timeout: timeoutMs,
    query: { apikey: key },
    extraHeaders: { apikey: key },
  });
}

export class Namespaces {
  private manager: Manager | null = null;
  private readonly sockets = new Map<string, Socket>();
  private readonly websocketChecked = new Map<string, number>();

  constructor(private readonly p: NamespacesDeps) {}

  private getManager(): Manager {
    this.manager ??= newManager(this.p.settings().url, this.p.ctx.secrets.get(API_KEY) ?? '', this.p.options.connectTimeoutMs ?? 15_000);
    return this.manager;
  }

  /** Drop the engine connection and every socket on it (a new key or URL takes the next open). */
  closeManager(): void {
    const m = this.manager;
    this.manager = null;
    if (!m) return;
    for (const socket of Object.values((m as unknown as { nsps: Record<string, Socket> }).nsps ?? {})) {
      socket.offAny();
      socket.removeAllListeners();
      socket.disconnect();
    }
    m.engine?.close();
  }

  /** Open `/` (instance '') or `/{instance}` for a Link; resolves when connected. */
  open(instance: string, session: LinkSession): Promise<void> {
    const { auth } = this.p;
    const missing = auth.missingKey();
    if (missing) return Promise.reject(missing);
    const nsp = instance ? `/${instance}` : '/';
    const socket = this.getManager().socket(nsp);
    this.sockets.set(instance, socket);
    const via = instance ? 'instance' : 'global';
    const started = Date.now();
    return new Promise<void>((resolve, reject) => {
      let opened = false;
      const limit = (this.p.options.connectTimeoutMs ?? 15_000) + 2_000;
      const timer = setTimeout(() => reject(new Error(`socket.io ${nsp}: no answer within ${Math.round(limit / 1000)} s`)), limit);
      session.signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
      socket.on('connect', () => {
        opened = true;
        clearTimeout(timer);
        session.latency(Date.now() - started);
        auth.ok();
        resolve();
      });
      socket.on('connect_error', (error: Error) => {
        if (opened) return;
        clearTimeout(timer);
        if (INVALID_NAMESPACE.test(error.message)) {
          if (instance) this.namespaceMissing(instance);
          reject(new NamespaceWaiting(`namespace ${nsp} not created yet on the server (instance websocket off, or server starting) — waiting`));
          return;
        }
        void auth.explain(error).then(reject);
      });
      socket.on('disconnect', (reason: string) => {
        if (reason === 'io client disconnect') return;
        if (!opened) {
          clearTimeout(timer);
          reject(new Error(`socket ${nsp} closed before connecting (${reason})`));
          return;
        }
        session.lost(`socket ${nsp} closed (${reason})`);
      });
      socket.onAny(session.guard((event: string, ...args: unknown[]) => this.p.ingest.ingest(event, args, via, instance, session)));
      socket.connect();
    });
  }

  close(instance: string): void {
    const socket = this.sockets.get(instance);
    if (!socket) return;
    this.sockets.delete(instance);
    socket.offAny();
    socket.removeAllListeners();
    socket.disconnect();
  }

  /** Journal it (once a minute) and read the instance's websocket config, which explains why. */
  private namespaceMissing(instance: string): void {
    const now = Date.now();
    if (now - (this.websocketChecked.get(instance) ?? 0) < 60_000) return;
    this.websocketChecked.set(instance, now);
    this.p.ctx.journal.record({ upstream: 'evolution', type: 'namespace.waiting', level: 'warn', ids: { instance }, summary: `namespace /${instance} does not exist yet — retrying with backoff`, raw: null });
    void this.p.rest.websocketFind(instance).then(
      (config) => this.p.book.websocket(instance, config),
      () => undefined,
    );
  }
}
