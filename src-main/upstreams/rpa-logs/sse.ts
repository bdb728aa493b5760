import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { AuthError, type LinkSession } from '../../core/lifecycle';

/**
 * One SSE stream for a Link session. Framing (BOM, CR/LF/CRLF, comments, multi-line data,
 * `id:`, `retry:`) is done by `eventsource-parser` — the parser the `eventsource` package
 * uses — so the console's own lifecycle (backoff, idle timeout, auth-failed) drives
 * reconnection instead of a second, hidden reconnect loop inside an EventSource object.
 */
export interface SseOptions {
  url: string;
  session: LinkSession;
  headers?: Record<string, string>;
  /** Sent as `Last-Event-ID` (omitted when null or empty). */
  lastEventId: string | null;
  onMessage(message: EventSourceMessage): void;
  /** A block's `id:` field (also empty, which clears the resume point). */
  onId(id: string): void;
  onRetry(ms: number): void;
  /** The stream ended or broke after opening. */
  onEnd(reason: string): void;
  fetch?: typeof fetch;
  /** Time to wait for response headers. */
  openTimeoutMs?: number;
}

/** The message an upstream put in its error body (`{"error": "Token JWT não configurado"}`), if any. */
async function bodyMessage(res: Response): Promise<string> {
  try {
    const text = (await res.text()).slice(0, 2_000);
    try {
      const json = JSON.parse(text) as Record<string, unknown>;
      for (const key of ['error', 'message', 'detail']) if (typeof json[key] === 'string') return json[key];
    } catch {
      /* not JSON */
    }
    return text.trim().slice(0, 200);
  } catch {
    return '';
  }
}

/** Resolves once the stream is open (HTTP 200, `text/event-stream`); reads it in the background. */
export async function openSse(options: SseOptions): Promise<void> {
  const { session } = options;
  const headers: Record<string, string> = { Accept: 'text/event-stream', 'Cache-Control': 'no-cache', ...options.headers };
  if (options.lastEventId) headers['Last-Event-ID'] = options.lastEventId;
  // The open timeout covers the wait for response headers only: a fetch signal also governs
  // the body, so a plain AbortSignal.timeout would cut a healthy stream after that time.
  const openTimeoutMs = options.openTimeoutMs ?? 15_000;
  const opening = new AbortController();
  const openTimer = setTimeout(() => opening.abort(), openTimeoutMs);
  const signal = AbortSignal.any([session.signal, opening.signal]);
  let res: Response;
  try {
    res = await (options.fetch ?? fetch)(options.url, { headers, signal, cache: 'no-store', redirect: 'follow' });
  } catch (error) {
    if (opening.signal.aborted && !session.signal.aborted) throw new Error(`no answer from ${new URL(options.url).host} in ${Math.round(openTimeoutMs / 1000)} s`);
    throw new Error(`cannot reach ${new URL(options.url).host}: ${causeOf(error)}`);
  } finally {
    clearTimeout(openTimer);
  }
  if (res.status === 401 || res.status === 403) {
    const message = await bodyMessage(res);
    throw new AuthError(message || `upstream refused the credentials (HTTP ${res.status})`, res.status);
  }
  if (res.status !== 200) {
    const message = await bodyMessage(res);
    throw new Error(`HTTP ${res.status}${message ? `: ${message}` : ''}`);
  }
  const type = res.headers.get('content-type') ?? '';
  if (!/^\s*text\/event-stream\s*(;|$)/i.test(type)) {
    await res.body?.cancel().catch(() => undefined);
    throw new Error(`expected text/event-stream, got ${type || 'no content type'}`);
  }
  if (!res.body) throw new Error('response has no body');

  const parser = createParser({
    onEvent: options.onMessage,
    onId: options.onId,
    onRetry: options.onRetry,
    // A comment is a heartbeat: bytes arrived (activity is also counted per chunk below).
    onComment: () => session.activity(),
    // WHATWG framing: an unknown field or a non-numeric `retry:` is ignored by every EventSource,
    // so it is valid SSE and no link error (seed 000 promises no more than the standard).
    // Only what loses data (a line over the buffer limit) is counted.
    onError: (error) => {
      if (error.type !== 'unknown-field' && error.type !== 'invalid-retry') session.error(`SSE: ${error.message}`);
    },
  });
  const reader = res.body.getReader();
  // A chunk may end inside a UTF-8 sequence: the streaming decoder carries it to the next one.
  const decoder = new TextDecoder('utf-8');
  void (async () => {
    let reason = 'stream ended by the upstream';
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        session.activity();
        parser.feed(decoder.decode(value, { stream: true }));
      }
      const rest = decoder.decode();
      if (rest) parser.feed(rest);
    } catch (error) {
      if (session.signal.aborted) return;
      reason = `stream broken: ${causeOf(error)}`;
    }
    if (!session.signal.aborted) options.onEnd(reason);
  })();
  session.signal.addEventListener('abort', () => void reader.cancel().catch(() => undefined), { once: true });
}

function causeOf(error: unknown): string {
  const e = error as { message?: string; cause?: { code?: string; message?: string } };
  return e.cause?.code ?? e.cause?.message ?? e.message ?? String(error);
}
