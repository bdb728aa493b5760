import { CommandError, type CommandHandles } from '../../core/commands';
import { toCsv, toNdjson } from './history';
import type { CoreContext } from '../../core/context';
import type { EvolutionSettings } from './options';
import type { InstanceBook } from './book';
import type { EventHistory } from './history';
import type { EvolutionRest } from './rest';
import type { EvolutionConfig } from './config';
import type { EvolutionLinks } from './links';
import type { InstanceList } from './instances';
import type { Probes } from './probes';
import type { EvolutionStatus } from './status';
import { RestError } from './rest';

export interface EvolutionCommandsDeps {
  ctx: CoreContext;
  settings: EvolutionSettings;
  /** The mode listens on `/` (global, both). */
  usesGlobal: () => boolean;
  /** The mode listens on `/{instance}` (instance, both). */
  usesInstances: () => boolean;
  book: InstanceBook;
  history: EventHistory;
  rest: EvolutionRest;
  config: EvolutionConfig;
  links: EvolutionLinks;
  instances: InstanceList;
  probes: Probes;
  status: EvolutionStatus;
}

/**
 * The `whatsapp.*` commands of the bridge: snapshot, refresh, connect/disconnect (global, one
 * instance, all), tests, mode, enabling an instance's websocket, history and export, metrics, config.
 */
export class EvolutionCommands {
  constructor(private readonly p: EvolutionCommandsDeps) {}

  register(commands: CommandHandles): void {
    const { ctx, book, rest, links, instances, probes, status } = this.p;
    const { settings } = ctx;
    commands.handle('whatsapp.snapshot', () => status.snapshot());
    commands.handle('whatsapp.refresh', async () => {
      try {
        await instances.refresh(true);
      } catch (error) {
        throw new CommandError('unavailable', `fetchInstances failed: ${error instanceof Error ? error.message : String(error)}`);
      }
      return status.snapshot();
    });
    commands.handle('whatsapp.connect', ({ target, instance }) => (this.connectTarget(target, instance, true), { ok: true as const }));
    commands.handle('whatsapp.disconnect', ({ target, instance }) => (this.connectTarget(target, instance, false), { ok: true as const }));
    commands.handle('whatsapp.test', ({ instance }) => (instance ? probes.testInstance(instance) : probes.testGlobal()));
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
        config = await rest.websocketEnable(instance);
      } catch (error) {
        throw new CommandError(error instanceof RestError && error.status === 404 ? 'invalid-argument' : 'unavailable', `websocket/set failed: ${error instanceof Error ? error.message : String(error)}`);
      }
      book.websocket(instance, config);
      ctx.journal.record({ upstream: 'evolution', type: 'websocket.enabled', level: 'info', ids: { instance }, summary: `websocket config of ${instance} enabled by the operator`, raw: config });
      const link = links.instanceLinks.get(instance);
      if (link && !links.isOperatorOff(instance)) link.connect();
      return config;
    });
    const query = (q: { limit: number; beforeSeq?: number | undefined; instance?: string | undefined; event?: string | undefined; text?: string | undefined; includeHidden: boolean }) =>
      this.p.history.query({ ...q, hiddenTypes: q.includeHidden ? [] : [...this.p.config.hiddenTypes] });
    commands.handle('whatsapp.history', (q) => query(q));
    commands.handle('whatsapp.export', (q) => {
      const { events } = query(q);
      const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
      return q.format === 'csv'
        ? { filename: `whatsapp-events-${stamp}.csv`, mime: 'text/csv', content: toCsv(events), rows: events.length }
        : { filename: `whatsapp-events-${stamp}.ndjson`, mime: 'application/x-ndjson', content: toNdjson(events), rows: events.length };
    });
    commands.handle('whatsapp.metrics', () => status.metricsNow());
    commands.handle('whatsapp.config', () => this.p.config.current);
    commands.handle('whatsapp.configure', (next) => {
      settings.patch((current) => ({ ...current, extra: { ...current.extra, whatsapp: next } }));
      return this.p.config.current;
    });
  }

  private connectTarget(target: 'global' | 'instance' | 'all', instance: string | undefined, on: boolean): void {
    const { links } = this.p;
    const s = this.p.settings();
    if (on && (!s.enabled || !s.url)) throw new CommandError('unavailable', 'Evolution API is disabled or has no URL');
    if (target === 'global') {
      if (!this.p.usesGlobal()) throw new CommandError('conflict', 'the global namespace is not used in instance mode — switch the mode to global or both');
      if (on) links.mainLink?.connect();
      else links.mainLink?.disconnect();
      return;
    }
    if (target === 'instance') {
      const name = requireInstance(instance);
      if (!this.p.usesInstances()) throw new CommandError('conflict', 'per-instance namespaces are not used in global mode — switch the mode to instance or both');
      if (on) {
        links.operatorOn(name);
        let link = links.instanceLinks.get(name);
        if (!link) {
          if (!links.wantedInstances().wanted.includes(name) && !this.p.book.get(name)) throw new CommandError('invalid-argument', `unknown instance ${name}`);
          if (links.instanceLinks.size + (this.p.usesGlobal() ? 1 : 0) >= s.maxConnections) throw new CommandError('conflict', `limit of ${s.maxConnections} simultaneous connections reached`);
          link = links.createInstanceLink(name);
        }
        link.connect();
      } else {
        links.operatorOff(name);
        links.instanceLinks.get(name)?.disconnect();
      }
      return;
    }
    // all
    if (this.p.usesGlobal()) {
      if (on) links.mainLink?.connect();
      else links.mainLink?.disconnect();
    } else if (on && links.mainLink?.currentState !== 'open') links.mainLink?.connect();
    if (on) {
      links.clearOperatorOff();
      links.reconcile();
      for (const link of links.instanceLinks.values()) if (link.currentState !== 'open') link.connect();
    } else {
      for (const [name, link] of links.instanceLinks) {
        links.operatorOff(name);
        link.disconnect();
      }
    }
  }
}

function requireInstance(name: string | undefined): string {
  if (!name) throw new CommandError('invalid-argument', 'instance is required for target "instance"');
  return name;
}
