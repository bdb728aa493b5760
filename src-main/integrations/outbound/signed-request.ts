import type { Webhook } from '../../contract/integrations';
import type { StoredEvent } from '../delivery-queue';
import { signSimple, standardHeaders } from '../signing';
import { renderTemplate } from '../templates';

/**
 * The request one attempt sends: the body rendered from the stored event (identical on every
 * attempt), the headers with the signature, and the copy that goes into the delivery log
 * (secret-looking header values masked, the body capped).
 */

const LOGGED_BODY_CHARS = 4_096;
const SENSITIVE_HEADER = /auth|token|key|secret|cookie|pass/i;

export interface SignedRequest {
  body: string;
  headers: Record<string, string>;
  /** For the delivery log. */
  loggedHeaders: Record<string, string>;
  loggedBody: string;
}

export function signedRequest(hook: Pick<Webhook, 'headers' | 'signing' | 'template'>, event: StoredEvent, secret: string, at: number): SignedRequest {
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

  const loggedHeaders = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, SENSITIVE_HEADER.test(k) ? '••••' : v]));
  const loggedBody = body.length > LOGGED_BODY_CHARS ? `${body.slice(0, LOGGED_BODY_CHARS)}…` : body;
  return { body, headers, loggedHeaders, loggedBody };
}
