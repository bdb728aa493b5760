/**
 * Webhook signature schemes, as pure functions over node:crypto.
 *
 * - Standard Webhooks v1 (https://www.standardwebhooks.com): what outbound deliveries use.
 * - "simple": the seed's bare hex HMAC-SHA256 of the body in `X-Signature`.
 * - GitHub `X-Hub-Signature-256` and Stripe `Stripe-Signature`, so the inbound receiver
 *   can accept the two formats people most often point at a generic receiver.
 *
 * Every comparison is on decoded bytes with timingSafeEqual; a length mismatch is a plain
 * "no" (timingSafeEqual would throw) and reveals only the length, which is public anyway.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export type SignatureScheme = 'standard' | 'simple' | 'github' | 'stripe';
export type Body = string | Uint8Array;
export type VerifyFailure = 'missing-headers' | 'bad-signature' | 'stale-timestamp' | 'future-timestamp';

export interface VerifyOptions {
  /** Allowed clock difference either way, in seconds (default 300, like the reference libraries). */
  toleranceSec?: number;
  /** "Now" for tests; defaults to the wall clock. */
  nowSec?: number;
}

export type StandardVerifyResult =
  | { ok: true; id: string; timestamp: number }
  | { ok: false; reason: VerifyFailure };

export type InboundVerifyResult =
  | { ok: true; scheme: SignatureScheme; id?: string; timestamp?: number }
  | { ok: false; scheme: SignatureScheme; reason: VerifyFailure };

export const DEFAULT_TOLERANCE_SEC = 300;
const STANDARD_SECRET_PREFIX = 'whsec_';
const HEX_SHA256 = /^[0-9a-f]{64}$/i;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const INTEGER = /^\d{1,15}$/;

// ---- helpers ---------------------------------------------------------------------------

function hmac(key: Uint8Array | string, ...parts: Body[]): Buffer {
  const mac = createHmac('sha256', key);
  for (const part of parts) mac.update(part);
  return mac.digest();
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Buffer.from(x, 'hex') silently truncates at the first bad digit, so validate first. */
function hexBytes(value: string): Buffer | null {
  return HEX_SHA256.test(value) ? Buffer.from(value, 'hex') : null;
}

function nowSeconds(opts: VerifyOptions): number {
  return opts.nowSec ?? Math.floor(Date.now() / 1000);
}

function checkTimestamp(timestamp: number, opts: VerifyOptions): VerifyFailure | null {
  const tolerance = opts.toleranceSec ?? DEFAULT_TOLERANCE_SEC;
  const now = nowSeconds(opts);
  if (now - timestamp > tolerance) return 'stale-timestamp';
  if (timestamp - now > tolerance) return 'future-timestamp';
  return null;
}

/** Case-insensitive header lookup; tolerates callers that did not lower-case names. */
function header(headers: Record<string, string | undefined>, name: string): string | undefined {
  const direct = headers[name];
  if (direct !== undefined) return direct;
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === name) return value;
  return undefined;
}

// ---- Standard Webhooks -----------------------------------------------------------------

/**
 * The HMAC key: base64 after an optional `whsec_` prefix (the reference library accepts both).
 * Strict on purpose: Node's decoder silently drops a stray trailing character, so
 * `whsec_<key>x` would otherwise act as the same key as `whsec_<key>`.
 */
export function standardKey(secret: string): Buffer {
  const raw = secret.startsWith(STANDARD_SECRET_PREFIX) ? secret.slice(STANDARD_SECRET_PREFIX.length) : secret;
  const key = BASE64.test(raw) ? Buffer.from(raw, 'base64') : Buffer.alloc(0);
  if (key.length === 0 || key.toString('base64').replace(/=+$/, '') !== raw.replace(/=+$/, '')) {
    throw new Error('Standard Webhooks secret must be whsec_<base64>');
  }
  return key;
}

/** 24 random bytes (the spec's minimum), serialized the way the spec asks. */
export function generateSecret(): string {
  return STANDARD_SECRET_PREFIX + randomBytes(24).toString('base64');
}

