import { z } from 'zod';
import { Ok, Severity, TestResult, UpstreamStatus } from './common';
import { bounded, channel, command, lossless } from './define';

/**
 * Evolution API v2 (seed 002): WhatsApp instances over socket.io, global (`/`), per instance
 * (`/{instance}`) or both (duplicates dropped). Area name `whatsapp`. See docs/evolution.md.
 */

export const evolutionModes = ['global', 'instance', 'both'] as const;
export const EvolutionMode = z.enum(evolutionModes);
export type EvolutionMode = z.infer<typeof EvolutionMode>;

/** `connection.update` states as Evolution sends them; `unknown` until the first REST row or event. */
export const WaState = z.enum(['open', 'connecting', 'close', 'unknown']);
export type WaState = z.infer<typeof WaState>;

/** One WhatsApp instance as the board shows it. Never carries a token or API key. */
export const WaInstance = z.object({
  name: z.string(),
  id: z.string().nullable(),
  state: WaState,
  /** When `state` last changed (ms since epoch, receive time). */
  stateSince: z.number().nullable(),
  statusReason: z.number().nullable(),
  profileName: z.string().nullable(),
  number: z.string().nullable(),
  /** Latest QR image (`data:image/png;base64,…`) while the instance waits to be paired; null once open. */
  qr: z.object({ base64: z.string(), pairingCode: z.string().nullable(), at: z.number() }).nullable(),
  lastEventAt: z.number().nullable(),
  events: z.number().int(),
  /** Messages (`messages.upsert` + `send.message`) per 15 s bucket, oldest first, last 5 minutes. */
  messageBuckets: z.array(z.number().int()),
  /** Messages in the last 60 s. */
  messagesPerMin: z.number().int(),
  /** Transitions from `open` to `close`/`connecting` seen since the console started. */
  reconnects: z.number().int(),
  /** The instance's websocket config from `GET /websocket/find` (null: never set; undefined: not read). */
  websocket: z.object({ enabled: z.boolean(), events: z.array(z.string()) }).nullable().optional(),
  /** Listed by the last `fetchInstances` (false: only seen in events, or deleted upstream). */
  listed: z.boolean(),
  removed: z.boolean(),
});
export type WaInstance = z.infer<typeof WaInstance>;

/** One event as the stream, history and exports show it (the envelope's `apikey` is never kept). */
export const WaEvent = z.object({
  seq: z.number().int(),
  /** When main received it (ms since epoch). */
  receivedAt: z.number(),
  /** `date_time` exactly as sent (local wall clock with a misleading `Z`). */
  dateTime: z.string().nullable(),
  /** Delivery latency: receive time − date_time corrected by the estimated server UTC offset. */
  latencyMs: z.number().nullable(),
  event: z.string(),
  instance: z.string(),
  /** Which socket delivered it first: the global namespace or the instance's own. */
  via: z.enum(['global', 'instance']),
  sender: z.string().nullable(),
  summary: z.string(),
  data: z.unknown(),
});
export type WaEvent = z.infer<typeof WaEvent>;

export const WaConnection = z.object({
  /** `''` for the global namespace (or, in instance mode, the REST control link). */
  link: z.string(),
  state: z.string(),
  message: z.string(),
  since: z.number(),
  /** Time spent open since the console started (ms), including the current stretch. */
  uptimeMs: z.number(),
  reconnects: z.number().int(),
  /** Waiting for a per-instance namespace the server has not created yet. */
  waitingNamespace: z.boolean(),
});

export const WaMetrics = z.object({
  at: z.number(),
  /** Events per second over the last 10 s, by event type. */
  ratePerType: z.record(z.string(), z.number()),
  /** Events per second, all types, one point per second for the last 120 s (oldest first). */
  rateSeries: z.array(z.number()),
  totals: z.record(z.string(), z.number().int()),
  accepted: z.number().int(),
  duplicates: z.number().int(),
  invalid: z.number().int(),
  /** Not shown live because of the display rate limit (still in history, state, alerts). */
  displayDropped: z.number().int(),
  unknownTypes: z.array(z.string()),
  latency: z.object({ p50: z.number().nullable(), p95: z.number().nullable(), max: z.number().nullable(), samples: z.number().int() }),
  /** Estimated server UTC offset (minutes) behind `date_time`'s fake `Z`. */
  serverUtcOffsetMin: z.number().nullable(),
  /** Reconnects per hour over the last hour, all connections. */
  reconnectsPerHour: z.number(),
  connections: z.array(WaConnection),
  history: z.object({ rows: z.number().int(), max: z.number().int(), dropped: z.number().int() }),
});
export type WaMetrics = z.infer<typeof WaMetrics>;

export const WaRule = z.object({
  /** A dotted event name (`messages.upsert`) or `*`. */
  event: z.string().min(1).max(100),
  alert: z.boolean().default(false),
  notify: z.boolean().default(false),
  hidden: z.boolean().default(false),
  severity: Severity.default('medium'),
});
export type WaRule = z.infer<typeof WaRule>;

