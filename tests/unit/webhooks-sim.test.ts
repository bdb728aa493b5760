import { afterEach, describe, expect, it } from 'vitest';
import {
  FISCAL_EVENTS,
  makeChave,
  makeCnpj,
  makeFiscalPayload,
  startWebhookSender,
  startWebhookSink,
  type WebhookSink,
} from '../../src-main/demo/webhooks-sim';
import { createRandom } from '../../src-main/demo/random';
import { generateSecret, standardHeaders, verifyInbound, type SignatureScheme } from '../../src-main/integrations/signing';

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  await Promise.allSettled(cleanup.splice(0).map((fn) => fn()));
});

async function sink(options: Parameters<typeof startWebhookSink>[0] = {}): Promise<WebhookSink> {
  const started = await startWebhookSink(options);
  cleanup.push(() => started.stop());
  return started;
}

const post = (url: string, body: string, headers: Record<string, string> = {}, signal?: AbortSignal) =>
  fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers }, ...(signal ? { signal } : {}) });

describe('webhook sink', () => {
  it('records every POST and answers 200 by default', async () => {
    const s = await sink();
    const res = await post(`${s.url}/hooks/console?x=1`, '{"a":1}', { 'x-custom': 'sim' });
    expect(res.status).toBe(200);
    expect(s.requests).toHaveLength(1);
    const [req] = s.requests;
    expect(req).toMatchObject({ method: 'POST', path: '/hooks/console?x=1', body: '{"a":1}' });
    expect(req!.headers['x-custom']).toBe('sim');
    expect(req!.receivedAt).toBeGreaterThan(Date.now() - 5_000);
    expect(req!.verified).toBeUndefined();
    // Non-POST requests are answered but not recorded.
    expect((await fetch(s.url)).status).toBe(200);
    expect(s.requests).toHaveLength(1);
  });

  it('plays the script in order, then falls back to 200', async () => {
    const s = await sink();
    s.respondWith({ status: 429, headers: { 'retry-after': '2' }, body: 'devagar' }, { status: 201, body: 'criado' });
    s.failNext(2, 503);
    const answers = [];
    for (let i = 0; i < 5; i++) {
      const res = await post(s.url, `{"i":${i}}`);
      answers.push([res.status, await res.text(), res.headers.get('retry-after')]);
    }
    expect(answers.map((a) => a[0])).toEqual([429, 201, 503, 503, 200]);
    expect(answers[0]).toEqual([429, 'devagar', '2']);
    expect(answers[1]![1]).toBe('criado');
    expect(s.requests.map((r) => r.body)).toEqual(['{"i":0}', '{"i":1}', '{"i":2}', '{"i":3}', '{"i":4}']);
  });

  it('delays an answer so a client timeout can fire, and keeps serving afterwards', async () => {
    const s = await sink();
    s.respondWith({ status: 200, delayMs: 1_000 });
    await expect(post(s.url, '{}', {}, AbortSignal.timeout(100))).rejects.toThrow();
    expect(s.requests).toHaveLength(1); // recorded even though the client gave up
    s.respondWith({ status: 202, delayMs: 50 });
    expect((await post(s.url, '{}')).status).toBe(202);
  });

  it('waitFor resolves when enough requests arrived and rejects on timeout', async () => {
    const s = await sink();
    const waiting = s.waitFor(3, 2_000);
    await Promise.all([post(s.url, '1'), post(s.url, '2'), post(s.url, '3')]);
    expect(await waiting).toHaveLength(3);
    expect(await s.waitFor(2)).toHaveLength(3); // already satisfied
    await expect(s.waitFor(4, 50)).rejects.toThrow(/3\/4/);
  });

  it('reset clears requests and the script; restart keeps requests and the port', async () => {
    const s = await sink();
    s.failNext(5);
    await post(s.url, 'a');
    await s.restart();
    expect(s.requests).toHaveLength(1);
    expect((await post(s.url, 'b')).status).toBe(500); // script survives restart too
    s.reset();
    expect(s.requests).toHaveLength(0);
    expect((await post(s.url, 'c')).status).toBe(200);
    expect(s.requests.map((r) => r.body)).toEqual(['c']);
  });

  it('records whether the Standard Webhooks signature verified', async () => {
    const secret = generateSecret();
    const s = await sink({ secret });
    const body = '{"event":"nfe_importada"}';
    const ts = Math.floor(Date.now() / 1000);
    await post(s.url, body, standardHeaders(secret, 'msg_ok', ts, body));
    await post(s.url, body, standardHeaders(generateSecret(), 'msg_wrong', ts, body));
    await post(s.url, body);
    expect(s.requests.map((r) => [r.verified, r.verifyFailure])).toEqual([
      [true, undefined],
      [false, 'bad-signature'],
      [false, 'missing-headers'],
    ]);
  });
});

