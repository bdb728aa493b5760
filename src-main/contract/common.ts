import { z } from 'zod';

/** The upstreams the console connects to (seed numbers in docs/protocols.md). */
export const upstreamIds = ['rpaLogs', 'keywordHub', 'evolution', 'dashboard', 'webhooks'] as const;
export const UpstreamId = z.enum(upstreamIds);
export type UpstreamId = z.infer<typeof UpstreamId>;

export const linkStates = ['idle', 'connecting', 'open', 'reconnecting', 'auth-failed', 'stopped'] as const;
export const LinkState = z.enum(linkStates);
export type LinkState = z.infer<typeof LinkState>;

/** One upstream's connection health, as the connections panel and /api/health show it. */
export const UpstreamStatus = z.object({
  id: UpstreamId,
  /** A sub-connection (an Evolution instance namespace, a webhook receiver…); absent for the main link. */
  link: z.string().optional(),
  state: LinkState,
  since: z.number(),
  url: z.string(),
  lastEventAt: z.number().nullable(),
  events: z.number().int(),
  errors: z.number().int(),
  reconnects: z.number().int(),
  /** Restarts after an internal error escaped the connector (each also counted in `errors` and alerted); Links always set it. */
  restarts: z.number().int().optional(),
  /** The same in English words, for logs, the CLI and /api/health. */
  message: z.string(),
  /** What the link is doing, for the screen to word in its own language. */
  note: z.enum(['idle', 'connecting', 'connected', 'reconnecting', 'retrying', 'auth-failed', 'operator', 'disabled', 'unconfigured']),
  /** The cause or last error in the upstream's (or the network's) own words; never translated. */
  reason: z.string().nullable(),
  /** Reconnect attempt under way (1, 2, …), or 0. */
  attempt: z.number().int(),
  /** When the next attempt is due (ms since epoch), while waiting to retry. */
  retryAt: z.number().nullable(),
  latencyMs: z.number().nullable(),
  demo: z.boolean(),
});
export type UpstreamStatus = z.infer<typeof UpstreamStatus>;

/**
 * Text the console writes itself, as a message key and its parameters (decision 13): screens
 * word it in the operator's language; parameters are names, numbers or an upstream's own words.
 */
export const MessageText = z.object({ key: z.string(), params: z.record(z.string(), z.union([z.string(), z.number()])) });
export type MessageText = z.infer<typeof MessageText>;

/** The shape of seed 000's `teste-conexao` answer, used by every upstream's test. */
export const TestResult = z.object({
  success: z.boolean(),
  /** As the upstream (seed 000's proxy) or main said it, for logs and the CLI. */
  message: z.string(),
  status_code: z.number().int(),
  token_status: z.string(),
  /** When main wrote the message itself: its parts (`testText.<key>`), shown joined with "; " instead of `message`. */
  text: z.array(MessageText).optional(),
  /** When main wrote the token status itself (`testText.<key>`), shown instead of `token_status`. */
  tokenText: MessageText.optional(),
});
export type TestResult = z.infer<typeof TestResult>;

export const severities = ['critical', 'high', 'medium', 'low', 'info'] as const;
export const Severity = z.enum(severities);
export type Severity = z.infer<typeof Severity>;

/** Ids an operator can follow across systems in the event inspector. */
export const EventIds = z.object({
  job: z.string().optional(),
  execution: z.string().optional(),
  instance: z.string().optional(),
  ticket: z.string().optional(),
  project: z.string().optional(),
  webhook: z.string().optional(),
});
export type EventIds = z.infer<typeof EventIds>;

/** One entry of the cross-upstream timeline (the event inspector). */
export const JournalEntry = z.object({
  seq: z.number().int(),
  at: z.number(),
  upstream: UpstreamId.or(z.literal('console')),
  type: z.string(),
  level: z.enum(['info', 'warn', 'error']),
  ids: EventIds,
  summary: z.string(),
  raw: z.unknown(),
});
export type JournalEntry = z.infer<typeof JournalEntry>;

export const Empty = z.object({}).strict();
export const Ok = z.object({ ok: z.literal(true) });