/** Kept in `settings.extra.whatsapp`. */
export const WhatsappConfig = z.object({
  /** An instance going to `close` raises an alert, resolved when it is `open` again. */
  closeAlert: z.boolean().default(true),
  closeSeverity: Severity.default('high'),
  /** An instance needing a QR scan raises an alert, resolved when it is `open`. */
  qrAlert: z.boolean().default(true),
  qrSeverity: Severity.default('medium'),
  rules: z.array(WaRule).max(100).default([
    { event: 'logout.instance', alert: true, notify: true, hidden: false, severity: 'high' },
    { event: 'call', alert: false, notify: true, hidden: false, severity: 'low' },
    { event: 'presence.update', alert: false, notify: false, hidden: true, severity: 'info' },
  ]),
  /** Events kept on disk (oldest trimmed). */
  historyRows: z.number().int().min(1_000).max(2_000_000).default(200_000),
  /** Same event on two sockets within this window is one event. */
  dedupeWindowMs: z.number().int().min(100).max(600_000).default(15_000),
});
export type WhatsappConfig = z.infer<typeof WhatsappConfig>;

export const WaSnapshot = z.object({
  mode: EvolutionMode,
  url: z.string(),
  demo: z.boolean(),
  instances: z.array(WaInstance),
  connections: z.array(UpstreamStatus),
  /** Last REST error (`fetchInstances`), null when the last refresh worked. */
  restError: z.string().nullable(),
  refreshedAt: z.number().nullable(),
  maxConnections: z.number().int(),
  /** Instances not connected because of the connection limit. */
  overLimit: z.array(z.string()),
});
export type WaSnapshot = z.infer<typeof WaSnapshot>;

const Target = z.object({ target: z.enum(['global', 'instance', 'all']), instance: z.string().min(1).max(100).optional() });
const HistoryQuery = z.object({
  limit: z.number().int().min(1).max(10_000).default(500),
  /** Events with seq < beforeSeq (older page). */
  beforeSeq: z.number().int().optional(),
  instance: z.string().max(100).optional(),
  event: z.string().max(100).optional(),
  text: z.string().max(200).optional(),
  /** Include event types the configuration hides. */
  includeHidden: z.boolean().default(false),
});
export const whatsappCommands = {
  'whatsapp.snapshot': command({ input: z.object({}).strict(), output: WaSnapshot, summary: 'Mode, instances (board), connection statuses.' }),
  'whatsapp.refresh': command({ input: z.object({}).strict(), output: WaSnapshot, summary: 'Read the instance list again (GET /instance/fetchInstances).' }),
  'whatsapp.connect': command({ input: Target, output: Ok, summary: 'Connect the global socket, one instance namespace, or all instances.' }),
  'whatsapp.disconnect': command({ input: Target, output: Ok, summary: 'Disconnect the global socket, one instance namespace, or all instances.' }),
  'whatsapp.test': command({
    input: z.object({ instance: z.string().min(1).max(100).optional() }),
    output: TestResult,
    summary: 'Test the API (no instance) or one instance: REST state, websocket config, a namespace handshake.',
  }),
  'whatsapp.setMode': command({ input: z.object({ mode: EvolutionMode }), output: Ok, privileged: true, summary: 'Switch between global, per-instance and both.' }),
  'whatsapp.enableWebsocket': command({
    input: z.object({ instance: z.string().min(1).max(100) }),
    output: z.object({ enabled: z.boolean(), events: z.array(z.string()) }),
    privileged: true,
    summary: "Turn on an instance's websocket config (POST /websocket/set/{instance}, all events) so per-instance mode receives it.",
  }),
  'whatsapp.history': command({
    input: HistoryQuery,
    output: z.object({ events: z.array(WaEvent), hasMore: z.boolean() }),
    summary: 'Events from the on-disk history, newest page first (returned oldest first), filtered.',
  }),
  'whatsapp.export': command({
    input: HistoryQuery.extend({ format: z.enum(['ndjson', 'csv']), limit: z.number().int().min(1).max(50_000).default(10_000) }),
    output: z.object({ filename: z.string(), mime: z.string(), content: z.string(), rows: z.number().int() }),
    summary: 'Export filtered history as NDJSON or CSV (no secrets).',
  }),
  'whatsapp.metrics': command({ input: z.object({}).strict(), output: WaMetrics, summary: 'Event rates, uptime, reconnects, delivery latency.' }),
  'whatsapp.config': command({ input: z.object({}).strict(), output: WhatsappConfig, summary: 'Per-event configuration (alert, notify, hidden) and limits.' }),
  'whatsapp.configure': command({ input: WhatsappConfig, output: WhatsappConfig, summary: 'Change the per-event configuration.' }),
} as const;

export const whatsappChannels = {
  'whatsapp.events': channel({ schema: WaEvent, policy: bounded(2_000), summary: 'Live Evolution events (display-rate-limited, hidden types left out).' }),
  'whatsapp.instances': channel({ schema: WaInstance, policy: lossless, summary: 'An instance changed (state, QR, counters); coalesced.' }),
  'whatsapp.metrics': channel({ schema: WaMetrics, policy: lossless, summary: 'Metrics, once a second.' }),
  'whatsapp.notify': channel({
    schema: z.object({ event: z.string(), instance: z.string(), title: z.string(), body: z.string(), at: z.number() }),
    policy: lossless,
    summary: 'An event configured to notify (desktop notification in the renderer).',
  }),
  'whatsapp.mode': channel({ schema: z.object({ mode: EvolutionMode }), policy: lossless, summary: 'Mode changed.' }),
} as const;
