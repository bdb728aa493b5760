import { z } from 'zod';
import { Ok } from './common';
import { bounded, channel, command, lossless } from './define';
import { ExecAction, ExecStatus } from './execution-machine';

/**
 * Keyword hub (seed 001, "Omni Keywords Finder"): executions with live progress, keywords,
 * clusters, notifications and performance metrics. Main owns the WebSocket, the request_id
 * correlation, the state machine and the offline queue; see docs/keyword-hub.md.
 */

export * from './execution-machine';

const isHttpUrl = (value: string): boolean => {
  try {
    const u = new URL(value);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname.length > 0;
  } catch {
    return false;
  }
};
export const HttpUrl = z.string().trim().max(2_000).refine(isHttpUrl, 'must be an http(s) URL');

/** The start form (EXECUCAO_INICIAR); the renderer validates with the same schema before sending. */
export const StartInput = z.object({
  blogUrl: HttpUrl,
  categoryId: z.number().int().min(1).max(1_000_000).optional(),
  maxKeywords: z.number().int().min(1).max(10_000).default(100),
  depth: z.number().int().min(1).max(10).default(3),
  timeout: z.number().int().min(1).max(600).default(30),
});
export type StartInput = z.infer<typeof StartInput>;

/** A hub error as received: `code` is the hub's own code (e.g. `EXECUCAO_NAO_ENCONTRADA`), `message` and `recommendation` its own text. */
export const HubError = z.object({
  code: z.string(),
  message: z.string(),
  details: z.unknown().optional(),
  recommendation: z.string().nullable(),
  at: z.number(),
});
export type HubError = z.infer<typeof HubError>;

export const Execution = z.object({
  id: z.string(),
  status: ExecStatus,
  /** Known when this console started it or after EXECUCAO_LISTA; null otherwise. */
  blogUrl: z.string().nullable(),
  categoryId: z.number().nullable(),
  config: z.object({ maxKeywords: z.number(), depth: z.number(), timeout: z.number() }).nullable(),
  progress: z.object({ total: z.number(), current: z.number(), percent: z.number() }),
  keywordsFound: z.number().int(),
  clustersFormed: z.number().int(),
  /** Seconds, as the hub reports them. */
  elapsedSec: z.number(),
  estimatedSec: z.number(),
  startedAt: z.number(),
  updatedAt: z.number(),
  /** True when this console started it. */
  mine: z.boolean(),
  result: z
    .object({ totalKeywords: z.number(), clustersFormed: z.number(), totalTimeSec: z.number(), successRate: z.number(), downloadUrl: z.string().nullable() })
    .nullable(),
  /** EXECUCAO_ERRO: the error and the hub's recommendation. */
  error: HubError.nullable(),
  /** The last refusal of an operator action by the hub (ERRO with a code). */
  refusal: HubError.nullable(),
  /** An action sent and not yet answered (buttons wait). */
  pending: ExecAction.nullable(),
  /**
   * An action the hub neither answered nor showed the effect of within the request timeout:
   * "sent, not confirmed" (not an error); cleared when its effect arrives or the run ends.
   */
  unconfirmed: ExecAction.nullable().default(null),
  /**
   * Not reported by the hub since the link came back: "no news since" this time (its last report).
   * Status and progress are the last known; the next report clears it.
   */
  noNewsSince: z.number().nullable().default(null),
  /** The hub's execucao_id when `id` is an earlier run's history key (`<execucao_id>@<startedAt>`, the hub reused the id). */
  hubId: z.string().nullable().default(null),
});
export type Execution = z.infer<typeof Execution>;

export const Keyword = z.object({
  executionId: z.string(),
  term: z.string(),
  frequency: z.number(),
  relevance: z.number(),
  position: z.number(),
  url: z.string(),
  clusterId: z.string().nullable(),
  at: z.number(),
});
export type Keyword = z.infer<typeof Keyword>;

