import { randomUUID } from 'node:crypto';
import type { Attempt, ConsoleEventType, Delivery, Webhook, WebhookStats } from '../contract/integrations';
import type { Storage } from '../core/storage';
import { DeliveryQueue, newEventId, type AttemptRecord, type DeliveryRow, type StoredEvent } from './delivery-queue';
import { sendAttempt } from './outbound/attempt';
import { memoryHeaderVault, WebhookDefinitions, type HeaderVault, type StoredWebhook, type WebhookDraft } from './outbound/definitions';
import { EndpointHealth, type SettleKind } from './outbound/endpoint-health';
import { DeliveryPump } from './outbound/pump';
import { maskLoggedHeaders, signedRequest } from './outbound/signed-request';
import { webhookStats } from './outbound/stats';
import { httpTransport, type Transport } from './outbound/transport';

/**
 * Outbound webhooks: definitions, the delivery pump over the durable queue, signing, the
 * retry schedule and endpoint health. Independent of the core context (the module wires it)
 * so a plain script can run it — which is how the kill-and-restart test exercises it.
 *
 * This file wires the parts, each in `outbound/` (see docs/integrations.md).
 */

export { parseRetryAfter, SLOW_DOWN_MS } from './outbound/attempt';
export { JITTER, PROBE_MS, RETRY_SCHEDULE_MS } from './outbound/endpoint-health';
export { headerSecretName, HeaderValueError, type HeaderVault, type WebhookDraft } from './outbound/definitions';
export { createHttpTransport, fetchTransport, httpTransport, type LookupFn, TransportError, type SendRequest, type SendResponse, type Transport } from './outbound/transport';

export interface OutboundOptions {
  storage: Storage;
  /** The webhook's signing secret (`whsec_…`), read from the vault on every attempt. */
  secretOf(webhookId: string): string | undefined;
  secretStatus(webhookId: string): { present: boolean; masked: string };
  /** Where custom header values live (the app's secret vault); in memory when absent. */
  headerVault?: HeaderVault;
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

export class Outbound {
  readonly queue: DeliveryQueue;
  private readonly hooks: WebhookDefinitions;
  private readonly health: EndpointHealth;
  private readonly pump: DeliveryPump;
  private readonly transport: Transport;
  private readonly now: () => number;

  constructor(private readonly options: OutboundOptions) {
    this.queue = new DeliveryQueue(options.storage);
    this.transport = options.transport ?? httpTransport;
    this.now = options.now ?? Date.now;
    this.hooks = new WebhookDefinitions(this.queue, (id) => options.secretStatus(id), options.headerVault ?? memoryHeaderVault(), options.onWebhook?.bind(options));
    this.health = new EndpointHealth(this.queue, options.random ?? Math.random, () => options.settings?.().disableAfterHours ?? 120);
    this.pump = new DeliveryPump({
      queue: this.queue,
      now: this.now,
      concurrency: () => options.settings?.().concurrency ?? 16,
      isUnreachable: (id) => this.hooks.find(id)?.unreachable === true,
      deliver: (row) => this.deliver(row),
    });
  }

  start(): void {
    this.pump.start();
  }

  /** Stop pumping; in-flight requests are aborted and stay pending (sent again next start). */
  stop(): Promise<void> {
    return this.pump.stop();
  }

  // ---- definitions ---------------------------------------------------------------------

  list(): Webhook[] {
    return this.hooks.all().map((h) => this.hooks.view(h));
  }

  get(id: string): Webhook | undefined {
    const hook = this.hooks.find(id);
    return hook ? this.hooks.view(hook) : undefined;
  }

  create(input: WebhookDraft, id = `wh_${randomUUID().slice(0, 12)}`): Webhook {
    return this.hooks.view(this.hooks.create(input, id, this.now()));
  }

  /** Disabling parks the webhook's pending deliveries; enabling makes them due again. */
  update(id: string, input: WebhookDraft): Webhook {
    const hook = this.hooks.update(id, input, this.now());
    if (!hook.enabled) this.queue.hold(id, null);
    else this.queue.release(id, this.now());
    this.pump.wake();
    return this.hooks.view(hook);
  }

  remove(id: string): void {
    this.hooks.remove(id, this.now());
  }

