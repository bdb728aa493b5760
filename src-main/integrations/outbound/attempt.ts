import { TransportError, type SendRequest, type Transport } from './transport';

/**
 * One attempt: send the request, time it, and classify what came back — 2xx success; 410
 * gone; no HTTP answer at all (refused, DNS, reset) unreachable; anything else (3xx, since
 * redirects are never followed, other 4xx/5xx, timeouts) a failure, where 429/502/504 also
 * ask to slow the whole endpoint down for `Retry-After`.
 */

/** 429/502/504 without Retry-After: hold the whole endpoint this long. */
export const SLOW_DOWN_MS = 5_000;
const SLOW_STATUSES = new Set([429, 502, 504]);

/** What the delivery log keeps of the answer. */
export interface Answer {
  status: number | null;
  responseExcerpt: string;
  durationMs: number;
  error: string | null;
  ok: boolean;
}

export type Verdict = { kind: 'ok' | 'gone' | 'unreachable' } | { kind: 'failed'; slowDownMs: number | null };

/** Seconds or an HTTP date → milliseconds from now (null when absent or unparseable). */
export function parseRetryAfter(value: string | null, now: number): number | null {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** Resolves null when the attempt was aborted (shutting down): the delivery stays pending. */
export async function sendAttempt(transport: Transport, request: SendRequest, now: () => number): Promise<{ answer: Answer; verdict: Verdict } | null> {
  const started = performance.now();
  let status: number | null = null;
  let excerpt = '';
  let retryAfter: string | null = null;
  let failure: TransportError | null = null;
  try {
    ({ status, excerpt, retryAfter } = await transport(request));
  } catch (error) {
    failure = error instanceof TransportError ? error : new TransportError('network', (error as Error).message);
  }
  if (failure?.kind === 'aborted') return null;
  const durationMs = Math.round((performance.now() - started) * 10) / 10;
  const ok = status !== null && status >= 200 && status < 300;
  const answer: Answer = {
    status,
    responseExcerpt: excerpt,
    durationMs,
    error: failure ? failure.message : status !== null && !ok ? `HTTP ${status}${status >= 300 && status < 400 ? ' (redirect: not followed)' : ''}` : null,
    ok,
  };
  return { answer, verdict: classify(status, failure, retryAfter, now) };
}

function classify(status: number | null, failure: TransportError | null, retryAfter: string | null, now: () => number): Verdict {
  if (status !== null && status >= 200 && status < 300) return { kind: 'ok' };
  if (status === 410) return { kind: 'gone' };
  if (failure?.kind === 'network') return { kind: 'unreachable' };
  return { kind: 'failed', slowDownMs: status !== null && SLOW_STATUSES.has(status) ? (parseRetryAfter(retryAfter, now()) ?? SLOW_DOWN_MS) : null };
}
