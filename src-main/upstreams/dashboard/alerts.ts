import type { EventIds, Severity } from '../../contract';
import { severities } from '../../contract/common';
import { lower, type Envelope } from './wire';

/**
 * Seed 004's alert messages as console alerts: severity from `data.severity` (any case) or a
 * per-kind default, the ids for the inspector, the view a kiosk pre-empts to, and the sound
 * URL resolved against the channel's URL (the seed's consumer sends relative ones).
 */

/** Where each alert kind is shown (kiosk pre-emption goes there). */
export const alertViews = { new_ticket_alert: '/wallboard/tickets', project_update_alert: '/wallboard/projects', critical_alert: '/wallboard' } as const;
const defaultSeverity: Record<keyof typeof alertViews, Severity> = { new_ticket_alert: 'medium', project_update_alert: 'medium', critical_alert: 'critical' };

export type AlertMessage = Extract<Envelope, { type: keyof typeof alertViews }>;

export interface WallboardAlert {
  severity: Severity;
  ids: EventIds;
  soundUrl: string | undefined;
}

export function wallboardAlert(msg: AlertMessage, channelUrl: string): WallboardAlert {
  const sev = lower(msg.data.severity);
  const severity: Severity = (severities as readonly unknown[]).includes(sev) ? (sev as Severity) : defaultSeverity[msg.type];
  const ids: EventIds = msg.type === 'new_ticket_alert' ? { ticket: msg.data.id } : msg.type === 'project_update_alert' ? { project: msg.data.id } : {};
  let soundUrl: string | undefined;
  if (msg.data.soundUrl) {
    try {
      soundUrl = new URL(msg.data.soundUrl, channelUrl.replace(/^ws/, 'http')).href;
    } catch {
      soundUrl = msg.data.soundUrl;
    }
  }
  return { severity, ids, soundUrl };
}