/** `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`. */
export function signStandard(secret: string, msgId: string, timestampSec: number, body: Body): string {
  return `v1,${hmac(standardKey(secret), `${msgId}.${timestampSec}.`, body).toString('base64')}`;
}

export function standardHeaders(
  secret: string,
  msgId: string,
  timestampSec: number,
  body: Body,
): { 'webhook-id': string; 'webhook-timestamp': string; 'webhook-signature': string } {
  return {
    'webhook-id': msgId,
    'webhook-timestamp': String(timestampSec),
    'webhook-signature': signStandard(secret, msgId, timestampSec, body),
  };
}

/**
 * Verify a Standard Webhooks delivery. The signature header is a space-separated list (key
 * rotation); any matching `v1` entry passes, other versions (e.g. asymmetric `v1a`) are skipped.
 * The signature is checked before the timestamp so a forgery is reported as such, not as "old".
 * A non-numeric timestamp counts as a missing header: there is nothing usable to verify.
 */
export function verifyStandard(
  secret: string,
  headers: Record<string, string | undefined>,
  body: Body,
  opts: VerifyOptions = {},
): StandardVerifyResult {
  const id = header(headers, 'webhook-id');
  const ts = header(headers, 'webhook-timestamp');
  const signatures = header(headers, 'webhook-signature');
  if (!id || !ts || !signatures || !INTEGER.test(ts)) return { ok: false, reason: 'missing-headers' };
  const timestamp = Number(ts);

  // Sign the header text exactly as received (not a re-formatted number).
  const expected = hmac(standardKey(secret), `${id}.${ts}.`, body);
  let matched = false;
  for (const entry of signatures.split(' ')) {
    const comma = entry.indexOf(',');
    if (comma < 0 || entry.slice(0, comma) !== 'v1') continue;
    const value = entry.slice(comma + 1);
    if (!BASE64.test(value)) continue;
    // No early exit: keep the work independent of which entry matched.
    if (sameBytes(Buffer.from(value, 'base64'), expected)) matched = true;
  }
  if (!matched) return { ok: false, reason: 'bad-signature' };
  const stale = checkTimestamp(timestamp, opts);
  return stale ? { ok: false, reason: stale } : { ok: true, id, timestamp };
}

// ---- seed-style simple signature -------------------------------------------------------

/** Hex HMAC-SHA256 of the body with the secret's UTF-8 bytes; sent as `X-Signature`. */
export function signSimple(secret: string, body: Body): string {
  return hmac(secret, body).toString('hex');
}

/** Accepts `<hex>` or `sha256=<hex>` (receivers written for GitHub send the prefix). */
export function verifySimple(secret: string, signature: string | undefined, body: Body): boolean {
  if (!signature) return false;
  const value = signature.trim().replace(/^sha256=/i, '');
  const given = hexBytes(value);
  return given !== null && sameBytes(given, hmac(secret, body));
}

// ---- GitHub ----------------------------------------------------------------------------

/** `sha256=<hex HMAC-SHA256 of the body>`, the `X-Hub-Signature-256` value. */
export function signGithub(secret: string, body: Body): string {
  return `sha256=${signSimple(secret, body)}`;
}

export function verifyGithub(secret: string, signatureHeader: string | undefined, body: Body): boolean {
  if (!signatureHeader?.startsWith('sha256=')) return false;
  const given = hexBytes(signatureHeader.slice('sha256='.length));
  return given !== null && sameBytes(given, hmac(secret, body));
}

// ---- Stripe ----------------------------------------------------------------------------

/**
 * `t=<ts>,v1=<hex HMAC-SHA256 of "{t}.{body}">`. Stripe keys the HMAC with the whole secret
 * string, `whsec_` prefix included (unlike Standard Webhooks, which base64-decodes it).
 */
export function signStripe(secret: string, body: Body, timestampSec: number): string {
  return `t=${timestampSec},v1=${hmac(secret, `${timestampSec}.`, body).toString('hex')}`;
}

export type StripeVerifyResult = { ok: true; timestamp: number } | { ok: false; reason: VerifyFailure };

