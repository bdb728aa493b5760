import type { ConsoleEventType } from '../contract/integrations';
import { describeEvent } from './catalogue';
import type { StoredEvent } from './delivery-queue';

/**
 * Payload templates. The body is rendered from the stored event at each attempt and is the
 * same every time (deterministic), so a redelivery carries identical bytes and the same id.
 *
 * - `standard`: Standard Webhooks' recommended envelope `{type, timestamp, data}`.
 * - `seed`: the fiscal system's envelope `{event, timestamp, data}` (seed 003), for receivers
 *   written against it.
 * - `slack`: a Slack-style incoming-webhook message (`text` + one coloured attachment).
 */
export type TemplateName = 'standard' | 'seed' | 'slack';

const colours: Partial<Record<ConsoleEventType, string>> = {
  'alert.raised': '#dc2626',
  'upstream.down': '#f97316',
  'execution.failed': '#dc2626',
  'instance.disconnected': '#f97316',
  'job.error': '#dc2626',
  'ticket.critical': '#dc2626',
  'upstream.up': '#22c55e',
  'execution.completed': '#22c55e',
  'alert.acknowledged': '#38bdf8',
};

const severityColour: Record<string, string> = { critical: '#dc2626', high: '#f97316', medium: '#eab308', low: '#3b82f6', info: '#38bdf8' };

export function renderTemplate(template: TemplateName, event: StoredEvent): string {
  const timestamp = new Date(event.at).toISOString();
  const data = (event.data ?? {}) as Record<string, unknown>;
  switch (template) {
    case 'standard':
      return JSON.stringify({ type: event.type, timestamp, data });
    case 'seed':
      return JSON.stringify({ event: event.type, timestamp, data });
    case 'slack': {
      const text = describeEvent(event.type, data);
      const fields = Object.entries(data)
        .filter(([, v]) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')
        .slice(0, 8)
        .map(([title, value]) => ({ title, value: String(value).slice(0, 300), short: String(value).length < 40 }));
      const colour = (typeof data.severity === 'string' && severityColour[data.severity]) || colours[event.type as ConsoleEventType] || '#8a9bb0';
      return JSON.stringify({
        text,
        attachments: [{ color: colour, title: event.type, text, fields, footer: 'Ops Console', ts: Math.floor(event.at / 1000) }],
      });
    }
  }
}
