import { z } from 'zod';
import { Ok, Severity } from './common';
import { bounded, channel, command, lossless } from './define';
import { isLinkLocalHost } from './link-local';

/**
 * Integrations (seed 003): outbound signed webhooks with a durable delivery queue, the
 * inbound signed-webhook receiver, and scheduled jobs (retention, daily summary).
 */

/** The console events a webhook can subscribe to (docs/integrations.md describes each). */
export const consoleEventTypes = [
  'alert.raised',
  'alert.acknowledged',
  'upstream.down',
  'upstream.up',
  'execution.completed',
  'execution.failed',
  'instance.disconnected',
  'job.error',
  'ticket.critical',
  'inbound.received',
  'daily.summary',
  'webhook.test',
] as const;
export const ConsoleEventType = z.enum(consoleEventTypes);
export type ConsoleEventType = z.infer<typeof ConsoleEventType>;

export const signingModes = ['standard', 'simple', 'both'] as const;
export const templateNames = ['standard', 'seed', 'slack'] as const;
export const inboundSchemes = ['standard', 'simple', 'github', 'stripe'] as const;

const HeaderName = z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/, 'not a valid header name');
const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' });

/**
 * Custom header values are kept in the secret vault and answered masked: `••••` (plus the
 * last 4 characters of a long value). Sending a mask back on an edit keeps the stored value.
 */
export const HEADER_MASK = /^•{4}[\x21-\x7e]{0,4}$/;
export function maskHeaderValue(value: string): string {
  const tail = value.slice(-4);
  // The tail only when it is plain visible ASCII, so every mask matches HEADER_MASK when sent back.
  return `••••${value.length >= 16 && /^[\x21-\x7e]{4}$/.test(tail) ? tail : ''}`;
}
/** Bytes Node accepts in a header value (tab, visible ASCII, Latin-1): no CR, LF, NUL or other controls. */
const HEADER_VALUE_CHARS = /^[\t\x20-\x7e\x80-\xff]*$/;
const HeaderValue = z
  .string()
  .max(2_000)
  .refine((v) => HEADER_VALUE_CHARS.test(v) || HEADER_MASK.test(v), 'header values cannot hold CR, LF, NUL or other control characters');

/** `sha256=<hex>` (GitHub's convention, what most receivers parse) or the bare hex digest. */
export const simpleSignatureFormats = ['sha256', 'hex'] as const;

const WebhookFields = z.object({
  name: z.string().trim().min(1).max(100),
  url: httpUrl,
  events: z.array(ConsoleEventType).min(1, 'choose at least one event'),
  /** Values: the vault keeps them; answers carry masks (see HEADER_MASK). */
  headers: z.record(HeaderName, HeaderValue).default({}),
  timeoutMs: z.number().int().min(500).max(60_000).default(10_000),
  enabled: z.boolean().default(true),
  /** Standard Webhooks headers, the seed's `X-Signature` (HMAC of the body), or both. */
  signing: z.enum(signingModes).default('standard'),
  /** How `X-Signature` is written (simple/both signing). */
  simpleSignature: z.enum(simpleSignatureFormats).default('sha256'),
  template: z.enum(templateNames).default('standard'),
  /** Let this webhook reach link-local / cloud-metadata addresses (169.254.0.0/16, fe80::/10, metadata.google.internal…). */
  allowLinkLocal: z.boolean().default(false),
});

export const WebhookInput = WebhookFields.superRefine((w, ctx) => {
  if (w.allowLinkLocal) return;
  let host = '';
  try {
    host = new URL(w.url).hostname;
  } catch {
    return; // the url field reports it
  }
  if (isLinkLocalHost(host)) {
    ctx.addIssue({ code: 'custom', path: ['url'], message: 'link-local or cloud-metadata address: refused unless "allow link-local" is set for this webhook' });
  }
});
export type WebhookInput = z.infer<typeof WebhookInput>;

