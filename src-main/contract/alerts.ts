import { z } from 'zod';
import { EventIds, MessageText, Severity, UpstreamId } from './common';
import { channel, command, lossless } from './define';

/** A playable sound: a path relative to the renderer's origin (`media/sounds/…` or `resources/sounds/…`). */
export const SoundChoice = z.object({
  src: z.string(),
  /** True when this is the bundled severity sound (no soundUrl, or it was unusable). */
  bundled: z.boolean(),
  /** Why the upstream sound was not used (unreachable, not audio, too big…). */
  reason: z.string().optional(),
});
export type SoundChoice = z.infer<typeof SoundChoice>;

export const Alert = z.object({
  id: z.string(),
  /** Same key → same alert: repeats bump `count` instead of stacking up. */
  key: z.string(),
  source: UpstreamId.or(z.literal('console')),
  severity: Severity,
  title: z.string(),
  /**
   * A title the console wrote itself, as a message key: screens word it in the operator's
   * language; `title` (English or the upstream's words) stays for history, webhooks and the CLI.
   */
  text: MessageText.optional(),
  detail: z.string(),
  /** The detail as a message key (`alertDetail.<key>`), when the console wrote it; `detail` stays for history and webhooks. */
  detailText: MessageText.optional(),
  ids: EventIds,
  /** Route that shows what the alert is about (kiosk pre-emption goes there). */
  view: z.string().optional(),
  /** Upstream-provided sound (dashboard `soundUrl`), resolved by main. */
  soundUrl: z.string().optional(),
  /** What the renderer plays, once main resolved `soundUrl` (absent: bundled sound of the severity). */
  sound: SoundChoice.optional(),
  raisedAt: z.number(),
  lastAt: z.number(),
  count: z.number().int(),
  state: z.enum(['active', 'acknowledged', 'snoozed', 'resolved']),
  acknowledgedAt: z.number().nullable(),
  acknowledgedBy: z.string().nullable(),
  snoozedUntil: z.number().nullable(),
});
export type Alert = z.infer<typeof Alert>;


const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM');

/** Alert sound and notification policy (settings section `alerts`). */
export const AlertSettings = z.object({
  sound: z.boolean().default(true),
  /** 0..1 */
  volume: z.number().min(0).max(1).default(0.8),
  /** Severities that make a sound at all. */
  soundSeverities: z.array(Severity).default(['critical', 'high', 'medium', 'low']),
  /** Critical alerts repeat their sound until acknowledged. */
  repeatCritical: z.boolean().default(true),
  repeatEverySec: z.number().int().min(3).max(3_600).default(20),
  /** During quiet hours only these severities sound (alerts still show). */
  quietHours: z
    .object({
      enabled: z.boolean().default(false),
      start: hhmm.default('22:00'),
      end: hhmm.default('07:00'),
      allow: z.array(Severity).default(['critical']),
    })
    .prefault({}),
  /** Desktop notifications when the window is not focused. */
  desktopNotifications: z.boolean().default(true),
  /** Closed alerts older than this are purged from history. */
  historyDays: z.number().int().min(1).max(3_650).default(90),
});
export type AlertSettings = z.infer<typeof AlertSettings>;

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
  'alerts.state': command({ input: z.object({}), output: z.object({ mutedUntil: z.number().nullable() }), summary: 'Current sound mute.' }),
  'alerts.test': command({
    input: z.object({ severity: Severity.default('high'), title: z.string().min(1).max(200).default('Test alert'), soundUrl: z.string().max(2_000).optional(), view: z.string().max(200).optional() }),
    output: Alert,
    privileged: true,
    summary: 'Test panel: raise a console alert (with an optional soundUrl resolved like an upstream one).',
  }),
  'alerts.resolveSound': command({
    input: z.object({ url: z.string().max(2_000), severity: Severity.default('info') }),
    output: SoundChoice,
    summary: 'Fetch and validate a sound URL in main (cached); answers the bundled sound when it is unusable.',
  }),
  'alerts.acknowledgeAll': command({ input: z.object({ by: z.string().max(100).optional() }), output: z.object({ count: z.number().int() }), summary: 'Acknowledge every active alert.' }),
} as const;

export const alertChannels = {
  'alerts.changed': channel({ schema: Alert, policy: lossless, summary: 'An alert was raised, repeated, acknowledged, snoozed or resolved.' }),
  'alerts.mute': channel({ schema: z.object({ mutedUntil: z.number().nullable() }), policy: lossless, summary: 'Sound mute changed.' }),
} as const;