export const Cluster = z.object({
  executionId: z.string(),
  id: z.string(),
  name: z.string(),
  keywords: z.array(z.string()),
  size: z.number(),
  avgRelevance: z.number(),
  at: z.number(),
});
export type Cluster = z.infer<typeof Cluster>;

export const HubNotification = z.object({
  id: z.string(),
  at: z.number(),
  /** The hub's notification type as sent (`execucao_concluida`, `erro`, `aviso`, `info`, or another). */
  type: z.string(),
  title: z.string(),
  message: z.string(),
  /** Only http(s) links are kept; anything else is shown as text without a link. */
  actionUrl: z.string().nullable(),
  actionType: z.string().nullable(),
});
export type HubNotification = z.infer<typeof HubNotification>;

export const MetricSample = z.object({
  at: z.number(),
  cpu: z.number().nullable(),
  memory: z.number().nullable(),
  responseTime: z.number().nullable(),
  rps: z.number().nullable(),
  activeExecutions: z.number().nullable(),
});
export type MetricSample = z.infer<typeof MetricSample>;

/** Metrics MONITORAMENTO_INICIAR can ask for; `keyword-hub/wire.ts` maps them to the seed's names. */
export const monitorMetrics = ['cpu', 'memory', 'responseTime', 'requestsPerSecond', 'activeExecutions'] as const;
export type MonitorMetric = (typeof monitorMetrics)[number];
/** The seed's notification types (hub codes, kept as sent: the hub may send others). */
export const notificationTypes = ['execucao_concluida', 'erro', 'aviso', 'info'] as const;

export const NotificationPrefs = z.object({
  /** Notification types to receive (the hub's codes, see `notificationTypes`). */
  types: z.array(z.string().min(1).max(60)).min(1).max(20),
  /** The hub's delivery channel name (the seed's `canal`, e.g. `websocket`). */
  channel: z.string().min(1).max(60),
});
export type NotificationPrefs = z.infer<typeof NotificationPrefs>;

export const MonitorConfig = z.object({
  metrics: z.array(z.enum(monitorMetrics)).min(1),
  intervalMs: z.number().int().min(500).max(600_000),
});
export type MonitorConfig = z.infer<typeof MonitorConfig>;

/** A command given while offline, kept in SQLite until sent once or expired. */
export const QueuedCommand = z.object({
  requestId: z.string(),
  event: z.string(),
  executionId: z.string().nullable(),
  summary: z.string(),
  queuedAt: z.number(),
  expiresAt: z.number(),
});
export type QueuedCommand = z.infer<typeof QueuedCommand>;

export const HubHealth = z.object({
  unknownEvents: z.number().int(),
  malformed: z.number().int(),
  refusals: z.number().int(),
  timeouts: z.number().int(),
  staleUpdates: z.number().int(),
  /** Commands that ended "sent, not confirmed" (no answer, no observed effect within the timeout). */
  unconfirmed: z.number().int().default(0),
  lastProblem: z.object({ at: z.number(), message: z.string() }).nullable(),
  /** Last unknown event names (newest first, a few). */
  unknownNames: z.array(z.string()),
});
export type HubHealth = z.infer<typeof HubHealth>;

export const HubStatus = z.object({
  health: HubHealth,
  /** AUTHENTICATION_ERROR seen: renew the token. `tokenExpiresAt` from `token_expira_em`. */
  auth: z.object({ message: z.string(), tokenExpiresAt: z.string().nullable(), recommendation: z.string().nullable(), at: z.number() }).nullable(),
  /** RATE_LIMIT_ERROR: sends wait until then. */
  rateLimitedUntil: z.number().nullable(),
  /** Commands the hub refused for its rate limit, re-sent in order when the window closes. */
  rateLimitedCommands: z.number().int().default(0),
  /** Last TIMEOUT_ERROR/NETWORK_ERROR advice. */
  advice: HubError.nullable(),
  queue: z.array(QueuedCommand),
  prefs: NotificationPrefs,
  monitor: MonitorConfig,
  lastSyncAt: z.number().nullable(),
});
export type HubStatus = z.infer<typeof HubStatus>;