export const Webhook = WebhookFields.extend({
  /** Masked values (`••••…`): the real ones never leave main. */
  headers: z.record(z.string(), z.string()),
  id: z.string(),
  /** Never the secret: presence and a mask only. */
  secret: z.object({ present: z.boolean(), masked: z.string() }),
  disabledReason: z.string().nullable(),
  /** First failure since the last success (the failing span that disables an endpoint). */
  failingSince: z.number().nullable(),
  /** No HTTP answer at all (network down): deliveries wait and are probed. */
  unreachable: z.boolean(),
  createdAt: z.number(),
  updatedAt: z.number(),
});
export type Webhook = z.infer<typeof Webhook>;

export const deliveryStates = ['pending', 'succeeded', 'failed'] as const;
export const Delivery = z.object({
  id: z.string(),
  webhookId: z.string(),
  webhookName: z.string(),
  /** The event's id, sent as `webhook-id` on every attempt and replay. */
  eventId: z.string(),
  eventType: z.string(),
  state: z.enum(deliveryStates),
  attempts: z.number().int(),
  nextAt: z.number().nullable(),
  createdAt: z.number(),
  updatedAt: z.number(),
  lastStatus: z.number().int().nullable(),
  lastError: z.string().nullable(),
  replayOf: z.string().nullable(),
});
export type Delivery = z.infer<typeof Delivery>;

export const Attempt = z.object({
  deliveryId: z.string(),
  n: z.number().int(),
  at: z.number(),
  url: z.string(),
  /** Secret-bearing custom header values are masked. */
  requestHeaders: z.record(z.string(), z.string()),
  requestBody: z.string(),
  status: z.number().int().nullable(),
  responseExcerpt: z.string(),
  durationMs: z.number(),
  error: z.string().nullable(),
});
export type Attempt = z.infer<typeof Attempt>;

export const WebhookStats = z.object({
  webhookId: z.string(),
  attempts: z.number().int(),
  succeeded: z.number().int(),
  failed: z.number().int(),
  pending: z.number().int(),
  /** Of the attempts in the log, 0..1; null before the first attempt. */
  successRate: z.number().nullable(),
  p50Ms: z.number().nullable(),
  p95Ms: z.number().nullable(),
  lastFailureAt: z.number().nullable(),
  lastFailure: z.string().nullable(),
});
export type WebhookStats = z.infer<typeof WebhookStats>;

export const InboundSource = z.object({
  /** Also the path: `POST /hooks/<name>`. */
  name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, 'lower-case letters, digits, - and _ (1–40)'),
  scheme: z.enum(inboundSchemes),
  enabled: z.boolean().default(true),
});
export type InboundSource = z.infer<typeof InboundSource>;

export const InboundRule = z.object({
  id: z.string().min(1).max(40),
  /** Event name (`erro_importacao`) or `*`. */
  event: z.string().min(1).max(100),
  /** Optional `data.campo` path and the value it must equal (as text). */
  field: z.string().max(200).default(''),
  equals: z.string().max(500).default(''),
  severity: Severity,
});
export type InboundRule = z.infer<typeof InboundRule>;

export const IntegrationSettings = z.object({
  outbound: z
    .object({
      /** A webhook failing (HTTP errors/timeouts) for this long is disabled with an alert. */
      disableAfterHours: z.number().min(0.01).max(24 * 30).default(120),
      concurrency: z.number().int().min(1).max(64).default(16),
    })
    .prefault({}),
  inbound: z
    .object({
      enabled: z.boolean().default(false),
      bind: z.string().min(1).max(100).default('127.0.0.1'),
      /** 0 picks a free port. */
      port: z.number().int().min(0).max(65_535).default(8787),
      toleranceSec: z.number().int().min(10).max(3_600).default(300),
      maxBodyBytes: z.number().int().min(1_024).max(10 * 1024 * 1024).default(1024 * 1024),
      /** Correctly signed deliveries per source, per minute (the seed's RateLimitMiddleware: 100/min default; ours is per source). */
      rateLimitPerMin: z.number().int().min(1).max(1_000_000).default(600),
      /** Every request per client address per minute, before any signature is checked (unsigned floods spend only this). */
      preAuthPerMin: z.number().int().min(1).max(1_000_000).default(1_200),
      sources: z.array(InboundSource).max(50).default([{ name: 'fiscal', scheme: 'standard', enabled: true }]),
      rules: z.array(InboundRule).max(200).default([{ id: 'erro-importacao', event: 'erro_importacao', field: '', equals: '', severity: 'high' }]),
    })
    .prefault({}),
  schedule: z
    .object({
      /** Local time HH:MM for the daily retention run. */
      retentionAt: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/).default('03:00'),
      deliveryLogDays: z.number().int().min(1).max(3_650).default(30),
      historyDays: z.number().int().min(1).max(3_650).default(90),
      keepErrors: z.boolean().default(true),
      summaryEnabled: z.boolean().default(true),
      summaryAt: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/).default('08:00'),
    })
    .prefault({}),
});
export type IntegrationSettings = z.infer<typeof IntegrationSettings>;

