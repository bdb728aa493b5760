import type { Disposable } from '../../core/disposable';
import { AuthError, connectDecision, type Link, type LinkSession } from '../../core/lifecycle';
import { keyRefused } from './auth';
import type { CoreContext } from '../../core/context';
import type { EvolutionOptions, EvolutionSettings } from './options';
import type { InstanceBook } from './book';
import type { Metrics } from './metrics';
import type { EvolutionAuth } from './auth';
import type { Namespaces } from './namespaces';
import type { Probes } from './probes';

export interface EvolutionLinksDeps {
  ctx: CoreContext;
  options: EvolutionOptions;
  settings: EvolutionSettings;
  /** The mode listens on `/` (global, both). */
  usesGlobal: () => boolean;
  /** The mode listens on `/{instance}` (instance, both). */
  usesInstances: () => boolean;
  /** True once the module is stopping: nothing new is started. */
  isStopped: () => boolean;
  book: InstanceBook;
  metrics: Metrics;
  auth: EvolutionAuth;
  namespaces: Namespaces;
  /** `GET /instance/fetchInstances` (the instance list; called once running, never while built). */
  refreshInstances(throwErrors?: boolean): Promise<void>;
  probes: Probes;
}

/**
 * The connector's Links (shared lifecycle: backoff with jitter, status, test): the main link —
 * namespace `/` in global and both modes, the REST control channel in instance mode — and one
 * sub-link per instance namespace, kept to the wanted instances within the connection limit.
 */
export class EvolutionLinks implements Disposable {
  mainLink: Link | null = null;
  readonly instanceLinks = new Map<string, Link>();
  /** Instances the operator disconnected by hand: not reconnected by a refresh. */
  private readonly manualOff = new Set<string>();
  /** Instances left without a namespace socket by the connection limit. */
  overLimit: string[] = [];

  constructor(private readonly p: EvolutionLinksDeps) {}

  /** (Re)create everything for the current URL, key and mode. */
  build(): void {
    const { ctx, options, settings, namespaces, probes } = this.p;
    for (const name of [...this.instanceLinks.keys()]) this.removeInstanceLink(name);
    namespaces.closeManager();
    const s = settings();
    this.mainLink = ctx.links.create({
      id: 'evolution',
      url: () => settings().url,
      policy: settings,
      demo: () => ctx.isDemo('evolution'),
      open: (session) => (this.p.usesGlobal() ? namespaces.open('', session) : this.openControl(session)),
      close: () => namespaces.close(''),
      test: () => probes.testGlobal(),
      ...(options.backoff ? { backoff: options.backoff } : {}),
    });
    this.mainLink.apply();
    if (connectDecision(s) !== 'connect') return;
    // Configured instances connect now, whatever the REST listing later says (or fails to say).
    this.reconcile();
    // refresh() counts its failures on the main link and never rejects unless asked to.
    void this.p.refreshInstances();
  }

  /** Instance mode: the main link is the REST control channel (instance list, auth). */
  private async openControl(session: LinkSession): Promise<void> {
    const { auth } = this.p;
    const missing = auth.missingKey();
    if (missing) throw missing;
    const started = Date.now();
    try {
      await this.p.refreshInstances(true);
    } catch (error) {
      if (keyRefused(error)) {
        auth.failed(`API key refused (HTTP ${error.status})`, { key: 'waKeyRefused', params: { status: error.status } });
        throw new AuthError(error.message, error.status);
      }
      throw error;
    }
    session.latency(Date.now() - started);
    auth.ok();
  }

  /** The operator disconnected `name` by hand: a refresh does not reconnect it. */
  operatorOff(name: string): void {
    this.manualOff.add(name);
  }

  /** `name` is no longer held off by the operator (connected again by hand, or gone). */
  operatorOn(name: string): void {
    this.manualOff.delete(name);
  }

  isOperatorOff(name: string): boolean {
    return this.manualOff.has(name);
  }

  /** New URL, mode or "connect all": no instance stays held off by hand. */
  clearOperatorOff(): void {
    this.manualOff.clear();
  }

  /** Reconnect every link not stopped (a new key). */
  reconnect(): void {
    for (const link of [this.mainLink, ...this.instanceLinks.values()]) {
      if (link && link.currentState !== 'stopped') link.connect();
    }
  }

  dispose(): void {
    this.mainLink?.dispose();
    for (const link of this.instanceLinks.values()) link.dispose();
  }

  /** The instances that should have a namespace socket, within the connection limit. */
  wantedInstances(): { wanted: string[]; overLimit: string[] } {
    if (!this.p.usesInstances()) return { wanted: [], overLimit: [] };
    const s = this.p.settings();
    const names = (s.instances.length ? s.instances : this.p.book.listedNames()).slice().sort();
    const room = Math.max(0, s.maxConnections - (this.p.usesGlobal() ? 1 : 0));
    return { wanted: names.slice(0, room), overLimit: names.slice(room) };
  }

  /** Create and remove instance links to match the wanted instances. */
  reconcile(): void {
    if (this.p.isStopped()) return;
    const { wanted, overLimit } = this.wantedInstances();
    if (overLimit.length && overLimit.join() !== this.overLimit.join()) {
      this.p.ctx.warn(`Evolution: ${overLimit.length} instance(s) not connected — limit of ${this.p.settings().maxConnections} simultaneous connections`);
    }
    this.overLimit = overLimit;
    const want = new Set(wanted);
    for (const name of [...this.instanceLinks.keys()]) if (!want.has(name)) this.removeInstanceLink(name);
    const s = this.p.settings();
    for (const name of wanted) {
      if (this.instanceLinks.has(name)) continue;
      const link = this.createInstanceLink(name);
      if (!s.enabled || !s.url) link.disconnect('disabled');
      else if (this.manualOff.has(name)) link.disconnect('operator');
      else link.connect();
    }
  }

  createInstanceLink(name: string): Link {
    const { ctx, options, settings, namespaces, probes } = this.p;
    const link = ctx.links.create({
      id: 'evolution',
      link: name,
      url: () => `${settings().url.replace(/\/+$/, '')}/${name}`,
      demo: () => ctx.isDemo('evolution'),
      open: (session) => namespaces.open(name, session),
      close: () => namespaces.close(name),
      test: () => probes.testInstance(name),
      backoff: options.namespaceBackoff ?? { baseMs: 1_000, maxMs: 30_000 },
    });
    this.instanceLinks.set(name, link);
    return link;
  }

  removeInstanceLink(name: string): void {
    if (!this.instanceLinks.has(name)) return;
    this.instanceLinks.delete(name);
    this.p.ctx.links.remove('evolution', name);
    this.p.metrics.forget(name);
  }
}
