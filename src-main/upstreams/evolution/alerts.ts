import type { WaEvent } from '../../contract/evolution';
import { preview } from '../validate';
import type { StateChange } from './book';
import type { CoreContext } from '../../core/context';
import type { EvolutionConfig } from './config';

export interface EvolutionAlertsDeps {
  ctx: CoreContext;
  config: EvolutionConfig;
}

/**
 * The alerts and desktop notifications WhatsApp events raise: an instance closed or waiting for
 * a QR scan, and the per-event-type rules of the WhatsApp config.
 */

const NOTIFY_EVERY_MS = 5_000;

export class EvolutionAlerts {
  private readonly notified = new Map<string, number>();

  constructor(private readonly p: EvolutionAlertsDeps) {}

  /** An instance's state changed (from a `connection.update` event or from `fetchInstances`). */
  stateChanged(change: StateChange, source: 'event' | 'rest'): void {
    const { ctx, config } = this.p;
    const { name, to } = change;
    if (to === 'open') {
      this.resolveInstance(name);
    } else if (to === 'close' && config.current.closeAlert) {
      ctx.alerts.raise({
        source: 'evolution', severity: config.current.closeSeverity, key: `evolution:instance-close:${name}`,
        title: `WhatsApp ${name}: desconectada / disconnected`,
        text: { key: 'waClosed', params: { instance: name } },
        detail: `connection.update → close${change.statusReason !== null ? ` (statusReason ${change.statusReason})` : ''}${source === 'rest' ? ' — fetchInstances' : ''}`,
        ids: { instance: name }, view: `/whatsapp?instance=${encodeURIComponent(name)}`,
      });
    }
    if (source === 'rest' && change.from !== 'unknown') {
      ctx.journal.record({ upstream: 'evolution', type: 'connection.update', level: to === 'close' ? 'warn' : 'info', ids: { instance: name }, summary: `${name}: state ${to} (fetchInstances)`, raw: null });
    }
  }

  /** The instance's close and QR alerts are over (it is open, or gone). */
  resolveInstance(name: string): void {
    this.p.ctx.alerts.resolve(`evolution:instance-close:${name}`);
    this.p.ctx.alerts.resolve(`evolution:instance-qr:${name}`);
  }

  /** The first QR code of a pairing: the instance waits for someone to scan it. */
  qrNeeded(instance: string): void {
    const { ctx, config } = this.p;
    if (!config.current.qrAlert) return;
    ctx.alerts.raise({
      source: 'evolution', severity: config.current.qrSeverity, key: `evolution:instance-qr:${instance}`,
      title: `WhatsApp ${instance}: aguardando leitura do QR code / needs a QR scan`,
      text: { key: 'waQr', params: { instance } },
      detail: 'Open the instance board and scan the QR code with the number’s WhatsApp.',
      detailText: { key: 'waQr', params: {} },
      ids: { instance }, view: `/whatsapp?instance=${encodeURIComponent(instance)}`,
    });
  }

  /** The event type's rule: an alert, and/or a notification (at most one per type and instance every 5 s). */
  applyRules(event: WaEvent): void {
    const rule = this.p.config.ruleFor(event.event);
    if (!rule || (!rule.alert && !rule.notify)) return;
    if (rule.alert) {
      this.p.ctx.alerts.raise({
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
      this.p.ctx.hub.publish('whatsapp.notify', { event: event.event, instance: event.instance, title: `WhatsApp ${event.instance}: ${event.event}`, body: preview(event.summary, 200), at: event.receivedAt });
    }
  }
}