export const InboundEvent = z.object({
  id: z.string(),
  at: z.number(),
  source: z.string(),
  scheme: z.enum(inboundSchemes),
  event: z.string(),
  summary: z.string(),
  level: z.enum(['info', 'warn', 'error']),
  data: z.unknown(),
});
export type InboundEvent = z.infer<typeof InboundEvent>;

export const InboundStatus = z.object({
  enabled: z.boolean(),
  listening: z.boolean(),
  url: z.string(),
  accepted: z.number().int(),
  /** Refusals since start, per reason. */
  refused: z.record(z.string(), z.number().int()),
  /** The last hour's refusals minute by minute (minute start, counts per reason), newest first. */
  refusedPerMinute: z.array(z.object({ at: z.number(), reasons: z.record(z.string(), z.number().int()) })).max(60),
  sources: z.array(InboundSource.extend({ secret: z.object({ present: z.boolean(), masked: z.string() }) })),
  message: z.string(),
});
export type InboundStatus = z.infer<typeof InboundStatus>;

export const DailySummary = z.object({
  at: z.number(),
  from: z.number(),
  to: z.number(),
  eventsByUpstream: z.record(z.string(), z.number().int()),
  alertsBySeverity: z.record(z.string(), z.number().int()),
  deliveries: z.object({ succeeded: z.number().int(), failed: z.number().int(), pending: z.number().int() }),
  inbound: z.number().int(),
  /** Sent to subscribed webhooks only when there was activity (as the seed's report). */
  sent: z.boolean(),
});
export type DailySummary = z.infer<typeof DailySummary>;

export const RetentionResult = z.object({
  at: z.number(),
  deliveries: z.number().int(),
  attempts: z.number().int(),
  journal: z.number().int(),
  alerts: z.number().int(),
  inbound: z.number().int(),
});
export type RetentionResult = z.infer<typeof RetentionResult>;

export const ScheduleStatus = z.object({
  nextRetentionAt: z.number().nullable(),
  nextSummaryAt: z.number().nullable(),
  lastRetention: RetentionResult.nullable(),
  lastSummary: DailySummary.nullable(),
});
export type ScheduleStatus = z.infer<typeof ScheduleStatus>;

const WebhookRef = z.object({ id: z.string().min(1) });
const SecretValue = z.string().min(8).max(500);

