import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import type { WaEvent } from '../../src-main/contract/evolution';
import { Storage } from '../../src-main/core/storage';
import { evolutionDateTime } from '../../src-main/demo/evolution-data';
import { ClockEstimator } from '../../src-main/upstreams/evolution/clock';
import { Dedupe } from '../../src-main/upstreams/evolution/dedupe';
import { Envelope, parseEnvelope, sanitize, summarize } from '../../src-main/upstreams/evolution/envelope';
import { EventHistory } from '../../src-main/upstreams/evolution/history';
import { SECRETISH } from '../../src-main/upstreams/evolution/ingest';
import { RateLimiter } from '../../src-main/upstreams/evolution/rate';

/** `date_time` as a server at `offsetMin` from UTC writes it: local wall clock + a bogus `Z`. */
const serverDateTime = (sentAt: number, offsetMin: number) => new Date(sentAt + offsetMin * 60_000).toISOString();

describe('Evolution helpers', () => {
  it('estimates the server UTC offset behind the fake Z and corrects latency', () => {
    for (const offset of [-180, 0, 330, -570]) {
      const clock = new ClockEstimator();
      const t0 = 1_763_800_000_000;
      const latencies = [40, 5, 120, 12, 800];
      const got = latencies.map((l, i) => clock.latency(serverDateTime(t0 + i * 1000, offset), t0 + i * 1000 + l));
      expect(clock.offsetMinutes).toBe(offset);
      expect(got).toEqual(latencies);
    }
    // The simulator's quirk, as real servers do it, in this machine's zone.
    const clock = new ClockEstimator();
    const now = Date.now();
    expect(clock.latency(evolutionDateTime(now - 30), now)).toBe(30);
    expect(new ClockEstimator().latency('não é data', now)).toBeNull();
  });

  it('dedupe drops a repeat inside the window only', () => {
    const d = new Dedupe(1_000);
    expect(d.check('a', 0)).toBe(false);
    expect(d.check('a', 500)).toBe(true);
    expect(d.check('b', 600)).toBe(false);
    expect(d.check('a', 1_700)).toBe(false);
    expect(d.check('a', 2_500)).toBe(true);
    // Old keys do not pile up: memory holds at most two windows of keys.
    expect(d.check('c', 4_600)).toBe(false);
    expect(d.size).toBe(1);
  });

  it('rate limiter passes the configured rate and counts the rest', () => {
    const r = new RateLimiter(600, 0); // 10/s, burst 20
    let passed = 0;
    for (let t = 0; t < 10_000; t += 10) if (r.take(t)) passed++; // 100/s offered for 10 s
    expect(passed).toBeGreaterThanOrEqual(100);
    expect(passed).toBeLessThanOrEqual(125);
    expect(r.dropped).toBe(1_000 - passed);
  });

  it('sanitize removes secret-looking keys and the envelope apikey wherever it appears', () => {
    const out = sanitize({ token: 'T0K', nested: { hash: 'H', note: 'key=SECRET123 here', list: ['SECRET123'] }, keep: 1 }, 'SECRET123');
    expect(JSON.stringify(out)).not.toMatch(/T0K|SECRET123|"H"/);
    expect(out).toMatchObject({ keep: 1, token: '***', nested: { note: 'key=*** here' } });
  });

  it('the secret check spelled [aA]… matches exactly what the case-insensitive pattern matches', () => {
    const reference = /"(apikey|api_key|token|hash|password|secret|jwt_token|authorization)"/i;
    const samples = [
      '{"apikey":"x"}', '{"ApiKey":1}', '{"API_KEY":1}', '{"Token":"t"}', '{"a":"HASH"}', '{"jwt_token":1}', '{"JWT_Token":1}',
      '{"Authorization":"Bearer x"}', '{"password":null}', '{"secret":{}}', '{"SeCrEt":[]}',
      '{"tokens":1}', '{"mytoken":1}', '{"api-key":1}', '{"apikey ":1}', '{"text":"my token here"}', '{"text":"say \\"token\\" now"}',
      // Non-ASCII letters that upper-case to ASCII do not match under the i flag either.
      '{"\u017fecret":1}', '{"ſecret":1}', '{"toKen":1}', '{"toKen":1}', '{"auth\u0131rization":1}', '{"authorızation":1}',
      '{"key":{"id":"3EB0"},"pushName":"Ana","message":{"conversation":"oi 👍"}}', '', '"token"', 'token',
    ];
    for (const text of samples) expect(SECRETISH.test(text), text).toBe(reference.test(text));
  });

  it('history drops over maxPending exactly as before, and frees the room once the writer has caught up', () => {
    const storage = Storage.open(join(mkdtempSync(join(tmpdir(), 'ops-evo-cap-')), 'console.db'));
    const history = new EventHistory(storage, 10_000, { flushMs: 60_000, maxPending: 600 });
    const add = () => {
      const seq = history.nextSeq();
      history.add({ seq, receivedAt: seq, dateTime: null, latencyMs: null, event: 'messages.upsert', instance: 'loja', via: 'global', sender: null, summary: `m${seq}`, data: { n: seq } });
    };
    for (let i = 0; i < 500; i++) add(); // one batch handed to the writer
    history.flush(); // …and committed: the writer holds nothing now
    for (let i = 0; i < 599; i++) add(); // 500 handed over (not waited for), 99 pending: under 600 either way
    expect(history.dropped).toBe(0);
    history.flush(); // the count kept at the last hand-over is now stale (500): it is re-read, not trusted
    for (let i = 0; i < 499; i++) add(); // 99 + 499 pending rows hand 500 over again; 98 left
    history.flush();
    expect(history.count()).toBe(500 + 599 + 499);
    expect(history.dropped).toBe(0);
    history.dispose();
    storage.close();

    const small = Storage.open(join(mkdtempSync(join(tmpdir(), 'ops-evo-cap-')), 'console.db'));
    const tight = new EventHistory(small, 10_000, { flushMs: 60_000, maxPending: 10 });
    for (let i = 0; i < 15; i++) {
      const seq = tight.nextSeq();
      tight.add({ seq, receivedAt: seq, dateTime: null, latencyMs: null, event: 'call', instance: 'loja', via: 'global', sender: null, summary: 's', data: null });
    }
    expect(tight.dropped).toBe(5);
    expect(tight.count()).toBe(10);
    tight.dispose();
    small.close();
  });

  it('summaries read like the operator expects', () => {
    expect(summarize('messages.upsert', { key: { fromMe: false }, pushName: 'Ana', message: { extendedTextMessage: { text: 'oi' } } })).toBe('Ana: oi');
    expect(summarize('send.message', { key: { fromMe: true, remoteJid: 'x' }, pushName: 'Loja', message: { conversation: 'ok' } })).toBe('→ Loja: ok');
    expect(summarize('connection.update', { state: 'close', statusReason: 428 })).toBe('state close (428)');
    expect(summarize('chats.update', [{ remoteJid: 'a' }, { remoteJid: 'b' }])).toBe('a (+1)');
  });

  it('history is on disk within the flush window without a flush call, readable at once, trimmed to maxRows', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ops-evo-hist-')), 'console.db');
    const storage = Storage.open(file);
    const history = new EventHistory(storage, 50, { flushMs: 20 });
    const add = () => {
      const seq = history.nextSeq();
      const event: WaEvent = { seq, receivedAt: 1_000 + seq, dateTime: null, latencyMs: null, event: 'messages.upsert', instance: 'loja', via: 'global', sender: null, summary: `m${seq}`, data: { n: seq } };
      history.add(event);
    };
    for (let i = 0; i < 3; i++) add();
    // Another connection (what a restart would read) sees the rows once the window has passed.
    const other = new DatabaseSync(file, { readOnly: true });
    const onDisk = () => Number((other.prepare('SELECT COUNT(*) AS n FROM whatsapp_events').get() as { n: number }).n);
    const deadline = Date.now() + 5_000;
    while (onDisk() < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(onDisk()).toBe(3);
    expect(history.approximateRows()).toBe(3);
    // A query right after an add sees it (it waits for the writer).
    add();
    expect(history.query({ limit: 10 }).events.map((e) => e.summary)).toEqual(['m1', 'm2', 'm3', 'm4']);
    // Bounded to the newest maxRows.
    for (let i = 0; i < 1_000; i++) add();
    expect(history.count()).toBe(50);
    expect(history.approximateRows()).toBe(50);
    expect(history.query({ limit: 1 }).events[0]!.seq).toBe(1_004);
    add();
    history.dispose();
    expect(onDisk()).toBe(51);
    expect(history.dropped).toBe(0);
    other.close();
    storage.close();
  });

  it('the hand-written envelope check accepts exactly what the zod schema accepts', () => {
    const ok = { event: 'messages.upsert', instance: 'loja', data: { key: { id: 'X' } }, server_url: 'http://h', date_time: '2025-01-01T00:00:00.000Z', sender: 's@x', apikey: 'K' };
    const long = (n: number) => 'x'.repeat(n);
    const variants: unknown[] = [
      ok, { ...ok, data: [] }, { ...ok, data: [1, 'a'] }, { ...ok, extra: { any: 1 } }, Object.assign(Object.create(null), ok),
      { event: 'call', instance: 'i', data: {} }, { ...ok, server_url: null, date_time: null, sender: null, apikey: null },
      { ...ok, event: 'a'.repeat(100) }, { ...ok, event: 'a'.repeat(101) }, { ...ok, event: 'Messages.UPSERT' }, { ...ok, event: '1x' },
      { ...ok, event: 'a..b' }, { ...ok, event: 'a-b_c.d' }, { ...ok, event: '' }, { ...ok, event: 7 }, { ...ok, event: undefined },
      { ...ok, instance: '' }, { ...ok, instance: long(200) }, { ...ok, instance: long(201) }, { ...ok, instance: null },
      { ...ok, data: 'text' }, { ...ok, data: null }, { ...ok, data: 3 }, { ...ok, data: undefined }, { ...ok, data: Buffer.from('x') }, { ...ok, data: new Date() },
      { ...ok, server_url: long(2_000) }, { ...ok, server_url: long(2_001) }, { ...ok, date_time: long(65) }, { ...ok, date_time: 5 },
      { ...ok, sender: long(201) }, { ...ok, sender: false }, { ...ok, apikey: long(4_096) }, { ...ok, apikey: long(4_097) }, { ...ok, apikey: {} },
      null, undefined, 'text', 42, [], [ok], new Map(), Object.assign(new (class Envelope {})(), ok),
    ];
    for (const v of variants) expect([v, parseEnvelope(v).ok]).toEqual([v, Envelope.safeParse(v).success]);
  });

  it('a history write that fails is counted and reported, not thrown', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ops-evo-hist-')), 'console.db');
    const storage = Storage.open(file);
    const errors: string[] = [];
    const history = new EventHistory(storage, 50, { onError: (m) => errors.push(m) });
    storage.db.exec('DROP TABLE whatsapp_events');
    const seq = history.nextSeq();
    history.add({ seq, receivedAt: 1, dateTime: null, latencyMs: null, event: 'call', instance: 'loja', via: 'global', sender: null, summary: 'c', data: {} });
    history.flush();
    history.dispose();
    storage.close();
    // The report comes back as a message from the writer thread.
    return new Promise<void>((done) => setTimeout(done, 50)).then(() => {
      expect(history.dropped).toBe(1);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(/no such table.*1 event\(s\) not stored/);
    });
  });
});
