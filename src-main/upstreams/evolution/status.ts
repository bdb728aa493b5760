import type { WaMetrics, WaSnapshot } from '../../contract/evolution';
import type { CoreContext } from '../../core/context';
import type { EvolutionSettings, EvolutionStats } from './options';
import type { InstanceBook } from './book';
import type { Metrics } from './metrics';
import type { ClockEstimator } from './clock';
import type { EventHistory } from './history';
import type { EvolutionLinks } from './links';
import type { InstanceList } from './instances';
import type { Ingest } from './ingest';

export interface EvolutionStatusDeps {
  ctx: CoreContext;
  settings: EvolutionSettings;
  stats: EvolutionStats;
  book: InstanceBook;
  metrics: Metrics;
  clock: ClockEstimator;
  history: EventHistory;
  links: EvolutionLinks;
  instances: InstanceList;
  ingest: Ingest;
}

/** What the WhatsApp views read: the snapshot and the metrics, and their periodic publishing. */
export class EvolutionStatus {
  constructor(private readonly p: EvolutionStatusDeps) {}

  snapshot(): WaSnapshot {
    const { ctx, instances } = this.p;
    const s = this.p.settings();
    return {
      mode: s.mode,
      url: s.url,
      demo: ctx.isDemo('evolution'),
      instances: this.p.book.list(Date.now()),
      connections: ctx.links.list().filter((l) => l.id === 'evolution'),
      restError: instances.restError,
      refreshedAt: instances.refreshedAt,
      maxConnections: s.maxConnections,
      overLimit: this.p.links.overLimit,
    };
  }

  metricsNow(): WaMetrics {
    const { stats, ingest, history } = this.p;
    return this.p.metrics.snapshot(Date.now(), {
      accepted: stats.accepted,
      duplicates: stats.duplicates,
      invalid: stats.invalid,
      displayDropped: ingest.limiter.dropped,
      unknownTypes: [...ingest.unknownTypes],
      serverUtcOffsetMin: this.p.clock.offsetMinutes,
      history: { rows: history.approximateRows(), max: history.maxRows, dropped: history.dropped },
    });
  }

  /** Roll the instances' rates and publish those that changed. */
  publishInstances(): void {
    const now = Date.now();
    this.p.book.rollAll(now);
    for (const instance of this.p.book.takeDirty(now)) this.p.ctx.hub.publish('whatsapp.instances', instance);
  }

  publishMetrics(): void {
    this.p.ctx.hub.publish('whatsapp.metrics', this.metricsNow());
  }
}
