import { describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import {
  generateSecret,
  signatureHeaders,
  signGithub,
  signSimple,
  signStandard,
  signStripe,
  standardHeaders,
  verifyGithub,
  verifyInbound,
  verifySimple,
  verifyStandard,
  verifyStripe,
  type SignatureScheme,
} from '../../src-main/integrations/signing';

const nowSec = () => Math.floor(Date.now() / 1000);

describe('Standard Webhooks', () => {
  // Published vector: standard-webhooks/standard-webhooks,
  // libraries/javascript/src/webhook.test.ts, test "sign function works"
  // (commit 10d3e46d720c4e5861a792bec25792a04ad4e2b3).
  const key = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const msgId = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
  const timestamp = 1614265330;
  const payload = '{"test": 2432232314}';
  const expected = 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=';

  it('matches the reference library test vector', () => {
    expect(signStandard(key, msgId, timestamp, payload)).toBe(expected);
    // The reference library also accepts the secret without its whsec_ prefix.
    expect(signStandard('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', msgId, timestamp, payload)).toBe(expected);
  });

  it('verifies the vector at its own time and classifies the clock checks', () => {
    const headers = { 'webhook-id': msgId, 'webhook-timestamp': String(timestamp), 'webhook-signature': expected };
    expect(verifyStandard(key, headers, payload, { nowSec: timestamp })).toEqual({ ok: true, id: msgId, timestamp });
    expect(verifyStandard(key, headers, payload, { nowSec: timestamp + 301 })).toEqual({ ok: false, reason: 'stale-timestamp' });
    expect(verifyStandard(key, headers, payload, { nowSec: timestamp - 301 })).toEqual({ ok: false, reason: 'future-timestamp' });
    expect(verifyStandard(key, headers, payload, { nowSec: timestamp + 3600, toleranceSec: 7200 }).ok).toBe(true);
  });

  it('rejects tampering, missing headers and partial signatures (cases from the reference tests)', () => {
    const base = { 'webhook-id': msgId, 'webhook-timestamp': String(timestamp), 'webhook-signature': expected };
    const opts = { nowSec: timestamp };
    expect(verifyStandard(key, base, payload + ' ', opts)).toEqual({ ok: false, reason: 'bad-signature' });
    expect(verifyStandard(key, { ...base, 'webhook-id': 'msg_other' }, payload, opts).ok).toBe(false);
    expect(verifyStandard(key, { ...base, 'webhook-timestamp': String(timestamp + 1) }, payload, opts).ok).toBe(false);
    for (const drop of ['webhook-id', 'webhook-timestamp', 'webhook-signature'] as const) {
      const headers: Record<string, string | undefined> = { ...base, [drop]: undefined };
      expect(verifyStandard(key, headers, payload, opts)).toEqual({ ok: false, reason: 'missing-headers' });
    }
    expect(verifyStandard(key, { ...base, 'webhook-timestamp': 'hello' }, payload, opts).ok).toBe(false);
    for (const partial of [expected.slice(0, 8), 'v1,', 'v1,dawfeoifkpqwoekfpqoekf', expected.replace('v1,', 'v2,')]) {
      expect(verifyStandard(key, { ...base, 'webhook-signature': partial }, payload, opts)).toEqual({ ok: false, reason: 'bad-signature' });
    }
  });

  it('accepts a space-separated list where any v1 entry matches (key rotation)', () => {
    // The list shape of the reference "multi sig payload is valid" test.
    const other = 'v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=';
    const signatures = [other, other.replace('v1,', 'v2,'), expected, other].join(' ');
    const headers = { 'webhook-id': msgId, 'webhook-timestamp': String(timestamp), 'webhook-signature': signatures };
    expect(verifyStandard(key, headers, payload, { nowSec: timestamp }).ok).toBe(true);
  });

  it('round-trips with the standardwebhooks library in both directions', () => {
    const secret = generateSecret();
    const wh = new Webhook(secret);
    const body = JSON.stringify({ event: 'nfe_importada', data: { numero: '1234', emitente: 'Açúcar & Café Ltda' } });
    const ts = nowSec();

    // Ours → library.
    expect(() => wh.verify(body, standardHeaders(secret, 'msg_ours', ts, body))).not.toThrow();
    // Library → ours.
    const theirs = wh.sign('msg_theirs', new Date(ts * 1000), body);
    expect(signStandard(secret, 'msg_theirs', ts, body)).toBe(theirs);
    const headers = { 'webhook-id': 'msg_theirs', 'webhook-timestamp': String(ts), 'webhook-signature': theirs };
    expect(verifyStandard(secret, headers, body)).toEqual({ ok: true, id: 'msg_theirs', timestamp: ts });
    // And the library rejects what we reject.
    expect(() => wh.verify(body + 'x', standardHeaders(secret, 'msg_ours', ts, body))).toThrow();
  });

  it('generates whsec_ secrets carrying 24 random bytes', () => {
    const secret = generateSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(24);
    expect(generateSecret()).not.toBe(secret);
  });

  it('refuses a secret that is not base64 (a configuration error, not a bad request)', () => {
    expect(() => signStandard('whsec_not base64!', 'msg', 1, '{}')).toThrow(/whsec_/);
    expect(() => signStandard('whsec_', 'msg', 1, '{}')).toThrow(/whsec_/);
    // Node's base64 decoder would ignore the stray "x" and yield the same key as the vector's.
    expect(() => signStandard(`${key}x`, msgId, timestamp, payload)).toThrow(/whsec_/);
  });
});

describe('GitHub X-Hub-Signature-256', () => {
  // Published vector: GitHub Docs, "Validating webhook deliveries" → "Testing the webhook
  // payload validation" (github/docs content/webhooks/using-webhooks/validating-webhook-deliveries.md).
  const secret = "It's a Secret to Everybody";
  const payload = 'Hello, World!';
  const header = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';

  it('matches the documented vector', () => {
    expect(signGithub(secret, payload)).toBe(header);
    expect(verifyGithub(secret, header, payload)).toBe(true);
    expect(verifyGithub(secret, header, Buffer.from(payload))).toBe(true);
  });

  it('rejects a wrong body, a wrong secret, a bare hex or a malformed value', () => {
    expect(verifyGithub(secret, header, 'Hello, World?')).toBe(false);
    expect(verifyGithub('other', header, payload)).toBe(false);
    expect(verifyGithub(secret, header.slice('sha256='.length), payload)).toBe(false);
    expect(verifyGithub(secret, 'sha256=757107ea', payload)).toBe(false);
    // Buffer.from(hex) would silently truncate at "zz"; a naive check could compare a prefix.
    expect(verifyGithub(secret, `${header.slice(0, -2)}zz`, payload)).toBe(false);
    expect(verifyGithub(secret, undefined, payload)).toBe(false);
  });
});

describe('seed-style simple X-Signature', () => {
  // The seed's scheme is a bare hex HMAC-SHA256 of the body, i.e. GitHub's digest without the
  // prefix, so GitHub's documented vector applies unchanged.
  const secret = "It's a Secret to Everybody";
  const hex = '757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';

  it('signs hex and verifies with or without the sha256= prefix', () => {
    expect(signSimple(secret, 'Hello, World!')).toBe(hex);
    expect(verifySimple(secret, hex, 'Hello, World!')).toBe(true);
    expect(verifySimple(secret, `sha256=${hex}`, 'Hello, World!')).toBe(true);
    expect(verifySimple(secret, hex.toUpperCase(), 'Hello, World!')).toBe(true);
    expect(verifySimple(secret, hex, 'Hello, World')).toBe(false);
    expect(verifySimple(secret, '', 'Hello, World!')).toBe(false);
  });

  // HMAC primitive vectors from stripe/stripe-node test/crypto/helpers.ts (secret 'test_secret'),
  // including an empty body and a non-BMP UTF-8 character.
  it.each([
    ['', 'f7f9bd47fb987337b5796fdc1fdb9ba221d0d5396814bfcaf9521f43fd8927fd'],
    [JSON.stringify({ obj1: 'hello', obj2: 'world' }), 'bebb1a643997f419b315ddba19e6f5411e1ce7f810ba6d3617ce72823092f363'],
    ['\ud83d\ude00', '837da296d05c4fe31f61d5d7ead035099d9585a5bcde87de952012a78f0b0c43'],
  ])('HMAC-SHA256 hex of %j matches stripe-node', (body, digest) => {
    expect(signSimple('test_secret', body)).toBe(digest);
  });
});

describe('Stripe-Signature', () => {
  it('matches a published header vector', () => {
    // typeclasses/stripe, stripe-signature/test/test.hs: secret "secret", t=123, body "hello"
    // → v1 f89c0a0e…6afa (a third-party library's test; Stripe's own SDK tests compute
    // their headers at run time rather than pinning one).
    const header = 't=123,v1=f89c0a0e96fa6304a7ebd5ecaf13bc1beb859577cd7cafb7bdbc43c3bc2f6afa';
    expect(signStripe('secret', 'hello', 123)).toBe(header);
    expect(verifyStripe('secret', header, 'hello', { nowSec: 123 })).toEqual({ ok: true, timestamp: 123 });
    expect(verifyStripe('secret', header, 'hello!', { nowSec: 123 })).toEqual({ ok: false, reason: 'bad-signature' });
    // "accept if *any* of the sigs are valid" (same test file).
    expect(verifyStripe('secret', `t=123,v1=whatever,${header.slice(6)}`, 'hello', { nowSec: 123 }).ok).toBe(true);
  });

  it('parses the header example from Stripe docs (v0 entries are ignored)', () => {
    // Example from https://docs.stripe.com/webhooks (also pinned in typeclasses/stripe's parse test).
    const docs =
      't=1492774577,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd,v0=6ffbb59b2300aae63f272406069a9788598b792a944a07aba816edb039989a39';
    // We do not know the secret behind it: it must parse (→ bad-signature, not missing-headers).
    expect(verifyStripe('whsec_unknown', docs, '{}', { nowSec: 1492774577 })).toEqual({ ok: false, reason: 'bad-signature' });
  });

  // Behaviour cases mirrored from stripe/stripe-node test/Webhook.spec.ts.
  const SECRET = 'whsec_test_secret';
  const PAYLOAD = JSON.stringify({ id: 'evt_test_webhook', object: 'event' }, null, 2);

  it('applies the tolerance around the receive time', () => {
    const receivedAt = 20_000; // stripe-node: receivedAt = 20000000 ms, tolerance 10 s
    const old = signStripe(SECRET, PAYLOAD, receivedAt - 15);
    const fresh = signStripe(SECRET, PAYLOAD, receivedAt - 9);
    expect(verifyStripe(SECRET, old, PAYLOAD, { toleranceSec: 10, nowSec: receivedAt })).toEqual({ ok: false, reason: 'stale-timestamp' });
    expect(verifyStripe(SECRET, fresh, PAYLOAD, { toleranceSec: 10, nowSec: receivedAt }).ok).toBe(true);
    // Our addition: the symmetric check.
    const ahead = signStripe(SECRET, PAYLOAD, receivedAt + 15);
    expect(verifyStripe(SECRET, ahead, PAYLOAD, { toleranceSec: 10, nowSec: receivedAt })).toEqual({ ok: false, reason: 'future-timestamp' });
    // stripe-node skips the check without a tolerance; here that is an explicit Infinity.
    expect(verifyStripe(SECRET, signStripe(SECRET, PAYLOAD, 12345), PAYLOAD, { toleranceSec: Infinity }).ok).toBe(true);
  });

  it('accepts a header with at least one valid v1 and rejects malformed or foreign-scheme headers', () => {
    const header = signStripe(SECRET, PAYLOAD, nowSec());
    expect(verifyStripe(SECRET, `${header},v1=potato`, PAYLOAD).ok).toBe(true);
    expect(verifyStripe(SECRET, "I'm not even a real signature header", PAYLOAD)).toEqual({ ok: false, reason: 'missing-headers' });
    expect(verifyStripe(SECRET, undefined, PAYLOAD)).toEqual({ ok: false, reason: 'missing-headers' });
    expect(verifyStripe(SECRET, '', PAYLOAD)).toEqual({ ok: false, reason: 'missing-headers' });
    expect(verifyStripe(SECRET, header.replace('v1=', 'v0='), PAYLOAD)).toEqual({ ok: false, reason: 'missing-headers' });
    expect(verifyStripe(SECRET, header.replace(/v1=.*/, 'v1=bad_signature'), PAYLOAD)).toEqual({ ok: false, reason: 'bad-signature' });
    // The secret is used verbatim (a trailing space changes the key).
    expect(verifyStripe(`${SECRET} `, header, PAYLOAD).ok).toBe(false);
  });
});

describe('verifyInbound', () => {
  const schemes: SignatureScheme[] = ['standard', 'simple', 'github', 'stripe'];
  const body = JSON.stringify({ event: 'cte_importado', timestamp: '2024-05-01T12:00:00Z', data: { numero: '88' } });

  it.each(schemes)('%s: what signatureHeaders produces verifies; a changed body does not', (scheme) => {
    const secret = scheme === 'standard' ? generateSecret() : 'segredo-compartilhado';
    const ts = nowSec();
    const headers = signatureHeaders(scheme, secret, body, { msgId: 'msg_1', timestampSec: ts });
    const ok = verifyInbound(scheme, secret, headers, body);
    expect(ok).toMatchObject({ ok: true, scheme });
    expect(verifyInbound(scheme, secret, headers, body.replace('88', '89'))).toEqual({ ok: false, scheme, reason: 'bad-signature' });
    expect(verifyInbound(scheme, secret, {}, body)).toEqual({ ok: false, scheme, reason: 'missing-headers' });
  });

  it('reports id and timestamp where the scheme carries them', () => {
    const secret = generateSecret();
    const ts = nowSec();
    expect(verifyInbound('standard', secret, standardHeaders(secret, 'msg_7', ts, body), body)).toEqual({ ok: true, scheme: 'standard', id: 'msg_7', timestamp: ts });
    expect(verifyInbound('stripe', 's', { 'stripe-signature': signStripe('s', body, ts) }, body)).toEqual({ ok: true, scheme: 'stripe', timestamp: ts });
    const gh = { 'x-hub-signature-256': signGithub('s', body), 'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958' };
    expect(verifyInbound('github', 's', gh, body)).toEqual({ ok: true, scheme: 'github', id: gh['x-github-delivery'] });
  });

  it('passes the clock options through and finds headers whatever their case', () => {
    const secret = generateSecret();
    const headers = standardHeaders(secret, 'msg_old', 1_000, body);
    expect(verifyInbound('standard', secret, headers, body, { nowSec: 2_000 })).toEqual({ ok: false, scheme: 'standard', reason: 'stale-timestamp' });
    const mixed = { 'X-Signature': signSimple('s', body) };
    expect(verifyInbound('simple', 's', mixed, body).ok).toBe(true);
  });
});
