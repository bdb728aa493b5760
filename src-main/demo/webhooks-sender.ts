import { createHmac, randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import type { SignatureScheme } from '../integrations/signing';
import { createRandom, type Random } from './random';
import { makeFiscalPayload, pickEvent, type FiscalEvent } from './webhooks-fiscal-data';

/**
 * The sending end of seed 003's webhooks: the fiscal system itself, POSTing signed
 * `nfe_importada`… events to the console's inbound receiver.
 *
 * It signs with its own code (the `standardwebhooks` reference library, plain node:crypto for
 * the rest), not with the console's signing.ts, so a passing inbound test is a real
 * interoperability check rather than the console agreeing with itself.
 *
 * Seed-only mode (`seedOnly`) sends exactly what seed 003 documents and nothing of ours: a
 * JSON POST `{"event", "data"}` for one of its five events, signed with HMAC-SHA256 of the
 * body (bare hex; the seed names no header, `X-Signature` is the one header we must pick). No
 * delivery id, no timestamp header, no event header, no user agent of ours — so the receiver
 * can only de-duplicate on the signed body.
 */

export interface WebhookSenderOptions {
  /** The console's inbound receiver URL. */
  targetUrl: string;
  secret: string;
  scheme: SignatureScheme;
  /** Average events per minute while autoplaying (default 6). */
  ratePerMin?: number;
  /** Send on a timer (default true); false = only send() sends. */
  autoplay?: boolean;
  seed?: number;
  /** Speak only what seed 003 documents (see the file comment); `scheme` is then ignored. */
  seedOnly?: boolean;
}

export interface SentWebhook {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** What was sent (tests replay it). */
  request: { headers: Record<string, string>; body: string };
}

export interface WebhookSender {
  /** Sign and POST one event now; `data` overrides fields of the generated payload. */
  send(event: FiscalEvent, data?: Record<string, unknown>): Promise<SentWebhook>;
  /** Deliveries attempted by autoplay that failed to connect (target down). */
  readonly errors: number;
  /** Stop autoplay; resolves once in-flight sends have settled. */
  stop(): Promise<void>;
}

/** Random base62 text, for `msg_…` ids shaped like Standard Webhooks'. */
const base62 = (rand: Random, n: number) =>
  Array.from({ length: n }, () => '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'[rand.int(0, 61)]).join('');

export function startWebhookSender(opts: WebhookSenderOptions): WebhookSender {
  const rand = createRandom(opts.seed);
  const ratePerMin = opts.ratePerMin ?? 6;
  const inFlight = new Set<Promise<unknown>>();
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
  let errors = 0;

  const send = async (event: FiscalEvent, data?: Record<string, unknown>): Promise<SentWebhook> => {
    const payload = makeFiscalPayload(event, rand);
    if (data) Object.assign(payload.data, data);
    const body = JSON.stringify(opts.seedOnly ? { event: payload.event, data: payload.data } : payload);
    const msgId = `msg_${base62(rand, 27)}`;
    const headers: Record<string, string> = opts.seedOnly
      ? { 'content-type': 'application/json', 'x-signature': createHmac('sha256', opts.secret).update(body).digest('hex') }
      : {
          'content-type': 'application/json',
          'user-agent': 'Fiscal-Webhooks/1.0 (demo)',
          'x-webhook-event': event,
          ...senderSignature(opts.scheme, opts.secret, body, msgId),
        };
    const request = fetch(opts.targetUrl, { method: 'POST', headers, body, signal: AbortSignal.timeout(10_000) }).then(
      async (res) => ({ status: res.status, headers: Object.fromEntries(res.headers), body: await res.text(), request: { headers, body } }),
    );
    inFlight.add(request);
    try {
      return await request;
    } finally {
      inFlight.delete(request);
    }
  };

  // Poisson-ish spacing (±50 % around the mean) so a wallboard doesn't tick like a metronome.
  const schedule = () => {
    if (stopped || ratePerMin <= 0) return;
    const meanMs = 60_000 / ratePerMin;
    timer = setTimeout(() => {
      send(pickEvent(rand)).catch(() => errors++);
      schedule();
    }, meanMs * (0.5 + rand.next()));
    timer.unref();
  };
  if (opts.autoplay ?? true) schedule();

  return {
    send,
    get errors() {
      return errors;
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await Promise.allSettled([...inFlight]);
    },
  };
}

/** Independent signer (see the file comment): each scheme as its provider documents it. */
function senderSignature(scheme: SignatureScheme, secret: string, body: string, msgId: string): Record<string, string> {
  const now = new Date();
  const hex = (data: string) => createHmac('sha256', secret).update(data).digest('hex');
  switch (scheme) {
    case 'standard':
      return {
        'webhook-id': msgId,
        'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
        'webhook-signature': new Webhook(secret).sign(msgId, now, body),
      };
    case 'simple':
      return { 'x-signature': hex(body) };
    case 'github':
      return { 'x-hub-signature-256': `sha256=${hex(body)}`, 'x-github-delivery': randomUUID(), 'x-github-event': 'fiscal' };
    case 'stripe': {
      const t = Math.floor(now.getTime() / 1000);
      return { 'stripe-signature': `t=${t},v1=${hex(`${t}.${body}`)}` };
    }
  }
}