describe('webhook sender', () => {
  const schemes: SignatureScheme[] = ['standard', 'simple', 'github', 'stripe'];

  it.each(schemes)('%s: every event it sends verifies with signing.ts verifyInbound', async (scheme) => {
    const s = await sink();
    const secret = scheme === 'standard' ? generateSecret() : 'segredo-do-sistema-fiscal';
    const sender = startWebhookSender({ targetUrl: `${s.url}/integracoes/webhook`, secret, scheme, autoplay: false, seed: 3 });
    cleanup.push(() => sender.stop());
    for (const event of FISCAL_EVENTS) expect((await sender.send(event)).status).toBe(200);

    expect(s.requests).toHaveLength(FISCAL_EVENTS.length);
    for (const req of s.requests) {
      expect(req.path).toBe('/integracoes/webhook');
      expect(verifyInbound(scheme, secret, req.headers, req.body)).toMatchObject({ ok: true, scheme });
      const wrong = scheme === 'standard' ? generateSecret() : `${secret}x`;
      expect(verifyInbound(scheme, wrong, req.headers, req.body).ok).toBe(false);
    }
    expect(s.requests.map((r) => JSON.parse(r.body).event)).toEqual([...FISCAL_EVENTS]);
  });

  it('returns the receiver answer and lets the caller override payload fields', async () => {
    const s = await sink();
    s.respondWith({ status: 401, headers: { 'x-motivo': 'assinatura' }, body: 'assinatura inválida' });
    const sender = startWebhookSender({ targetUrl: s.url, secret: 'x', scheme: 'simple', autoplay: false });
    cleanup.push(() => sender.stop());
    const answer = await sender.send('nfe_importada', { valor: 1234.56, numero: '42' });
    expect(answer).toMatchObject({ status: 401, body: 'assinatura inválida' });
    expect(answer.headers['x-motivo']).toBe('assinatura');
    const payload = JSON.parse(s.requests[0]!.body);
    expect(payload.data).toMatchObject({ valor: 1234.56, numero: '42' });
    expect(s.requests[0]!.headers['x-webhook-event']).toBe('nfe_importada');
  });

  it('autoplays at the configured rate and stops cleanly', async () => {
    const s = await sink();
    const sender = startWebhookSender({ targetUrl: s.url, secret: generateSecret(), scheme: 'standard', ratePerMin: 1_200, seed: 7 });
    cleanup.push(() => sender.stop());
    await s.waitFor(3, 2_000); // mean spacing 50 ms
    await sender.stop();
    const count = s.requests.length;
    await new Promise((r) => setTimeout(r, 150));
    expect(s.requests.length).toBe(count);
    for (const req of s.requests) expect(FISCAL_EVENTS).toContain(JSON.parse(req.body).event);
  });

  it('counts autoplay failures when the receiver is down instead of throwing', async () => {
    const s = await sink();
    await s.stop();
    const sender = startWebhookSender({ targetUrl: s.url, secret: 'x', scheme: 'github', ratePerMin: 3_000 });
    cleanup.push(() => sender.stop());
    await expect.poll(() => sender.errors, { timeout: 2_000 }).toBeGreaterThan(0);
  });
});

describe('fiscal payloads', () => {
  it('are seed-shaped and reproducible for a seed', () => {
    const now = new Date('2024-05-10T12:00:00Z');
    const a = makeFiscalPayload('nfe_importada', createRandom(1), now);
    expect(makeFiscalPayload('nfe_importada', createRandom(1), now)).toEqual(a);
    expect(a).toMatchObject({ event: 'nfe_importada', timestamp: now.toISOString() });
    expect(a.data).toMatchObject({ modelo: '55', situacao: 'Autorizada' });
    expect(typeof a.data.emitente).toBe('string');
    expect(typeof a.data.valor).toBe('number');
    expect(a.data.chave).toMatch(/^\d{2}2405\d{14}55\d{22}$/);
    for (const event of FISCAL_EVENTS) expect(makeFiscalPayload(event, createRandom(2), now).event).toBe(event);
  });

  it('builds CNPJs and access keys with valid check digits', () => {
    const rand = createRandom(9);
    for (let i = 0; i < 50; i++) {
      const cnpj = makeCnpj(rand).replace(/\D/g, '');
      expect(cnpjValid(cnpj)).toBe(true);
      const chave = makeChave('35', new Date('2024-01-15'), cnpj, '57', 1, 123, rand);
      expect(chave).toHaveLength(44);
      expect(chaveValid(chave)).toBe(true);
    }
    // 11.222.333/0001-81: the example CNPJ used throughout Brazilian validator docs.
    expect(cnpjValid('11222333000181')).toBe(true);
    expect(cnpjValid('11222333000182')).toBe(false);
  });
});

function cnpjValid(cnpj: string): boolean {
  const dv = (s: string) => {
    let weight = s.length - 7;
    let sum = 0;
    for (const d of s) {
      sum += Number(d) * weight--;
      if (weight < 2) weight = 9;
    }
    const rest = sum % 11;
    return rest < 2 ? 0 : 11 - rest;
  };
  return dv(cnpj.slice(0, 12)) === Number(cnpj[12]) && dv(cnpj.slice(0, 13)) === Number(cnpj[13]);
}

function chaveValid(chave: string): boolean {
  let sum = 0;
  let weight = 2;
  for (let i = 42; i >= 0; i--) {
    sum += Number(chave[i]) * weight;
    weight = weight === 9 ? 2 : weight + 1;
  }
  const dv = 11 - (sum % 11);
  return (dv >= 10 ? 0 : dv) === Number(chave[43]);
}
