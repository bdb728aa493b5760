import type { Settings } from '../../contract/settings';
import type { EvolutionMode, WaMetrics, WaSnapshot, WaState } from '../../contract/evolution';
import type { TestResult } from '../../contract';
import type { CoreContext, Module, ModuleFactory } from '../../core/context';
import { DisposableStore } from '../../core/disposable';
import { linkGuard, underLink, type Link, type LinkSession } from '../../core/lifecycle';
import { EvolutionAlerts } from './alerts';
import { EvolutionAuth } from './auth';
import { InstanceBook } from './book';
import { ClockEstimator } from './clock';
import { EvolutionCommands } from './commands';
import { EvolutionConfig } from './config';
import { EventHistory } from './history';
import { Ingest } from './ingest';
import { InstanceList } from './instances';
import { EvolutionLinks } from './links';
import { Metrics } from './metrics';
import { Namespaces } from './namespaces';
import { API_KEY, type EvolutionOptions } from './options';
import { Probes } from './probes';
import { EvolutionRest } from './rest';
import { EvolutionStatus } from './status';

/**
 * Seed 002: the Evolution API v2's socket.io events. One shared socket.io Manager (one engine
 * connection, namespaces multiplexed) with socket.io's own reconnection off: every namespace is
 * a Link of the shared lifecycle (backoff with jitter, status, test). Global mode listens on
 * `/`, instance mode on `/{instance}` for every instance `fetchInstances` lists (or the
 * configured ones), both mode on all of them with duplicates dropped. We never emit anything.
 *
 * This file only wires the parts together; each lives in `evolution/` (see docs/evolution.md).
 */

export type { EvolutionOptions };

/** The parts of one connector, built in dependency order by the `Evolution` constructor. */
interface EvolutionPartsBuilt {
  ctx: CoreContext;
  options: EvolutionOptions;
  settings: () => Settings['upstreams']['evolution'];
  config: EvolutionConfig;
  ingest: Ingest;
  namespaces: Namespaces;
  links: EvolutionLinks;
  instances: InstanceList;
  auth: EvolutionAuth;
  probes: Probes;
  status: EvolutionStatus;
}

export class Evolution implements Module {
  readonly name = 'evolution';
  readonly book = new InstanceBook();
  readonly metrics = new Metrics();
  readonly clock = new ClockEstimator();
  readonly history: EventHistory;
  readonly rest: EvolutionRest;
  /** Counters for tests and the bench. */
  readonly stats = { accepted: 0, duplicates: 0, invalid: 0, journalSuppressed: 0 };
  private readonly parts: EvolutionPartsBuilt;
  /** Everything the module made: commands, listeners, timers, links, the socket.io Manager. */
  private readonly owned = new DisposableStore();
  private stopped = false;

  constructor(ctx: CoreContext, options: EvolutionOptions = {}) {
    const settings = () => ctx.effective().upstreams.evolution;
    const usesGlobal = () => settings().mode !== 'instance';
    const usesInstances = () => settings().mode !== 'global';
    const isStopped = () => this.stopped;
    const { book, metrics, clock, stats } = this;
    const config = new EvolutionConfig(ctx);
    const guard = linkGuard(() => this.currentLink);
    const history = (this.history = new EventHistory(ctx.storage, config.current.historyRows, {
      guard,
      ...(options.historyFlushMs ? { flushMs: options.historyFlushMs } : {}),
      onError: (message) => ctx.journal.record({ upstream: 'evolution', type: 'history.failed', level: 'error', ids: {}, summary: `WhatsApp event history: ${message}`, raw: null }),
    }));
    const rest = (this.rest = new EvolutionRest({ baseUrl: () => settings().url, apiKey: () => ctx.secrets.get(API_KEY), ...(options.fetch ? { fetch: options.fetch } : {}) }));
    // Built in dependency order, each with what it needs. Two calls close a loop (links →
    // namespaces → ingest → the instance list → links): ingest tells the instance list of an
    // instance event, and the main link asks it for a refresh; both only once running.
    const alerts = new EvolutionAlerts({ ctx, config });
    const auth = new EvolutionAuth({ ctx, rest });
    const probes = new Probes({ ctx, settings, usesGlobal, usesInstances, book, rest, alerts });
    const ingest: Ingest = new Ingest({
      ctx, settings, stats, book, metrics, clock, history, config, alerts,
      instances: { gone: (name, why) => instances.gone(name, why), scheduleRefresh: () => instances.scheduleRefresh() },
    });
    const namespaces = new Namespaces({ ctx, options, settings, book, rest, auth, ingest });
    const links: EvolutionLinks = new EvolutionLinks({
      ctx, options, settings, usesGlobal, usesInstances, isStopped, book, metrics, auth, namespaces, probes,
      refreshInstances: (throwErrors) => instances.refresh(throwErrors),
    });
    const instances = new InstanceList({ ctx, isStopped, book, rest, alerts, links, guard });
    const status = new EvolutionStatus({ ctx, settings, stats, book, metrics, clock, history, links, instances, ingest });
    this.parts = { ctx, options, settings, config, ingest, namespaces, links, instances, auth, probes, status };
    // Disposed last (owned first): stop flag, the refresh timer, links, the shared Manager, the history writer.
    this.owned.add(history);
    this.owned.defer(() => namespaces.closeManager());
    this.owned.add(links);
    this.owned.add(instances);
    this.owned.defer(() => {
      this.stopped = true;
    });
    new EvolutionCommands({ ctx, settings, usesGlobal, usesInstances, book, history, rest, config, links, instances, probes, status }).register(ctx.commands.ownedBy(this.owned));
  }