export const integrationCommands = {
  'integrations.catalogue': command({
    input: z.object({}),
    output: z.array(z.object({ type: ConsoleEventType, sample: z.unknown() })),
    summary: 'Console events a webhook can subscribe to, each with a sample payload.',
  }),
  'integrations.settings': command({ input: z.object({}), output: IntegrationSettings, summary: 'Outbound, inbound and schedule settings.' }),
  'integrations.saveSettings': command({
    input: z.object({ settings: IntegrationSettings }),
    output: IntegrationSettings,
    privileged: true,
    summary: 'Save integration settings (the receiver restarts on a new bind/port).',
  }),
  'webhooks.list': command({ input: z.object({}), output: z.array(Webhook), summary: 'Outbound webhooks (secrets masked).' }),
  'webhooks.create': command({
    input: z.object({ webhook: WebhookInput, secret: SecretValue.optional() }),
    output: z.object({ webhook: Webhook }),
    privileged: true,
    summary: 'Create a webhook; without a secret one is generated (whsec_…). The value is never returned.',
  }),
  'webhooks.update': command({
    input: z.object({ id: z.string(), webhook: WebhookInput, secret: SecretValue.optional() }),
    output: Webhook,
    privileged: true,
    summary: 'Edit a webhook; enabling it clears a disabled state and its pending deliveries resume.',
  }),
  'webhooks.delete': command({ input: WebhookRef, output: Ok, privileged: true, summary: 'Delete a webhook, its secret and its pending deliveries.' }),
  'webhooks.test': command({ input: WebhookRef, output: Delivery, privileged: true, summary: 'Send a sample `webhook.test` event now.' }),
  'webhooks.dispatch': command({
    input: z.object({ type: ConsoleEventType, data: z.record(z.string(), z.unknown()).default({}), webhookId: z.string().optional() }),
    output: z.array(Delivery),
    privileged: true,
    summary: 'Dispatch a chosen event by hand to its subscribers (or to one webhook).',
  }),
  'webhooks.replay': command({ input: WebhookRef, output: Delivery, privileged: true, summary: 'Deliver a past delivery again (same event id).' }),
  'webhooks.deliveries': command({
    input: z.object({ webhookId: z.string().optional(), state: z.enum(deliveryStates).optional(), limit: z.number().int().min(1).max(2_000).default(200) }),
    output: z.array(Delivery),
    summary: 'The delivery log, newest first.',
  }),
  'webhooks.attempts': command({ input: WebhookRef, output: z.array(Attempt), summary: 'Every attempt of one delivery.' }),
  'webhooks.stats': command({ input: z.object({}), output: z.array(WebhookStats), summary: 'Success rate, p50/p95 latency and last failure per webhook.' }),
  'inbound.status': command({ input: z.object({}), output: InboundStatus, summary: 'The inbound receiver: listening, URL, counters, sources.' }),
  'inbound.setSecret': command({
    input: z.object({ source: z.string(), secret: SecretValue }),
    output: Ok,
    privileged: true,
    summary: 'Set the shared secret of an inbound source (kept in main, never returned).',
  }),
  'inbound.events': command({ input: z.object({ limit: z.number().int().min(1).max(2_000).default(200) }), output: z.array(InboundEvent), summary: 'Accepted inbound events, newest first.' }),
  'schedule.status': command({ input: z.object({}), output: ScheduleStatus, summary: 'Next and last retention and daily-summary runs.' }),
  'schedule.runRetention': command({ input: z.object({}), output: RetentionResult, privileged: true, summary: 'Run the retention clean-up now.' }),
  'schedule.runSummary': command({ input: z.object({}), output: DailySummary, privileged: true, summary: 'Build (and send) the daily summary now.' }),
} as const;

export const integrationChannels = {
  'webhooks.changed': channel({ schema: Webhook, policy: lossless, summary: 'A webhook was created, edited, enabled, disabled or changed health.' }),
  'webhooks.removed': channel({ schema: z.object({ id: z.string() }), policy: lossless, summary: 'A webhook was deleted.' }),
  'webhooks.delivery': channel({ schema: Delivery, policy: bounded(500), summary: 'A delivery was queued or attempted.' }),
  'inbound.events': channel({ schema: InboundEvent, policy: bounded(500), summary: 'A verified inbound webhook was accepted.' }),
  'inbound.status': channel({ schema: InboundStatus, policy: lossless, summary: 'Receiver state or counters changed.' }),
  'integrations.summary': channel({ schema: DailySummary, policy: lossless, summary: 'A daily summary was built.' }),
  'integrations.retention': channel({ schema: RetentionResult, policy: lossless, summary: 'A retention clean-up ran.' }),
} as const;
