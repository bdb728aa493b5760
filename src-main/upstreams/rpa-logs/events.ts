import { z } from 'zod';
import type { LogLine } from '../../contract/logs';

/**
 * The upstream's SSE event shapes (a job's log line, or a system event: greeting, upstream
 * error), a fast check for the common case, and the `LogLine` built from an accepted event.
 */

const LogEvent = z.looseObject({
  type: z.literal('log'),
  level: z.string().max(40),
  message: z.string(),
  job_id: z.string().min(1).max(200),
  operadora: z.string().nullish(),
  timestamp: z.string().nullish(),
  service: z.string().nullish(),
  logger: z.string().nullish(),
});
const SystemEvent = z.looseObject({
  type: z.enum(['connection', 'error']),
  message: z.string(),
  timestamp: z.string().nullish(),
  job_id: z.string().max(200).nullish(),
});
export const RpaEvent = z.discriminatedUnion('type', [LogEvent, SystemEvent]);
export type RpaEvent = z.output<typeof RpaEvent>;
const KNOWN = new Set(['type', 'level', 'message', 'job_id', 'operadora', 'timestamp', 'service', 'logger']);

const nullishString = (v: unknown) => v === undefined || v === null || typeof v === 'string';
/**
 * `LogEvent`'s rules as plain checks, for the ingest hot path: zod allocates a result per field
 * and copies the object, a fifth of ingest time (plus its garbage) at 100,000+ lines/s.
 * Whatever this rejects (system events, bad lines) goes through `RpaEvent`, which words the
 * error. tests/unit/rpa-logs-ingest.test.ts holds the two equal.
 */
export function isLogEvent(raw: unknown): raw is RpaEvent {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return false;
  const e = raw as Record<string, unknown>;
  return (
    e.type === 'log' &&
    typeof e.level === 'string' &&
    e.level.length <= 40 &&
    typeof e.message === 'string' &&
    typeof e.job_id === 'string' &&
    e.job_id.length >= 1 &&
    e.job_id.length <= 200 &&
    nullishString(e.operadora) &&
    nullishString(e.timestamp) &&
    nullishString(e.service) &&
    nullishString(e.logger)
  );
}

const EMPTY: Record<string, unknown> = Object.freeze({}) as Record<string, unknown>;

/** The line for an accepted event; `jobId` and `seq` are filled in when the job book files it. */
export function toLogLine(event: RpaEvent, id: string | null, receivedAt: number): LogLine {
  let extra: Record<string, unknown> | null = null;
  // `__proto__` is dropped, as zod drops it (assigning it would set extra's prototype).
  for (const k in event) if (!KNOWN.has(k) && k !== '__proto__') (extra ??= {})[k] = (event as Record<string, unknown>)[k];
  // Built once and kept as is by the ring, the hub and the disk writer (no per-stage copies).
  return {
    jobId: '',
    seq: 0,
    id,
    receivedAt,
    kind: event.type,
    level: event.type === 'log' ? event.level : '',
    message: event.message,
    carrier: (event.type === 'log' && event.operadora) || '',
    service: (event.type === 'log' && event.service) || '',
    logger: (event.type === 'log' && event.logger) || '',
    timestamp: event.timestamp ?? '',
    extra: extra ?? EMPTY,
  };
}