  // ---- events --------------------------------------------------------------------------

  /** Accept an event for every enabled webhook subscribed to it (or one webhook). Durable on return. */
  emit(type: ConsoleEventType | string, data: unknown, opts: { webhookId?: string; id?: string } = {}): Delivery[] {
    const targets = opts.webhookId
      ? [this.hooks.require(opts.webhookId)].filter((h) => h.enabled)
      : this.hooks.all().filter((h) => h.enabled && (h.events as string[]).includes(type));
    if (targets.length === 0) return [];
    const now = this.now();
    const event: StoredEvent = { id: opts.id ?? newEventId(), type, at: now, data };
    const rows = this.queue.enqueue(event, targets.map((h) => h.id), now);
    for (const h of targets) this.health.holdNew(h.id, rows, now);
    this.pump.wake();
    const out = rows.map((r) => this.toDelivery(r));
    for (const d of out) this.options.onDelivery?.(d);
    return out;
  }

  replay(deliveryId: string): Delivery | null {
    const row = this.queue.replay(deliveryId, this.now());
    if (!row) return null;
    const hook = this.hooks.find(row.webhookId);
    if (hook && !hook.enabled) this.queue.hold(hook.id, null);
    this.pump.wake();
    const d = this.toDelivery(row);
    this.options.onDelivery?.(d);
    return d;
  }

  deliveries(filter: { webhookId?: string | undefined; state?: string | undefined; limit: number }): Delivery[] {
    return this.queue.list(filter).map((r) => this.toDelivery(r));
  }

  /** One delivery's attempts; header values other than ours are masked (older rows too). */
  attempts(deliveryId: string): Attempt[] {
    return this.queue.attempts(deliveryId).map((a) => ({ ...a, requestHeaders: maskLoggedHeaders(a.requestHeaders) }));
  }

  stats(): WebhookStats[] {
    return this.hooks.ids().map((id) => webhookStats(this.queue, id));
  }

  /** Requests in flight (tests, benchmarks). */
  get busy(): number {
    return this.pump.busy;
  }

  // ---- one attempt ---------------------------------------------------------------------

  private async deliver(row: DeliveryRow): Promise<void> {
    const hook = this.hooks.find(row.webhookId);
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
    const request = signedRequest({ ...hook, headers: this.hooks.headerValues(hook) }, event, secret, at);
    const sending = { url: hook.url, headers: request.headers, body: request.body, timeoutMs: hook.timeoutMs, signal: this.pump.signal, allowLinkLocal: hook.allowLinkLocal === true };
    const result = await sendAttempt(this.transport, sending, this.now);
    if (!result) return; // shutting down: stays pending, sent again on restart
    const { answer, verdict } = result;
    const attempt: AttemptRecord = { at, url: hook.url, requestHeaders: request.loggedHeaders, requestBody: request.loggedBody, ...answer };
    return this.settle(hook, row, attempt, verdict.kind, verdict.kind === 'failed' ? verdict.slowDownMs : null);
  }

  /** Commit the attempt and the delivery's new state, store the webhook if it changed, tell the listeners. */
  private settle(hook: StoredWebhook, row: DeliveryRow, attempt: AttemptRecord, kind: SettleKind, slowDownMs: number | null = null): void {
    const now = this.now();
    const judged = this.health.judge(hook, row, attempt, kind, slowDownMs, now);
    let next = judged.next;
    const settled = this.queue.finish(row, { ...attempt }, judged.outcome, now);
    if (next !== hook) {
      next = { ...next, updatedAt: now };
      this.hooks.save(next);
      if (!next.enabled && hook.enabled) {
        this.queue.hold(hook.id, null);
        this.options.onDisabled?.(this.hooks.view(next), next.disabledReason ?? 'disabled');
      }
    }
    const delivery = this.toDelivery(settled);
    this.options.onDelivery?.(delivery);
    if (settled.state !== 'pending' || kind !== 'ok') this.options.onSettled?.(delivery, this.hooks.view(next));
  }

  private toDelivery(r: DeliveryRow): Delivery {
    return {
      id: r.id,
      webhookId: r.webhookId,
      webhookName: this.hooks.find(r.webhookId)?.name ?? r.webhookId,
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
