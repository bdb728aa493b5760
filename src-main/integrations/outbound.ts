import { randomUUID } from 'node:crypto';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { ConsoleEventType, Delivery, Webhook, WebhookInput, WebhookStats } from '../contract/integrations';
import type { Storage } from '../core/storage';
import { DeliveryQueue, newEventId, type DeliveryRow, type Outcome, type StoredEvent } from './delivery-queue';
import { signSimple, standardHeaders } from './signing';
import { renderTemplate } from './templates';

/**
 * Outbound webhooks: definitions, the delivery pump over the durable queue, signing, the
 * retry schedule and endpoint health. Independent of the core context (the module wires it)
 * so a plain script can run it — which is how the kill-and-restart test exercises it.
 */

/** Standard Webhooks' schedule: immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h. */
export const RETRY_SCHEDULE_MS = [0, 5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000] as const;
/** ± this share of each delay, so many endpoints failing together do not retry in lockstep. */
export const JITTER = 0.1;
/** Unreachable endpoint (no HTTP answer): probe again after 5 s, doubling, at most 60 s. */
export const PROBE_MS = { first: 5_000, max: 60_000 } as const;
/** 429/502/504 without Retry-After: hold the whole endpoint this long. */
export const SLOW_DOWN_MS = 5_000;
const SLOW_STATUSES = new Set([429, 502, 504]);
const EXCERPT_BYTES = 1_024;
const LOGGED_BODY_CHARS = 4_096;
const SENSITIVE_HEADER = /auth|token|key|secret|cookie|pass/i;

export interface SendRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  signal: AbortSignal;
}
export interface SendResponse {
  status: number;
  retryAfter: string | null;
  excerpt: string;
}
/** Throws `TransportError` when no HTTP answer came back. */
export type Transport = (request: SendRequest) => Promise<SendResponse>;

export class TransportError extends Error {
  constructor(
    readonly kind: 'timeout' | 'network' | 'aborted',
    message: string,
  ) {
    super(message);
  }
}

/** fetch with redirects NOT followed (a redirect is a failure), a timeout and a capped excerpt. */
export const fetchTransport: Transport = async (req) => {
  const timeout = AbortSignal.timeout(req.timeoutMs);
  let res: Response;
  try {
    res = await fetch(req.url, { method: 'POST', headers: req.headers, body: req.body, redirect: 'manual', signal: AbortSignal.any([timeout, req.signal]) });
  } catch (error) {
    if (req.signal.aborted) throw new TransportError('aborted', 'stopped');
    if (timeout.aborted) throw new TransportError('timeout', `timeout after ${req.timeoutMs} ms`);
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new TransportError('network', cause?.code ?? cause?.message ?? (error as Error).message);
  }
  let excerpt = '';
  try {
    const reader = res.body?.getReader();
    if (reader) {
      const chunks: Uint8Array[] = [];
      let size = 0;
      while (size < EXCERPT_BYTES) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(value);
        size += value.length;
      }
      await reader.cancel().catch(() => undefined);
      excerpt = Buffer.concat(chunks).subarray(0, EXCERPT_BYTES).toString('utf8');
    }
  } catch {
    /* the status is what matters; an interrupted body leaves the excerpt short */
  }
  return { status: res.status, retryAfter: res.headers.get('retry-after'), excerpt };
};

const agents = { http: new HttpAgent({ keepAlive: true, maxSockets: 64 }), https: new HttpsAgent({ keepAlive: true, maxSockets: 64 }) };

/**
 * node:http(s) with keep-alive (cheaper per request than fetch at hundreds per second):
 * redirects are never followed, a timeout covers the whole exchange, the excerpt is capped.
 */
