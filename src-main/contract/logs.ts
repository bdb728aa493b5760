import { z } from 'zod';
import { Ok, Severity } from './common';
import { bounded, channel, command, lossless } from './define';

/**
 * Live RPA job logs (seed 000). Lines are filtered by `job_id` in main, kept in a bounded ring
 * per job and fanned out in batches; the renderer opens jobs by fetching pages and then follows
 * `logs.lines`. See docs/logs.md.
 */

export const logKinds = ['log', 'connection', 'error'] as const;

/** One line as the console keeps it: the seed's fields, plus anything else the upstream sent in `extra`. */
export const LogLine = z.object({
  /** `''` for a system line (connection greeting, upstream error) not tied to one job. */
  jobId: z.string(),
  /** Position in the job's buffer (1, 2, 3…), stable across restarts; keys rows and pages. */
  seq: z.number().int(),
  /** The SSE `id:` of the event (null for id-less events such as the greeting). */
  id: z.string().nullable(),
  /** When main received it (ms since epoch). */
  receivedAt: z.number(),
  kind: z.enum(logKinds),
  /** `DEBUG`, `INFO`, `WARNING`, `ERROR`… as sent; `''` for system lines. */
  level: z.string(),
  message: z.string(),
  /** The seed's `operadora`: the carrier the RPA job works for. */
  carrier: z.string(),
  service: z.string(),
  logger: z.string(),
  /** Upstream timestamp text as sent (may be empty, as in the seed's examples). */
  timestamp: z.string(),
  extra: z.record(z.string(), z.unknown()),
});
export type LogLine = z.infer<typeof LogLine>;

export const JobSummary = z.object({
  jobId: z.string(),
  lines: z.number().int(),
  errors: z.number().int(),
  warnings: z.number().int(),
  firstAt: z.number().nullable(),
  lastAt: z.number().nullable(),
  /** Carriers and services seen on this job (at most a few each). */
  carriers: z.array(z.string()),
  services: z.array(z.string()),
  pinned: z.boolean(),
  /** Lines currently held in main's ring (≤ the buffer setting). */
  buffered: z.number().int(),
  oldestSeq: z.number().int(),
  newestSeq: z.number().int(),
  /** No line for longer than the silence rule allows (pinned jobs only). */
  silent: z.boolean(),
});
export type JobSummary = z.infer<typeof JobSummary>;

export const LogAlertRule = z.object({
  /** A job id, or `*` for every job. */
  job: z.string().min(1).max(200),
  level: z.enum(['ERROR', 'WARNING']),
  severity: Severity,
  enabled: z.boolean().default(true),
});
export type LogAlertRule = z.infer<typeof LogAlertRule>;

/** Kept in `settings.extra.logs`. */
export const LogsConfig = z.object({
  rules: z.array(LogAlertRule).max(200).default([{ job: '*', level: 'ERROR', severity: 'medium', enabled: true }]),
  /** A pinned job with no line for this many minutes raises an alert; 0 turns it off. */
  silentMinutes: z.number().int().min(0).max(24 * 60).default(10),
  /** Newest lines per job kept on disk, so they survive a restart. */
  persistLines: z.number().int().min(0).max(20_000).default(2_000),
});
export type LogsConfig = z.infer<typeof LogsConfig>;

const JobId = z.string().trim().min(1).max(200);

export const logsCommands = {
  'logs.jobs': command({ input: z.object({}).strict(), output: z.array(JobSummary), summary: 'Jobs seen (and pinned), newest activity first.' }),
  'logs.page': command({
    input: z.object({
      jobId: JobId,
      /** Lines with seq < beforeSeq (omit for the newest). */
      beforeSeq: z.number().int().optional(),
      limit: z.number().int().min(1).max(20_000).default(5_000),
    }),
    output: z.object({ lines: z.array(LogLine), oldestSeq: z.number().int(), newestSeq: z.number().int(), hasMore: z.boolean() }),
    summary: "A page of one job's buffered lines, oldest first (opening a job, loading older lines).",
  }),
  'logs.pin': command({ input: z.object({ jobId: JobId }), output: Ok, summary: 'Pin a job id (also before it has logs): kept in the picker, watched for silence.' }),
  'logs.unpin': command({ input: z.object({ jobId: JobId }), output: Ok, summary: 'Unpin a job.' }),
  'logs.watch': command({
    input: z.object({ jobIds: z.array(JobId).max(50) }),
    output: Ok,
    summary: 'Jobs this window has open (proxy mode opens one stream per watched or pinned job).',
  }),
  'logs.config': command({ input: z.object({}).strict(), output: LogsConfig, summary: 'Alert rules, silence time and persisted lines per job.' }),
  'logs.configure': command({ input: LogsConfig, output: LogsConfig, summary: 'Change alert rules, silence time and persisted lines per job.' }),
} as const;

export const logsChannels = {
  'logs.lines': channel({ schema: LogLine, policy: bounded(5_000), summary: 'New log lines of every job (batched; overflow counted, reload a page to fill in).' }),
  'logs.jobs': channel({ schema: JobSummary, policy: lossless, summary: 'Job summaries changed (counts, last activity, pin, silence); coalesced.' }),
} as const;