/**
 * Verify `Stripe-Signature`: any `v1` entry may match (Stripe sends several while a secret is
 * rolled); `v0` and unknown entries are ignored. Unlike Stripe's SDKs, which only reject old
 * timestamps, a timestamp too far in the future is rejected too, for parity with Standard
 * Webhooks. Pass `toleranceSec: Infinity` to skip the time check.
 */
export function verifyStripe(
  secret: string,
  signatureHeader: string | undefined,
  body: Body,
  opts: VerifyOptions = {},
): StripeVerifyResult {
  if (!signatureHeader) return { ok: false, reason: 'missing-headers' };
  let ts: string | undefined;
  const candidates: string[] = [];
  for (const item of signatureHeader.split(',')) {
    const eq = item.indexOf('=');
    if (eq < 0) continue;
    const key = item.slice(0, eq).trim();
    const value = item.slice(eq + 1).trim();
    if (key === 't') ts = value;
    else if (key === 'v1') candidates.push(value);
  }
  if (!ts || !INTEGER.test(ts) || candidates.length === 0) return { ok: false, reason: 'missing-headers' };

  const expected = hmac(secret, `${ts}.`, body);
  let matched = false;
  for (const candidate of candidates) {
    const given = hexBytes(candidate);
    if (given && sameBytes(given, expected)) matched = true;
  }
  if (!matched) return { ok: false, reason: 'bad-signature' };
  const timestamp = Number(ts);
  const stale = checkTimestamp(timestamp, opts);
  return stale ? { ok: false, reason: stale } : { ok: true, timestamp };
}

// ---- both directions, any scheme ------------------------------------------------------

/**
 * The headers a sender adds for `scheme` (names lower case). `msgId` only matters for
 * Standard Webhooks; `timestampSec` for Standard Webhooks and Stripe.
 */
export function signatureHeaders(
  scheme: SignatureScheme,
  secret: string,
  body: Body,
  meta: { msgId: string; timestampSec: number },
): Record<string, string> {
  switch (scheme) {
    case 'standard':
      return standardHeaders(secret, meta.msgId, meta.timestampSec, body);
    case 'simple':
      return { 'x-signature': signSimple(secret, body) };
    case 'github':
      return { 'x-hub-signature-256': signGithub(secret, body) };
    case 'stripe':
      return { 'stripe-signature': signStripe(secret, body, meta.timestampSec) };
  }
}

/**
 * One entry point for the inbound receiver: `headers` as Node gives them (lower-case names).
 * Schemes without a signed timestamp (simple, GitHub) cannot detect replays; `id` is then
 * whatever delivery id the sender provides (`x-github-delivery`), for de-duplication.
 * Throws only for a configuration error: a 'standard' secret that is not `whsec_<base64>`.
 */
export function verifyInbound(
  scheme: SignatureScheme,
  secret: string,
  headers: Record<string, string | undefined>,
  body: Body,
  opts: VerifyOptions = {},
): InboundVerifyResult {
  const fail = (reason: VerifyFailure): InboundVerifyResult => ({ ok: false, scheme, reason });
  switch (scheme) {
    case 'standard': {
      const result = verifyStandard(secret, headers, body, opts);
      return result.ok ? { ok: true, scheme, id: result.id, timestamp: result.timestamp } : fail(result.reason);
    }
    case 'simple': {
      const signature = header(headers, 'x-signature');
      if (!signature) return fail('missing-headers');
      return verifySimple(secret, signature, body) ? { ok: true, scheme } : fail('bad-signature');
    }
    case 'github': {
      const signature = header(headers, 'x-hub-signature-256');
      if (!signature) return fail('missing-headers');
      if (!verifyGithub(secret, signature, body)) return fail('bad-signature');
      const id = header(headers, 'x-github-delivery');
      return id ? { ok: true, scheme, id } : { ok: true, scheme };
    }
    case 'stripe': {
      const result = verifyStripe(secret, header(headers, 'stripe-signature'), body, opts);
      return result.ok ? { ok: true, scheme, timestamp: result.timestamp } : fail(result.reason);
    }
  }
}