export const httpTransport: Transport = (req) =>
  new Promise<SendResponse>((resolve, reject) => {
    let url: URL;
    try {
      url = new URL(req.url);
    } catch {
      return reject(new TransportError('network', 'invalid URL'));
    }
    const secure = url.protocol === 'https:';
    const send = secure ? httpsRequest : httpRequest;
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.signal.removeEventListener('abort', onAbort);
      fn();
    };
    const outgoing = send(url, { method: 'POST', agent: secure ? agents.https : agents.http, headers: { ...req.headers, 'content-length': Buffer.byteLength(req.body) } }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        if (size < EXCERPT_BYTES) chunks.push(chunk);
        size += chunk.length;
      });
      res.on('end', () => {
        const retry = res.headers['retry-after'];
        finish(() => resolve({ status: res.statusCode ?? 0, retryAfter: typeof retry === 'string' ? retry : null, excerpt: Buffer.concat(chunks).subarray(0, EXCERPT_BYTES).toString('utf8') }));
      });
      res.on('error', () => finish(() => resolve({ status: res.statusCode ?? 0, retryAfter: null, excerpt: '' })));
    });
    const timer = setTimeout(() => {
      finish(() => reject(new TransportError('timeout', `timeout after ${req.timeoutMs} ms`)));
      outgoing.destroy();
    }, req.timeoutMs);
    const onAbort = () => {
      finish(() => reject(new TransportError('aborted', 'stopped')));
      outgoing.destroy();
    };
    req.signal.addEventListener('abort', onAbort);
    outgoing.on('error', (error: NodeJS.ErrnoException) => finish(() => reject(new TransportError('network', error.code ?? error.message))));
    outgoing.end(req.body);
  });

