import { z } from 'zod';
import { EventIds, Severity, UpstreamId } from './common';
import { channel, command, lossless } from './define';

export const Alert = z.object({
  id: z.string(),
  /** Same key → same alert: repeats bump `count` instead of stacking up. */
  key: z.string(),
  source: UpstreamId.or(z.literal('console')),
  severity: Severity,
  title: z.string(),
  detail: z.string(),
  ids: EventIds,
  /** Route that shows what the alert is about (kiosk pre-emption goes there). */
  view: z.string().optional(),
  /** Upstream-provided sound (dashboard `soundUrl`), resolved by main. */
  soundUrl: z.string().optional(),
  raisedAt: z.number(),
  lastAt: z.number(),
  count: z.number().int(),
  state: z.enum(['active', 'acknowledged', 'snoozed', 'resolved']),
  acknowledgedAt: z.number().nullable(),
  acknowledgedBy: z.string().nullable(),
  snoozedUntil: z.number().nullable(),
});
export type Alert = z.infer<typeof Alert>;

export const alertCommands = {
  'alerts.list': command({
    input: z.object({ includeClosed: z.boolean().default(false), limit: z.number().int().min(1).max(5_000).default(500) }),
    output: z.array(Alert),
    summary: 'Active (and optionally past) alerts, newest first; history is kept on disk.',
  }),
  'alerts.acknowledge': command({ input: z.object({ id: z.string(), by: z.string().max(100).optional() }), output: Alert, summary: 'Acknowledge an alert (time and who are kept).' }),
  'alerts.snooze': command({ input: z.object({ id: z.string(), minutes: z.number().int().min(1).max(24 * 60) }), output: Alert, summary: 'Hide an alert for a while; it returns if still active.' }),
  'alerts.mute': command({
    input: z.object({ minutes: z.number().int().min(0).max(24 * 60) }),
    output: z.object({ mutedUntil: z.number().nullable() }),
    summary: 'Silence alert sounds for a period (0 unmutes); alerts still show.',
  }),
} as const;

export const alertChannels = {
  'alerts.changed': channel({ schema: Alert, policy: lossless, summary: 'An alert was raised, repeated, acknowledged, snoozed or resolved.' }),
  'alerts.mute': channel({ schema: z.object({ mutedUntil: z.number().nullable() }), policy: lossless, summary: 'Sound mute changed.' }),
} as const;

