import { Manager, type Socket } from 'socket.io-client';
import type { TestResult } from '../contract';
import type { Settings } from '../contract/settings';
import { WhatsappConfig, type EvolutionMode, type WaEvent, type WaMetrics, type WaSnapshot, type WaState } from '../contract/evolution';
import { CommandError } from '../core/commands';
import type { CoreContext, Module, ModuleFactory } from '../core/context';
import type { BackoffOptions } from './backoff';
import { AuthError, type Link, type LinkSession } from './lifecycle';
import { InstanceBook, asState, type StateChange } from './evolution/book';
import { ClockEstimator } from './evolution/clock';
import { Dedupe } from './evolution/dedupe';
import { ConnectionData, KNOWN_EVENTS, MESSAGE_EVENTS, QrData, dedupeKey, messageIdOf, parseEnvelope, sanitize, summarize } from './evolution/envelope';
import { EventHistory, toCsv, toNdjson } from './evolution/history';
import { Metrics } from './evolution/metrics';
import { RateLimiter } from './evolution/rate';
import { EvolutionRest, RestError } from './evolution/rest';
import { checkUpstream, preview } from './validate';
import { JournalBudget } from './journal-budget';

/**
 * Seed 002: the Evolution API v2's socket.io events. One shared socket.io Manager (one engine
 * connection, namespaces multiplexed) with socket.io's own reconnection off: every namespace is
 * a Link of the shared lifecycle (backoff with jitter, status, test). Global mode listens on
 * `/`, instance mode on `/{instance}` for every instance `fetchInstances` lists (or the
 * configured ones), both mode on all of them with duplicates dropped. We never emit anything.
 * See docs/evolution.md.
 */

const API_KEY = 'evolution.apiKey';
const JOURNAL_PER_SEC = 100;
const ALWAYS_JOURNAL = new Set(['connection.update', 'qrcode.updated', 'instance.create', 'instance.delete', 'remove.instance', 'logout.instance', 'status.instance']);
const LIST_EVENTS = new Set(['instance.create', 'instance.delete', 'remove.instance']);
const NOTIFY_EVERY_MS = 5_000;
const SECRETISH = /"(apikey|api_key|token|hash|password|secret|jwt_token|authorization)"/i;
const INVALID_NAMESPACE = /invalid namespace/i;

export interface EvolutionOptions {
  backoff?: BackoffOptions;
  /** Backoff of per-instance namespaces (late namespaces retry at this pace). */
  namespaceBackoff?: BackoffOptions;
  fetch?: typeof fetch;
  instancesMs?: number;
  metricsMs?: number;
  /** Periodic `fetchInstances` (0: only on demand and on instance events). */
  refreshMs?: number;
  historyFlushMs?: number;
  connectTimeoutMs?: number;
}

class NamespaceWaiting extends Error {}

export class Evolution implements Module {
  readonly name = 'evolution';
  readonly book = new InstanceBook();
  readonly metrics = new Metrics();
  readonly clock = new ClockEstimator();
  readonly history: EventHistory;
  readonly rest: EvolutionRest;
  /** Counters for tests and the bench. */
  readonly stats = { accepted: 0, duplicates: 0, invalid: 0, journalSuppressed: 0 };
  private config: WhatsappConfig;
  private readonly dedupe: Dedupe;
  private readonly limiter: RateLimiter;
  private manager: Manager | null = null;
  private mainLink: Link | null = null;
  private readonly instanceLinks = new Map<string, Link>();
  /** Instances the operator disconnected by hand: not reconnected by a refresh. */
  private readonly manualOff = new Set<string>();
  private overLimit: string[] = [];
  private restError: string | null = null;
  private refreshedAt: number | null = null;
  private refreshing: Promise<void> | null = null;
  private refreshTimer: NodeJS.Timeout | null = null;
  private authProbe: { at: number; result: Promise<Error> } | null = null;
  private readonly unknownTypes = new Set<string>();
  private readonly notified = new Map<string, number>();
  private readonly websocketChecked = new Map<string, number>();
  private readonly journalBudget = new JournalBudget(JOURNAL_PER_SEC, (n) =>
    this.ctx.journal.record({ upstream: 'evolution', type: 'events.suppressed', level: 'info', ids: {}, summary: `${n} Evolution events not copied to the inspector (limit ${JOURNAL_PER_SEC}/s; all are in the WhatsApp event history)`, raw: null }),
  );
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly unsubscribe: Array<() => void> = [];
  private hiddenTypes = new Set<string>();
  private stopped = false;