/** Seconds or an HTTP date → milliseconds from now (null when absent or unparseable). */
export function parseRetryAfter(value: string | null, now: number): number | null {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

export interface OutboundOptions {
  storage: Storage;
  /** The webhook's signing secret (`whsec_…`), read from the vault on every attempt. */
  secretOf(webhookId: string): string | undefined;
  secretStatus(webhookId: string): { present: boolean; masked: string };
  transport?: Transport;
  now?: () => number;
  random?: () => number;
  settings?: () => { disableAfterHours: number; concurrency: number };
  onWebhook?(webhook: Webhook): void;
  onDelivery?(delivery: Delivery): void;
  /** An endpoint was disabled (410, or failing longer than the span): raise an alert. */
  onDisabled?(webhook: Webhook, reason: string): void;
  /** A delivery settled (journal). */
  onSettled?(delivery: Delivery, webhook: Webhook | undefined): void;
}

type Stored = Omit<Webhook, 'secret'>;

export class Outbound {
  readonly queue: DeliveryQueue;
  private readonly hooks = new Map<string, Stored>();
  private readonly inFlight = new Set<string>();
  private readonly probe = new Map<string, number>();
  /** Slow-down / offline holds per endpoint: new deliveries wait behind them too. */
  private readonly holdUntil = new Map<string, number>();
  private readonly inFlightByHook = new Map<string, number>();
  private readonly controller = new AbortController();
  private readonly transport: Transport;
  private readonly now: () => number;
  private readonly random: () => number;
  private timer: NodeJS.Timeout | null = null;
  private timerAt = 0;
  private pumpQueued = false;
  private running = false;
  private readonly settled = new Set<() => void>();

  constructor(private readonly options: OutboundOptions) {
    this.queue = new DeliveryQueue(options.storage);
    this.transport = options.transport ?? httpTransport;
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    for (const hook of this.queue.loadWebhooks<Stored>()) this.hooks.set(hook.id, hook);
  }

  start(): void {
    this.running = true;
    this.schedulePump();
  }

  /** Stop pumping; in-flight requests are aborted and stay pending (sent again next start). */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.controller.abort();
    if (this.inFlight.size > 0) await new Promise<void>((resolve) => this.settled.add(resolve));
  }

  // ---- definitions ---------------------------------------------------------------------

  list(): Webhook[] {
    return [...this.hooks.values()].map((h) => this.view(h));
  }

  get(id: string): Webhook | undefined {
    const hook = this.hooks.get(id);
    return hook ? this.view(hook) : undefined;
  }

  create(input: WebhookInput, id = `wh_${randomUUID().slice(0, 12)}`): Webhook {
    const now = this.now();
    const hook: Stored = { ...input, id, disabledReason: null, failingSince: null, unreachable: false, createdAt: now, updatedAt: now };
    this.save(hook);
    return this.view(hook);
  }

  update(id: string, input: WebhookInput): Webhook {
    const current = this.require(id);
    const enabling = input.enabled && !current.enabled;
    const hook: Stored = { ...current, ...input, updatedAt: this.now(), ...(input.enabled ? { disabledReason: null } : {}), ...(enabling ? { failingSince: null, unreachable: false } : {}) };
    this.save(hook);
    if (!hook.enabled) this.queue.hold(id, null);
    else this.queue.release(id, this.now());
    this.schedulePump();
    return this.view(hook);
  }

  remove(id: string): void {
    this.require(id);
    this.hooks.delete(id);
    this.queue.deleteWebhook(id, this.now());
  }

  // ---- events --------------------------------------------------------------------------

  /** Accept an event for every enabled webhook subscribed to it (or one webhook). Durable on return. */
  emit(type: ConsoleEventType | string, data: unknown, opts: { webhookId?: string; id?: string } = {}): Delivery[] {
    const targets = opts.webhookId
      ? [this.require(opts.webhookId)].filter((h) => h.enabled)
      : [...this.hooks.values()].filter((h) => h.enabled && (h.events as string[]).includes(type));
    if (targets.length === 0) return [];
    const now = this.now();
    const event: StoredEvent = { id: opts.id ?? newEventId(), type, at: now, data };
    const rows = this.queue.enqueue(event, targets.map((h) => h.id), now);
    for (const h of targets) {
      const until = this.holdUntil.get(h.id);
      if (until !== undefined && until > now) {
        this.queue.hold(h.id, until);
        for (const r of rows) if (r.webhookId === h.id) r.nextAt = until;
      }
    }
    this.schedulePump();
    const out = rows.map((r) => this.toDelivery(r));
    for (const d of out) this.options.onDelivery?.(d);
    return out;
  }

  replay(deliveryId: string): Delivery | null {
    const row = this.queue.replay(deliveryId, this.now());
    if (!row) return null;
    const hook = this.hooks.get(row.webhookId);
    if (hook && !hook.enabled) this.queue.hold(hook.id, null);
    this.schedulePump();
    const d = this.toDelivery(row);
    this.options.onDelivery?.(d);
    return d;
  }

  deliveries(filter: { webhookId?: string | undefined; state?: string | undefined; limit: number }): Delivery[] {
    return this.queue.list(filter).map((r) => this.toDelivery(r));
  }

  stats(): WebhookStats[] {
    return [...this.hooks.keys()].map((id) => {
      const s = this.queue.stats(id);
      const sorted = [...s.durations].sort((a, b) => a - b);
      const pct = (p: number) => (sorted.length ? Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! * 10) / 10 : null);
      return {
        webhookId: id,
        attempts: s.attempts,
        succeeded: s.byState.succeeded ?? 0,
        failed: s.byState.failed ?? 0,
        pending: s.byState.pending ?? 0,
        successRate: s.attempts ? s.ok / s.attempts : null,
        p50Ms: pct(50),
        p95Ms: pct(95),
        lastFailureAt: s.lastFailureAt,
        lastFailure: s.lastFailure,
      };
    });
  }

  /** Resolves when nothing is pending and due (tests, benchmarks). */
  get busy(): number {
    return this.inFlight.size;
  }

  // ---- the pump ------------------------------------------------------------------------

  private schedulePump(): void {
    if (!this.running || this.pumpQueued) return;
    this.pumpQueued = true;
    setImmediate(() => {
      this.pumpQueued = false;
      this.pump();
    });
  }

  private pump(): void {
    if (!this.running) return;
    const now = this.now();
    const limit = this.options.settings?.().concurrency ?? 16;
    const free = limit - this.inFlight.size;
    if (free > 0) {
      for (const row of this.queue.due(now, free, this.inFlight)) {
        // An unreachable endpoint is probed with one request at a time, not the whole backlog.
        if (this.hooks.get(row.webhookId)?.unreachable && (this.inFlightByHook.get(row.webhookId) ?? 0) > 0) continue;
        this.attempt(row);
      }
    }
    const next = this.queue.nextDueAt(this.inFlight);
    if (next === null || next <= now) {
      // Nothing waits, or what is due waits for a free slot: a completion pumps again.
      if (next !== null && this.inFlight.size === 0) this.armTimer(now + 50);
      return;
    }
    this.armTimer(next);
  }

  private armTimer(at: number): void {
    const now = this.now();
    // Re-check at least once a minute (clock changes, long delays).
    const target = Math.min(at, now + 60_000);
    if (this.timer && this.timerAt <= target) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = target;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.pump();
    }, Math.max(0, target - now));
    this.timer.unref?.();
  }

  private attempt(row: DeliveryRow): void {
    this.inFlight.add(row.id);
    this.inFlightByHook.set(row.webhookId, (this.inFlightByHook.get(row.webhookId) ?? 0) + 1);
    void this.deliver(row)
      .catch((error: unknown) => console.error('webhooks: delivery crashed', error))
      .finally(() => {
        this.inFlight.delete(row.id);
        this.inFlightByHook.set(row.webhookId, (this.inFlightByHook.get(row.webhookId) ?? 1) - 1);
        if (this.inFlight.size === 0) {
          for (const done of this.settled) done();
          this.settled.clear();
        }
        this.schedulePump();
      });
  }

  private async deliver(row: DeliveryRow): Promise<void> {
    const hook = this.hooks.get(row.webhookId);
    if (!hook || !hook.enabled) {
      if (hook) this.queue.hold(hook.id, null);
      return;
    }
    const event = this.queue.event(row.eventId);
    const secret = this.options.secretOf(hook.id);
    const at = this.now();
    if (!event || !secret) {
      const error = !event ? 'event missing from the queue' : 'webhook has no signing secret';
      return this.settle(hook, row, { at, url: hook.url, requestHeaders: {}, requestBody: '', status: null, responseExcerpt: '', durationMs: 0, error, ok: false }, 'fatal');
    }
    const body = renderTemplate(hook.template, event);
    const ts = Math.floor(at / 1000);
    const headers: Record<string, string> = {
      ...hook.headers,
      'content-type': 'application/json',
      'user-agent': 'OpsConsole-Webhooks/1.0',
      'x-webhook-event': event.type,
    };
    // A custom header must not override the signature; signing last.
    if (hook.signing !== 'simple') Object.assign(headers, standardHeaders(secret, event.id, ts, body));
    else headers['webhook-id'] = event.id;
    if (hook.signing !== 'standard') headers['x-signature'] = signSimple(secret, body);

    const logged = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, SENSITIVE_HEADER.test(k) ? '••••' : v]));
    const started = performance.now();
    let status: number | null = null;
    let excerpt = '';
    let retryAfter: string | null = null;
    let failure: TransportError | null = null;
    try {
      const res = await this.transport({ url: hook.url, headers, body, timeoutMs: hook.timeoutMs, signal: this.controller.signal });
      ({ status, excerpt, retryAfter } = res);
    } catch (error) {
      failure = error instanceof TransportError ? error : new TransportError('network', (error as Error).message);
    }
    if (failure?.kind === 'aborted') return; // shutting down: stays pending, sent again on restart
    const durationMs = Math.round((performance.now() - started) * 10) / 10;
    const attempt = {
      at,
      url: hook.url,
      requestHeaders: logged,
      requestBody: body.length > LOGGED_BODY_CHARS ? `${body.slice(0, LOGGED_BODY_CHARS)}…` : body,
      status,
      responseExcerpt: excerpt,
      durationMs,
      error: failure ? failure.message : status !== null && (status < 200 || status >= 300) ? `HTTP ${status}${status >= 300 && status < 400 ? ' (redirect: not followed)' : ''}` : null,
      ok: status !== null && status >= 200 && status < 300,
    };
    if (attempt.ok) return this.settle(hook, row, attempt, 'ok');
    if (status === 410) return this.settle(hook, row, attempt, 'gone');
    if (failure?.kind === 'network') return this.settle(hook, row, attempt, 'unreachable');
    return this.settle(hook, row, attempt, 'failed', status !== null && SLOW_STATUSES.has(status) ? (parseRetryAfter(retryAfter, this.now()) ?? SLOW_DOWN_MS) : null);
  }

  private settle(hook: Stored, row: DeliveryRow, attempt: Parameters<DeliveryQueue['finish']>[1], kind: 'ok' | 'gone' | 'unreachable' | 'failed' | 'fatal', slowDownMs: number | null = null): void {
    const now = this.now();
    let outcome: Outcome;
    let next: Stored = hook;
    if (kind === 'ok') {
      outcome = { state: 'succeeded', nextAt: null, failures: row.failures, status: attempt.status, error: null };
      this.holdUntil.delete(hook.id);
      if (hook.unreachable) {
        this.probe.delete(hook.id);
        this.queue.release(hook.id, now); // the network is back: everything waiting goes now
      }
      if (hook.failingSince !== null || hook.unreachable) next = { ...hook, failingSince: null, unreachable: false };
    } else if (kind === 'gone') {
      outcome = { state: 'failed', nextAt: null, failures: row.failures + 1, status: attempt.status, error: attempt.error };
      next = { ...hook, enabled: false, disabledReason: 'gone (HTTP 410)' };
    } else if (kind === 'unreachable') {
      // Offline: not a failure of the endpoint; wait and probe, without spending the schedule.
      const wait = Math.min(PROBE_MS.max, this.probe.get(hook.id) ?? PROBE_MS.first);
      this.probe.set(hook.id, wait * 2);
      outcome = { state: 'pending', nextAt: now + wait, failures: row.failures, status: null, error: attempt.error };
      if (!hook.unreachable) next = { ...hook, unreachable: true };
      this.queue.hold(hook.id, now + wait);
      this.holdUntil.set(hook.id, now + wait);
    } else {
      const failures = row.failures + 1;
      const exhausted = kind === 'fatal' || failures >= RETRY_SCHEDULE_MS.length;
      const delay = exhausted ? 0 : this.jitter(RETRY_SCHEDULE_MS[failures]!);
      const nextAt = exhausted ? null : now + Math.max(delay, slowDownMs ?? 0);
      outcome = { state: exhausted ? 'failed' : 'pending', nextAt, failures, status: attempt.status, error: attempt.error };
      const failingSince = hook.failingSince ?? now;
      next = { ...hook, failingSince, unreachable: false };
      if (slowDownMs !== null) {
        this.queue.hold(hook.id, now + slowDownMs);
        this.holdUntil.set(hook.id, now + slowDownMs);
      }
      const spanMs = (this.options.settings?.().disableAfterHours ?? 120) * 3_600_000;
      if (now - failingSince >= spanMs) next = { ...next, enabled: false, disabledReason: `failing for ${Math.round((now - failingSince) / 60_000)} min` };
    }
    const settled = this.queue.finish(row, { ...attempt }, outcome, now);
    if (next !== hook) {
      next = { ...next, updatedAt: now };
      this.save(next);
      if (!next.enabled && hook.enabled) {
        this.queue.hold(hook.id, null);
        this.options.onDisabled?.(this.view(next), next.disabledReason ?? 'disabled');
      }
    }
    const delivery = this.toDelivery(settled);
    this.options.onDelivery?.(delivery);
    if (settled.state !== 'pending' || kind !== 'ok') this.options.onSettled?.(delivery, this.view(next));
  }

  private jitter(ms: number): number {
    return ms === 0 ? 0 : Math.round(ms * (1 - JITTER + 2 * JITTER * this.random()));
  }

  // ---- helpers -------------------------------------------------------------------------

  private require(id: string): Stored {
    const hook = this.hooks.get(id);
    if (!hook) throw Object.assign(new Error(`no webhook ${id}`), { code: 'invalid-argument' });
    return hook;
  }

  private save(hook: Stored): void {
    this.hooks.set(hook.id, hook);
    this.queue.saveWebhook(hook.id, hook, hook.createdAt);
    this.options.onWebhook?.(this.view(hook));
  }

  private view(hook: Stored): Webhook {
    return { ...hook, secret: this.options.secretStatus(hook.id) };
  }

  private toDelivery(r: DeliveryRow): Delivery {
    return {
      id: r.id,
      webhookId: r.webhookId,
      webhookName: this.hooks.get(r.webhookId)?.name ?? r.webhookId,
      eventId: r.eventId,
      eventType: r.eventType,
      state: r.state,
      attempts: r.attempts,
      nextAt: r.nextAt,
      createdAt: r.createdAt,
      updatedAt: r.updatedAt,
      lastStatus: r.lastStatus,
      lastError: r.lastError,
      replayOf: r.replayOf,
    };
  }
}
