import { maskHeaderValue, type Webhook } from '../../contract/integrations';
import type { StoredEvent } from '../delivery-queue';
import { signSimple, standardHeaders } from '../signing';
import { renderTemplate } from '../templates';

/**
 * The request one attempt sends: the body rendered from the stored event (identical on every
 * attempt), the headers with the signature, and the copy that goes into the delivery log
 * (custom header values masked — they are secrets kept in the vault — the body capped).
 */

const LOGGED_BODY_CHARS = 4_096;
/** Headers this file writes: the only ones the delivery log shows in clear (signatures are not secrets). */
export const OWN_HEADERS = new Set(['content-type', 'user-agent', 'x-webhook-event', 'webhook-id', 'webhook-timestamp', 'webhook-signature', 'x-signature']);

export interface SignedRequest {
  body: string;
  headers: Record<string, string>;
  /** For the delivery log. */
  loggedHeaders: Record<string, string>;
  loggedBody: string;
}

/** `hook.headers` are the real values here (read from the vault by the caller). */
export function signedRequest(hook: Pick<Webhook, 'headers' | 'signing' | 'template'> & Partial<Pick<Webhook, 'simpleSignature'>>, event: StoredEvent, secret: string, at: number): SignedRequest {
  const body = renderTemplate(hook.template, event);
  const ts = Math.floor(at / 1000);
  // Custom names that collide with ours (any case) are dropped: ours are written below.
  const custom = Object.entries(hook.headers).filter(([name]) => !OWN_HEADERS.has(name.toLowerCase()));
  const headers: Record<string, string> = {
    ...Object.fromEntries(custom),
    'content-type': 'application/json',
    'user-agent': 'OpsConsole-Webhooks/1.0',
    'x-webhook-event': event.type,
  };
  // A custom header must not override the signature; signing last.
  if (hook.signing !== 'simple') Object.assign(headers, standardHeaders(secret, event.id, ts, body));
  else headers['webhook-id'] = event.id;
  if (hook.signing !== 'standard') {
    const hex = signSimple(secret, body);
    // `sha256=<hex>` by default (GitHub's convention, what most receivers parse); bare hex on request.
    headers['x-signature'] = hook.simpleSignature === 'hex' ? hex : `sha256=${hex}`;
  }

  const loggedHeaders = maskLoggedHeaders(headers);
  const loggedBody = body.length > LOGGED_BODY_CHARS ? `${body.slice(0, LOGGED_BODY_CHARS)}…` : body;
  return { body, headers, loggedHeaders, loggedBody };
}

/** Every header that is not one of ours is masked (also applied when older log rows are read). */
export function maskLoggedHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, OWN_HEADERS.has(k.toLowerCase()) || HEADER_MASK_RE.test(v) ? v : maskHeaderValue(v)]));
}
const HEADER_MASK_RE = /^•{4}/;