  constructor(
    private readonly ctx: CoreContext,
    private readonly options: EvolutionOptions = {},
  ) {
    this.config = this.readConfig();
    this.applyConfig();
    this.dedupe = new Dedupe(this.config.dedupeWindowMs);
    this.limiter = new RateLimiter(this.settings().displayRateLimitPerMin);
    this.history = new EventHistory(ctx.storage, this.config.historyRows, {
      ...(options.historyFlushMs ? { flushMs: options.historyFlushMs } : {}),
      onError: (message) => ctx.journal.record({ upstream: 'evolution', type: 'history.failed', level: 'error', ids: {}, summary: `WhatsApp event history: ${message}`, raw: null }),
    });
    this.rest = new EvolutionRest({ baseUrl: () => this.settings().url, apiKey: () => ctx.secrets.get(API_KEY), ...(options.fetch ? { fetch: options.fetch } : {}) });
    this.registerCommands();
  }

  // ---------------------------------------------------------------- lifecycle

  start(): void {
    this.unsubscribe.push(
      this.ctx.settings.onChange((next, previous) => this.settingsChanged(next, previous)),
      this.ctx.secrets.onChange((name) => name === API_KEY && this.keyChanged()),
      this.ctx.hub.on('connections.status', (s) => s.id === 'evolution' && this.metrics.status(s, Date.now())),
    );
    this.every(this.options.instancesMs ?? 500, () => {
      const now = Date.now();
      this.book.rollAll(now);
      for (const instance of this.book.takeDirty(now)) this.ctx.hub.publish('whatsapp.instances', instance);
    });
    this.every(this.options.metricsMs ?? 1_000, () => this.ctx.hub.publish('whatsapp.metrics', this.metricsNow()));
    const refreshMs = this.options.refreshMs ?? 300_000;
    if (refreshMs > 0) this.every(refreshMs, () => void this.refresh().catch(() => undefined));
    this.build();
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    for (const off of this.unsubscribe) off();
    this.mainLink?.dispose();
    for (const link of this.instanceLinks.values()) link.dispose();
    this.closeManager();
    this.history.dispose();
  }

  private every(ms: number, work: () => void): void {
    const t = setInterval(work, ms);
    t.unref();
    this.timers.push(t);
  }

  private settings(): Settings['upstreams']['evolution'] {
    return this.ctx.effective().upstreams.evolution;
  }

  get mode(): EvolutionMode {
    return this.settings().mode;
  }

  private usesGlobal(mode = this.mode): boolean {
    return mode !== 'instance';
  }

  private usesInstances(mode = this.mode): boolean {
    return mode !== 'global';
  }

  get currentLink(): Link | null {
    return this.mainLink;
  }

  instanceLink(name: string): Link | undefined {
    return this.instanceLinks.get(name);
  }

  private readConfig(): WhatsappConfig {
    const parsed = WhatsappConfig.safeParse(this.ctx.settings.get().extra.whatsapp ?? {});
    return parsed.success ? parsed.data : WhatsappConfig.parse({});
  }

  private applyConfig(): void {
    this.hiddenTypes = new Set(this.config.rules.filter((r) => r.hidden && r.event !== '*').map((r) => r.event));
    this.rulesByEvent.clear();
  }

  /** (Re)create everything for the current URL, key and mode. */
  private build(): void {
    for (const name of [...this.instanceLinks.keys()]) this.removeInstanceLink(name);
    this.closeManager();
    const s = this.settings();
    this.mainLink = this.ctx.links.create({
      id: 'evolution',
      url: () => this.settings().url,
      demo: () => this.ctx.isDemo('evolution'),
      open: (session) => (this.usesGlobal() ? this.openNamespace('', session) : this.openControl(session)),
      close: () => this.closeNamespace(''),
      test: () => this.testGlobal(),
      ...(this.options.backoff ? { backoff: this.options.backoff } : {}),
    });
    if (!s.enabled || !s.url) {
      this.mainLink.disconnect(s.enabled ? 'no URL configured' : 'disabled in settings');
      return;
    }
    this.mainLink.connect();
    void this.refresh().catch(() => undefined);
  }

  private settingsChanged(next: Settings, previous: Settings): void {
    this.config = this.readConfig();
    this.applyConfig();
    this.dedupe.windowMs = this.config.dedupeWindowMs;
    this.history.maxRows = this.config.historyRows;
    const a = next.upstreams.evolution;
    const b = previous.upstreams.evolution;
    this.limiter.setLimit(a.displayRateLimitPerMin);
    if (a.url !== b.url || a.enabled !== b.enabled || a.mode !== b.mode) {
      if (a.mode !== b.mode) this.ctx.hub.publish('whatsapp.mode', { mode: a.mode });
      this.manualOff.clear();
      this.build();
    } else if (a.instances.join('\n') !== b.instances.join('\n') || a.maxConnections !== b.maxConnections) this.reconcile();
  }