export const ExecutionsState = z.object({
  executions: z.array(Execution),
  notifications: z.array(HubNotification),
  metrics: z.array(MetricSample),
  hub: HubStatus,
});
export type ExecutionsState = z.infer<typeof ExecutionsState>;

const Id = z.string().trim().min(1).max(200);
const Sent = z.discriminatedUnion('queued', [
  /** `confirmed: false`: sent, but neither answered nor seen to take effect within the timeout. */
  z.object({ queued: z.literal(false), executionId: z.string(), status: ExecStatus, confirmed: z.boolean().default(true) }),
  z.object({ queued: z.literal(true), requestId: z.string(), expiresAt: z.number() }),
]);

/** A setting sent to the hub; `confirmed: false` when the hub neither answered nor showed its effect in time (not an error). */
const Confirmed = z.object({ ok: z.literal(true), confirmed: z.boolean() });

export const executionsCommands = {
  'executions.state': command({ input: z.object({}).strict(), output: ExecutionsState, summary: 'Executions, notifications, recent metrics and hub status (no keywords).' }),
  'executions.detail': command({
    input: z.object({ id: Id }),
    output: z.object({ execution: Execution, keywords: z.array(Keyword), clusters: z.array(Cluster) }),
    summary: 'One execution with every keyword and cluster kept for it.',
  }),
  'executions.start': command({ input: StartInput, output: Sent, summary: 'EXECUCAO_INICIAR; answered on EXECUCAO_INICIADA, or queued while offline.' }),
  'executions.control': command({
    input: z.object({ id: Id, action: ExecAction }),
    output: Sent,
    summary: 'EXECUCAO_PAUSAR / RESUMIR / CANCELAR; refused (conflict) when the state machine forbids it; confirmed by an answer or by its effect, else confirmed: false (sent, not confirmed).',
  }),
  'executions.resync': command({ input: z.object({}).strict(), output: z.object({ executions: z.number().int() }), summary: 'Re-sync now: EXECUCAO_LISTAR / EXECUCAO_STATUS while this hub answers them (optional extras, not in seed 001); executions not reported since the link came back show no news.' }),
  'executions.unqueue': command({ input: z.object({ requestId: Id }), output: Ok, summary: 'Drop a command queued while offline.' }),
  'executions.configureNotifications': command({ input: NotificationPrefs, output: Confirmed, summary: 'NOTIFICACAO_CONFIGURAR (also re-sent on every connect).' }),
  'executions.monitor': command({ input: MonitorConfig, output: Confirmed, summary: 'MONITORAMENTO_INICIAR with metrics and interval (also re-sent on every connect).' }),
  'executions.clearNotifications': command({ input: z.object({}).strict(), output: Ok, summary: 'Forget the notifications list.' }),
} as const;

export const executionsChannels = {
  'executions.changed': channel({ schema: Execution, policy: lossless, summary: 'An execution snapshot changed (status, progress, result, error).' }),
  'executions.removed': channel({ schema: z.object({ ids: z.array(z.string()) }), policy: lossless, summary: 'Finished executions main no longer keeps (beyond the newest 500): lists drop them too.' }),
  'executions.keywords': channel({ schema: Keyword, policy: bounded(500), summary: 'KEYWORD_ENCONTRADA (all kept in main and SQLite; the display stream is bounded).' }),
  'executions.clusters': channel({ schema: Cluster, policy: lossless, summary: 'CLUSTER_FORMADO.' }),
  'executions.notifications': channel({ schema: HubNotification, policy: lossless, summary: 'NOTIFICACAO_GERAL.' }),
  'executions.metrics': channel({ schema: MetricSample, policy: bounded(200), summary: 'METRICA_PERFORMANCE samples.' }),
  'executions.hub': channel({ schema: HubStatus, policy: lossless, summary: 'Hub health counters, auth/rate-limit state, offline queue, preferences.' }),
} as const;