  // ---------------------------------------------------------------- lifecycle

  start(): void {
    const { ctx, options, status } = this.parts;
    this.owned.defer(ctx.settings.onChange((next, previous) => this.settingsChanged(next, previous)));
    this.owned.defer(ctx.secrets.onChange((name) => name === API_KEY && this.keyChanged()));
    this.owned.defer(ctx.hub.on('connections.status', (s) => s.id === 'evolution' && this.metrics.status(s, Date.now())));
    this.every(options.instancesMs ?? 500, () => status.publishInstances());
    this.every(options.metricsMs ?? 1_000, () => status.publishMetrics());
    const refreshMs = options.refreshMs ?? 300_000;
    // refresh() counts its own failures on the main link (never rejects unless asked to).
    if (refreshMs > 0) this.every(refreshMs, () => void this.refresh());
    this.parts.links.build();
  }

  stop(): void {
    this.owned.dispose();
  }

  private every(ms: number, work: () => void): void {
    // A throw restarts the main link and is alerted, never ends the process.
    this.owned.interval(ms, underLink(() => this.currentLink, work));
  }

  get mode(): EvolutionMode {
    return this.parts.settings().mode;
  }

  get currentLink(): Link | null {
    return this.parts.links.mainLink;
  }

  instanceLink(name: string): Link | undefined {
    return this.parts.links.instanceLinks.get(name);
  }

  private settingsChanged(next: Settings, previous: Settings): void {
    const { ctx, config, ingest, links } = this.parts;
    config.reload();
    const a = next.upstreams.evolution;
    const b = previous.upstreams.evolution;
    ingest.configure(config.current.dedupeWindowMs, a.displayRateLimitPerMin);
    this.history.setMaxRows(config.current.historyRows);
    if (a.url !== b.url || a.enabled !== b.enabled || a.mode !== b.mode) {
      if (a.mode !== b.mode) ctx.hub.publish('whatsapp.mode', { mode: a.mode });
      links.clearOperatorOff();
      links.build();
    } else if (a.instances.join('\n') !== b.instances.join('\n') || a.maxConnections !== b.maxConnections) links.reconcile();
  }

  private keyChanged(): void {
    const { auth, namespaces, links } = this.parts;
    auth.reset();
    namespaces.closeManager();
    auth.ok();
    links.reconnect();
    void this.refresh();
  }

  // ---------------------------------------------------------------- the parts, for tests and the bench

  /** `GET /instance/fetchInstances`, then create/remove per-instance links. */
  refresh(throwErrors = false): Promise<void> {
    return this.parts.instances.refresh(throwErrors);
  }

  /** One socket.io event from `/` or `/{instance}`: validate, dedupe, keep, publish, alert. */
  ingest(name: string, args: unknown[], via: 'global' | 'instance', namespace: string, session: LinkSession): void {
    this.parts.ingest.ingest(name, args, via, namespace, session);
  }

  testGlobal(): Promise<TestResult> {
    return this.parts.probes.testGlobal();
  }

  testInstance(name: string): Promise<TestResult> {
    return this.parts.probes.testInstance(name);
  }

  snapshot(): WaSnapshot {
    return this.parts.status.snapshot();
  }

  metricsNow(): WaMetrics {
    return this.parts.status.metricsNow();
  }
}

export const evolutionModule: ModuleFactory = (ctx) => new Evolution(ctx);

export type { WaState };