  private keyChanged(): void {
    this.authProbe = null;
    this.closeManager();
    this.ctx.alerts.resolve('evolution:auth');
    for (const link of [this.mainLink, ...this.instanceLinks.values()]) {
      if (link && link.currentState !== 'stopped') link.connect();
    }
    void this.refresh().catch(() => undefined);
  }

  // ---------------------------------------------------------------- sockets

  private getManager(): Manager {
    if (this.manager) return this.manager;
    const base = new URL(this.settings().url);
    const prefix = base.pathname.replace(/\/+$/, '');
    const key = this.ctx.secrets.get(API_KEY) ?? '';
    // socket.io reconnection is off: the Link lifecycle owns backoff. Websocket only, as the seed.
    this.manager = new Manager(base.origin, {
      path: `${prefix}/socket.io`,
      transports: ['websocket'],
      reconnection: false,
      autoConnect: false,
      timeout: this.options.connectTimeoutMs ?? 15_000,
      query: { apikey: key },
      extraHeaders: { apikey: key },
    });
    return this.manager;
  }

  private closeManager(): void {
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

  private readonly sockets = new Map<string, Socket>();

  /** Open `/` (instance '') or `/{instance}` for a Link; resolves when connected. */
  private openNamespace(instance: string, session: LinkSession): Promise<void> {
    if (!this.ctx.secrets.get(API_KEY)) {
      this.authFailed('API key (evolution.apiKey) not configured');
      return Promise.reject(new AuthError('API key (evolution.apiKey) not configured'));
    }
    const nsp = instance ? `/${instance}` : '/';
    const socket = this.getManager().socket(nsp);
    this.sockets.set(instance, socket);
    const via = instance ? 'instance' : 'global';
    const started = Date.now();
    return new Promise<void>((resolve, reject) => {
      let opened = false;
      const limit = (this.options.connectTimeoutMs ?? 15_000) + 2_000;
      const timer = setTimeout(() => reject(new Error(`socket.io ${nsp}: no answer within ${Math.round(limit / 1000)} s`)), limit);
      session.signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
      socket.on('connect', () => {
        opened = true;
        clearTimeout(timer);
        session.latency(Date.now() - started);
        this.ctx.alerts.resolve('evolution:auth');
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
        void this.explain(error).then(reject);
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
      socket.onAny((event: string, ...args: unknown[]) => this.ingest(event, args, via, instance, session));
      socket.connect();
    });
  }

  private closeNamespace(instance: string): void {
    const socket = this.sockets.get(instance);
    if (!socket) return;
    this.sockets.delete(instance);
    socket.offAny();
    socket.removeAllListeners();
    socket.disconnect();
  }

  /**
   * Evolution checks the key in engine.io's `allowRequest`, so a refused key looks like any
   * transport error. Ask the REST API (shared answer for 2 s) to tell a bad key from a network fault.
   */
  private explain(error: Error): Promise<Error> {
    const now = Date.now();
    if (!this.authProbe || now - this.authProbe.at > 2_000) {
      const result = this.rest.fetchInstances().then(
        () => new Error(`socket.io connect failed: ${error.message}`),
        (e: unknown) => {
          if (e instanceof RestError && (e.status === 401 || e.status === 403)) {
            this.authFailed(`API key refused (HTTP ${e.status})`);
            return new AuthError(`API key refused (HTTP ${e.status} on /instance/fetchInstances)`, e.status);
          }
          return new Error(e instanceof RestError && e.status === 0 ? `server unreachable (${e.message})` : `socket.io connect failed: ${error.message}`);
        },
      );
      this.authProbe = { at: now, result };
    }
    return this.authProbe.result;
  }

  private authFailed(message: string): void {
    this.ctx.alerts.raise({
      source: 'evolution',
      severity: 'high',
      key: 'evolution:auth',
      title: `Evolution API: ${message}`,
      detail: 'Salve uma nova API key (evolution.apiKey); as conexões voltam sozinhas. / Save a new API key (evolution.apiKey); connections resume by themselves.',
      view: '/connections',
    });
    this.ctx.journal.record({ upstream: 'evolution', type: 'auth-failed', level: 'error', ids: {}, summary: message, raw: null });
  }

  /** Instance mode: the main link is the REST control channel (instance list, auth). */
  private async openControl(session: LinkSession): Promise<void> {
    if (!this.ctx.secrets.get(API_KEY)) {
      this.authFailed('API key (evolution.apiKey) not configured');
      throw new AuthError('API key (evolution.apiKey) not configured');
    }
    const started = Date.now();
    try {
      await this.refresh(true);
    } catch (error) {
      if (error instanceof RestError && (error.status === 401 || error.status === 403)) {
        this.authFailed(`API key refused (HTTP ${error.status})`);
        throw new AuthError(error.message, error.status);
      }
      throw error;
    }
    session.latency(Date.now() - started);
    this.ctx.alerts.resolve('evolution:auth');
  }

  private namespaceMissing(instance: string): void {
    const now = Date.now();
    if (now - (this.websocketChecked.get(instance) ?? 0) < 60_000) return;
    this.websocketChecked.set(instance, now);
    this.ctx.journal.record({ upstream: 'evolution', type: 'namespace.waiting', level: 'warn', ids: { instance }, summary: `namespace /${instance} does not exist yet — retrying with backoff`, raw: null });
    void this.rest.websocketFind(instance).then(
      (config) => this.book.websocket(instance, config),
      () => undefined,
    );
  }

  // ---------------------------------------------------------------- instances

  /** `GET /instance/fetchInstances`, then create/remove per-instance links. */
  refresh(throwErrors = false): Promise<void> {
    this.refreshing ??= (async () => {
      try {
        const { instances, invalid } = await this.rest.fetchInstances();
        const now = Date.now();
        if (invalid > 0) this.ctx.journal.record({ upstream: 'evolution', type: 'invalid', level: 'error', ids: {}, summary: `${invalid} fetchInstances row(s) without a name ignored`, raw: null });
        const { changes, gone } = this.book.applyRest(instances, now);
        for (const change of changes) this.stateChanged(change, 'rest');
        for (const name of gone) this.instanceGone(name, 'no longer listed by fetchInstances');
        this.restError = null;
        this.refreshedAt = now;
        this.reconcile();
      } catch (error) {
        this.restError = error instanceof Error ? error.message : String(error);
        this.mainLink?.noteError(`instance list: ${this.restError}`);
        throw error;
      } finally {
        this.refreshing = null;
      }
    })();
    const running = this.refreshing;
    return throwErrors ? running : running.catch(() => undefined);
  }

  private scheduleRefresh(): void {
    if (this.refreshTimer || this.stopped) return;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = null;
      void this.refresh();
    }, 300);
    this.refreshTimer.unref();
  }

  /** The instances that should have a namespace socket, within the connection limit. */
  private wantedInstances(): { wanted: string[]; overLimit: string[] } {
    if (!this.usesInstances()) return { wanted: [], overLimit: [] };
    const s = this.settings();
    const names = (s.instances.length ? s.instances : this.book.listedNames()).slice().sort();
    const room = Math.max(0, s.maxConnections - (this.usesGlobal() ? 1 : 0));
    return { wanted: names.slice(0, room), overLimit: names.slice(room) };
  }

  private reconcile(): void {
    if (this.stopped) return;
    const { wanted, overLimit } = this.wantedInstances();
    if (overLimit.length && overLimit.join() !== this.overLimit.join()) {
      this.ctx.warn(`Evolution: ${overLimit.length} instance(s) not connected — limit of ${this.settings().maxConnections} simultaneous connections`);
    }
    this.overLimit = overLimit;
    const want = new Set(wanted);
    for (const name of [...this.instanceLinks.keys()]) if (!want.has(name)) this.removeInstanceLink(name);
    const s = this.settings();
    for (const name of wanted) {
      if (this.instanceLinks.has(name)) continue;
      const link = this.createInstanceLink(name);
      if (!s.enabled || !s.url) link.disconnect('disabled');
      else if (this.manualOff.has(name)) link.disconnect('disconnected by operator');
      else link.connect();
    }
  }

  private createInstanceLink(name: string): Link {
    const link = this.ctx.links.create({
      id: 'evolution',
      link: name,
      url: () => `${this.settings().url.replace(/\/+$/, '')}/${name}`,
      demo: () => this.ctx.isDemo('evolution'),
      open: (session) => this.openNamespace(name, session),
      close: () => this.closeNamespace(name),
      test: () => this.testInstance(name),
      backoff: this.options.namespaceBackoff ?? { baseMs: 1_000, maxMs: 30_000 },
    });
    this.instanceLinks.set(name, link);
    return link;
  }

  private removeInstanceLink(name: string): void {
    if (!this.instanceLinks.has(name)) return;
    this.instanceLinks.delete(name);
    this.ctx.links.remove('evolution', name);
    this.metrics.forget(name);
  }

  private instanceGone(name: string, why: string): void {
    this.book.remove(name);
    this.removeInstanceLink(name);
    this.manualOff.delete(name);
    this.ctx.alerts.resolve(`evolution:instance-close:${name}`);
    this.ctx.alerts.resolve(`evolution:instance-qr:${name}`);
    this.ctx.journal.record({ upstream: 'evolution', type: 'instance.removed', level: 'info', ids: { instance: name }, summary: `instance ${name} removed (${why})`, raw: null });
  }

  // ---------------------------------------------------------------- events

  /** One socket.io event from `/` or `/{instance}`: validate, dedupe, keep, publish, alert. */
  ingest(name: string, args: unknown[], via: 'global' | 'instance', namespace: string, session: LinkSession): void {
    const receivedAt = Date.now();
    session.activity();
    if (args.length !== 1) return this.invalid(session, `event "${preview(name, 60)}" with ${args.length} arguments (expected one envelope)`, args, null);
    let raw = args[0];
    if (typeof raw === 'string') {
      try {
        raw = JSON.parse(raw) as unknown;
      } catch {
        return this.invalid(session, `event "${preview(name, 60)}": payload is not JSON: ${preview(raw as string, 80)}`, raw, null);
      }
    }
    const parsed = parseEnvelope(raw);
    if (!parsed.ok) return this.invalid(session, `event "${preview(name, 60)}": ${parsed.message}`, raw, raw && typeof raw === 'object' ? (raw as { apikey?: unknown }).apikey : null);
    const env = parsed.value;
    if (env.event !== name) return this.invalid(session, `socket event "${preview(name, 60)}" carries an envelope for "${env.event}"`, raw, env.apikey);
    if (via === 'instance' && env.instance !== namespace) return this.invalid(session, `namespace /${namespace} delivered an event of instance "${env.instance}"`, raw, env.apikey);

    // The payload's JSON is needed for the secret check and the history; for the dedupe key only
    // when the event has no message id (so a duplicate with an id costs no stringify).
    const id = messageIdOf(env);
    let t = id === null ? JSON.stringify(env.data) : null;
    if (this.dedupe.check(dedupeKey(env, id ?? t!), receivedAt)) {
      this.stats.duplicates++;
      return;
    }
    t ??= JSON.stringify(env.data);
    const dirty = SECRETISH.test(t) || (!!env.apikey && t.includes(env.apikey));
    const data = dirty ? sanitize(env.data, env.apikey) : env.data;
    this.stats.accepted++;
    session.event();

    const latencyMs = this.clock.latency(env.date_time, receivedAt);
    const event: WaEvent = {
      seq: this.history.nextSeq(),
      receivedAt,
      dateTime: env.date_time ?? null,
      latencyMs,
      event: env.event,
      instance: env.instance,
      via,
      sender: env.sender ?? null,
      summary: summarize(env.event, data),
      data,
    };
    this.history.add(event, dirty ? undefined : t);
    this.metrics.count(env.event, receivedAt, latencyMs);
    this.book.touch(env.instance, receivedAt, MESSAGE_EVENTS.has(env.event));
    if (!KNOWN_EVENTS.has(env.event) && !this.unknownTypes.has(env.event) && this.unknownTypes.size < 100) {
      this.unknownTypes.add(env.event);
      this.ctx.journal.record({ upstream: 'evolution', type: 'event.unknown', level: 'warn', ids: { instance: env.instance }, summary: `event type "${env.event}" is not one Evolution v2 documents — shown as is`, raw: null });
    }
    this.applyState(event, session);
    const hidden = this.hiddenTypes.has(env.event);
    if (!hidden && this.limiter.take(receivedAt)) this.ctx.hub.publish('whatsapp.events', event);
    this.applyRules(event);
    this.journal(event);
  }

  private invalid(session: LinkSession, message: string, raw: unknown, apikey: unknown): void {
    this.stats.invalid++;
    session.error(`invalid event: ${message}`);
    let shown: string;
    try {
      shown = preview(JSON.stringify(sanitize(raw, typeof apikey === 'string' ? apikey : null)) ?? String(raw), 2_000);
    } catch {
      shown = 'unserialisable';
    }
    this.ctx.journal.record({ upstream: 'evolution', type: 'invalid', level: 'error', ids: {}, summary: `invalid event: ${message}`, raw: shown });
  }

  /** connection.update → state (and alerts); qrcode.updated → QR; instance events → list refresh. */
  private applyState(event: WaEvent, session: LinkSession): void {
    const { instance, receivedAt } = event;
    if (event.event === 'connection.update') {
      const parsed = checkUpstream(ConnectionData, event.data);
      if (!parsed.ok) {
        this.stats.invalid++;
        session.error(`connection.update of ${instance}: ${parsed.message}`);
        this.ctx.journal.record({ upstream: 'evolution', type: 'invalid', level: 'error', ids: { instance }, summary: `connection.update without a valid state: ${parsed.message}`, raw: null });
        return;
      }
      const d = parsed.value;
      const change = this.book.connection(instance, d.state, d.statusReason ?? null, receivedAt, { profileName: d.profileName ?? null, number: d.wuid ? d.wuid.split('@')[0]! : null });
      if (change) this.stateChanged(change, 'event');
    } else if (event.event === 'qrcode.updated') {
      const parsed = checkUpstream(QrData, event.data);
      if (!parsed.ok) {
        session.error(`qrcode.updated of ${instance}: ${parsed.message}`);
        this.ctx.journal.record({ upstream: 'evolution', type: 'invalid', level: 'error', ids: { instance }, summary: `qrcode.updated: ${parsed.message}`, raw: null });
        return;
      }
      const first = this.book.qr(instance, parsed.value.qrcode.base64 ?? null, parsed.value.qrcode.pairingCode ?? null, receivedAt);
      if (first && this.config.qrAlert) {
        this.ctx.alerts.raise({
          source: 'evolution', severity: this.config.qrSeverity, key: `evolution:instance-qr:${instance}`,
          title: `WhatsApp ${instance}: aguardando leitura do QR code / needs a QR scan`,
          detail: 'Abra o quadro de instâncias e leia o QR code com o WhatsApp do número. / Open the instance board and scan the QR code.',
          ids: { instance }, view: `/whatsapp?instance=${encodeURIComponent(instance)}`,
        });
      }
    } else if (event.event === 'logout.instance') {
      const change = this.book.connection(instance, 'close', null, receivedAt);
      if (change) this.stateChanged(change, 'event');
    }
    if (event.event === 'remove.instance' || event.event === 'instance.delete') {
      this.instanceGone(instance, event.event);
      this.scheduleRefresh();
    } else if (LIST_EVENTS.has(event.event)) this.scheduleRefresh();
  }

  private stateChanged(change: StateChange, source: 'event' | 'rest'): void {
    const { name, to } = change;
    const closeKey = `evolution:instance-close:${name}`;
    if (to === 'open') {
      this.ctx.alerts.resolve(closeKey);
      this.ctx.alerts.resolve(`evolution:instance-qr:${name}`);
    } else if (to === 'close' && this.config.closeAlert) {
      this.ctx.alerts.raise({
        source: 'evolution', severity: this.config.closeSeverity, key: closeKey,
        title: `WhatsApp ${name}: desconectada / disconnected`,
        detail: `connection.update → close${change.statusReason !== null ? ` (statusReason ${change.statusReason})` : ''}${source === 'rest' ? ' — fetchInstances' : ''}`,
        ids: { instance: name }, view: `/whatsapp?instance=${encodeURIComponent(name)}`,
      });
    }
    if (source === 'rest' && change.from !== 'unknown') {
      this.ctx.journal.record({ upstream: 'evolution', type: 'connection.update', level: to === 'close' ? 'warn' : 'info', ids: { instance: name }, summary: `${name}: state ${to} (fetchInstances)`, raw: null });
    }
  }

  /** Rule of an event type, looked up once per type and config (it runs for every event). */
  private readonly rulesByEvent = new Map<string, WhatsappConfig['rules'][number] | undefined>();
  private ruleFor(event: string) {
    if (this.rulesByEvent.has(event)) return this.rulesByEvent.get(event);
    const rule = this.config.rules.find((r) => r.event === event) ?? this.config.rules.find((r) => r.event === '*');
    if (this.rulesByEvent.size < 1_000) this.rulesByEvent.set(event, rule);
    return rule;
  }

  private applyRules(event: WaEvent): void {
    const rule = this.ruleFor(event.event);
    if (!rule || (!rule.alert && !rule.notify)) return;
    if (rule.alert) {
      this.ctx.alerts.raise({
        source: 'evolution', severity: rule.severity, key: `evolution:event:${event.event}:${event.instance}`,
        title: `WhatsApp ${event.instance}: ${event.event}`, detail: preview(event.summary, 300),
        ids: { instance: event.instance }, view: `/whatsapp/stream?instance=${encodeURIComponent(event.instance)}&event=${encodeURIComponent(event.event)}`,
      });
    }
    if (rule.notify) {
      const key = `${event.event}\u0000${event.instance}`;
      const last = this.notified.get(key) ?? 0;
      if (event.receivedAt - last < NOTIFY_EVERY_MS) return;
      this.notified.set(key, event.receivedAt);
      if (this.notified.size > 5_000) this.notified.delete(this.notified.keys().next().value!);
      this.ctx.hub.publish('whatsapp.notify', { event: event.event, instance: event.instance, title: `WhatsApp ${event.instance}: ${event.event}`, body: preview(event.summary, 200), at: event.receivedAt });
    }
  }

  /** State-like events always; others at most JOURNAL_PER_SEC a second (the rest counted). */
  private journal(event: WaEvent): void {
    if (!this.journalBudget.take(event.receivedAt, ALWAYS_JOURNAL.has(event.event))) {
      this.stats.journalSuppressed++;
      return;
    }
    const level = event.event === 'connection.update' && /state close/.test(event.summary) ? 'warn' : event.event === 'logout.instance' ? 'warn' : 'info';
    // QR images stay in the WhatsApp history; the inspector gets the event without the picture.
    const raw = event.event === 'qrcode.updated' ? { ...event, data: { qrcode: '(image omitted)' } } : event;
    this.ctx.journal.record({ upstream: 'evolution', type: event.event, level, ids: { instance: event.instance }, summary: `${event.instance}: ${event.summary}`, raw, at: event.receivedAt });
  }

  // ---------------------------------------------------------------- tests

  private async handshake(nsp: string, timeoutMs = 5_000): Promise<string> {
    const base = new URL(this.settings().url);
    const key = this.ctx.secrets.get(API_KEY) ?? '';
    const manager = new Manager(base.origin, {
      path: `${base.pathname.replace(/\/+$/, '')}/socket.io`, transports: ['websocket'], reconnection: false, autoConnect: false, timeout: timeoutMs,
      query: { apikey: key }, extraHeaders: { apikey: key },
    });
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
    const s = this.settings();
    if (!s.url) return { success: false, message: 'URL da Evolution API não configurada', status_code: 0, token_status: 'n/a' };
    try {
      const welcome = await this.rest.welcome();
      const { instances } = await this.rest.fetchInstances();
      let socketNote = '';
      let success = true;
      if (this.usesGlobal()) {
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
    try {
      const state = await this.rest.connectionState(name);
      if (state) {
        const change = this.book.connection(name, asState(state), null, Date.now());
        if (change) this.stateChanged(change, 'rest');
      }
      const websocket = await this.rest.websocketFind(name);
      this.book.websocket(name, websocket);
      const wsNote = websocket ? (websocket.enabled ? `websocket enabled (${websocket.events.length} events)` : 'websocket disabled') : 'websocket never configured';
      let success = true;
      let nsNote = '';
      if (this.usesInstances()) {
        const result = await this.handshake(`/${name}`);
        success = result === 'ok';
        nsNote = success ? `; namespace /${name} reachable` : INVALID_NAMESPACE.test(result) ? `; namespace /${name} not created yet` : `; namespace /${name}: ${result}`;
      }
      return { success, message: `${name}: state ${state ?? '?'}; ${wsNote}${nsNote}`, status_code: 200, token_status: 'API key accepted' };
    } catch (error) {
      return restFailure(error);
    }
  }

  // ---------------------------------------------------------------- commands

  snapshot(): WaSnapshot {
    const s = this.settings();
    return {
      mode: s.mode,
      url: s.url,
      demo: this.ctx.isDemo('evolution'),
      instances: this.book.list(Date.now()),
      connections: this.ctx.links.list().filter((l) => l.id === 'evolution'),
      restError: this.restError,
      refreshedAt: this.refreshedAt,
      maxConnections: s.maxConnections,
      overLimit: this.overLimit,
    };
  }

  metricsNow(): WaMetrics {
    return this.metrics.snapshot(Date.now(), {
      accepted: this.stats.accepted,
      duplicates: this.stats.duplicates,
      invalid: this.stats.invalid,
      displayDropped: this.limiter.dropped,
      unknownTypes: [...this.unknownTypes],
      serverUtcOffsetMin: this.clock.offsetMinutes,
      history: { rows: this.history.approximateRows(), max: this.history.maxRows, dropped: this.history.dropped },
    });
  }

  private requireInstance(name: string | undefined): string {
    if (!name) throw new CommandError('invalid-argument', 'instance is required for target "instance"');
    return name;
  }

  private connectTarget(target: 'global' | 'instance' | 'all', instance: string | undefined, on: boolean): void {
    const s = this.settings();
    if (on && (!s.enabled || !s.url)) throw new CommandError('unavailable', 'Evolution API is disabled or has no URL');
    if (target === 'global') {
      if (!this.usesGlobal()) throw new CommandError('conflict', 'the global namespace is not used in instance mode — switch the mode to global or both');
      if (on) this.mainLink?.connect();
      else this.mainLink?.disconnect();
      return;
    }
    if (target === 'instance') {
      const name = this.requireInstance(instance);
      if (!this.usesInstances()) throw new CommandError('conflict', 'per-instance namespaces are not used in global mode — switch the mode to instance or both');
      if (on) {
        this.manualOff.delete(name);
        let link = this.instanceLinks.get(name);
        if (!link) {
          if (!this.wantedInstances().wanted.includes(name) && !this.book.get(name)) throw new CommandError('invalid-argument', `unknown instance ${name}`);
          if (this.instanceLinks.size + (this.usesGlobal() ? 1 : 0) >= s.maxConnections) throw new CommandError('conflict', `limit of ${s.maxConnections} simultaneous connections reached`);
          link = this.createInstanceLink(name);
        }
        link.connect();
      } else {
        this.manualOff.add(name);
        this.instanceLinks.get(name)?.disconnect();
      }
      return;
    }
    // all
    if (this.usesGlobal()) {
      if (on) this.mainLink?.connect();
      else this.mainLink?.disconnect();
    } else if (on && this.mainLink?.currentState !== 'open') this.mainLink?.connect();
    if (on) {
      this.manualOff.clear();
      this.reconcile();
      for (const link of this.instanceLinks.values()) if (link.currentState !== 'open') link.connect();
    } else {
      for (const [name, link] of this.instanceLinks) {
        this.manualOff.add(name);
        link.disconnect();
      }
    }
  }

  private registerCommands(): void {
    const { commands, settings } = this.ctx;
    commands.handle('whatsapp.snapshot', () => this.snapshot());
    commands.handle('whatsapp.refresh', async () => {
      try {
        await this.refresh(true);
      } catch (error) {
        throw new CommandError('unavailable', `fetchInstances failed: ${error instanceof Error ? error.message : String(error)}`);
      }
      return this.snapshot();
    });
    commands.handle('whatsapp.connect', ({ target, instance }) => (this.connectTarget(target, instance, true), { ok: true as const }));
    commands.handle('whatsapp.disconnect', ({ target, instance }) => (this.connectTarget(target, instance, false), { ok: true as const }));
    commands.handle('whatsapp.test', ({ instance }) => (instance ? this.testInstance(instance) : this.testGlobal()));
    commands.handle('whatsapp.setMode', ({ mode }) => {
      settings.patch((current) => {
        current.upstreams.evolution.mode = mode;
        return current;
      });
      return { ok: true as const };
    });
    commands.handle('whatsapp.enableWebsocket', async ({ instance }) => {
      let config: { enabled: boolean; events: string[] };
      try {
        config = await this.rest.websocketEnable(instance);
      } catch (error) {
        throw new CommandError(error instanceof RestError && error.status === 404 ? 'invalid-argument' : 'unavailable', `websocket/set failed: ${error instanceof Error ? error.message : String(error)}`);
      }
      this.book.websocket(instance, config);
      this.ctx.journal.record({ upstream: 'evolution', type: 'websocket.enabled', level: 'info', ids: { instance }, summary: `websocket config of ${instance} enabled by the operator`, raw: config });
      const link = this.instanceLinks.get(instance);
      if (link && !this.manualOff.has(instance)) link.connect();
      return config;
    });
    const query = (q: { limit: number; beforeSeq?: number | undefined; instance?: string | undefined; event?: string | undefined; text?: string | undefined; includeHidden: boolean }) =>
      this.history.query({ ...q, hiddenTypes: q.includeHidden ? [] : [...this.hiddenTypes] });
    commands.handle('whatsapp.history', (q) => query(q));
    commands.handle('whatsapp.export', (q) => {
      const { events } = query(q);
      const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
      return q.format === 'csv'
        ? { filename: `whatsapp-events-${stamp}.csv`, mime: 'text/csv', content: toCsv(events), rows: events.length }
        : { filename: `whatsapp-events-${stamp}.ndjson`, mime: 'application/x-ndjson', content: toNdjson(events), rows: events.length };
    });
    commands.handle('whatsapp.metrics', () => this.metricsNow());
    commands.handle('whatsapp.config', () => this.config);
    commands.handle('whatsapp.configure', (next) => {
      settings.patch((current) => ({ ...current, extra: { ...current.extra, whatsapp: next } }));
      return this.config;
    });
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

export const evolutionModule: ModuleFactory = (ctx) => new Evolution(ctx);

export type { WaState };
