import { describe, expect, it } from 'vitest';
import { evolutionDateTime } from '../../src-main/demo/evolution-data';
import { ClockEstimator } from '../../src-main/upstreams/evolution/clock';
import { Dedupe } from '../../src-main/upstreams/evolution/dedupe';
import { sanitize, summarize } from '../../src-main/upstreams/evolution/envelope';
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
    expect(d.size).toBeLessThanOrEqual(2);
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

  it('summaries read like the operator expects', () => {
    expect(summarize('messages.upsert', { key: { fromMe: false }, pushName: 'Ana', message: { extendedTextMessage: { text: 'oi' } } })).toBe('Ana: oi');
    expect(summarize('send.message', { key: { fromMe: true, remoteJid: 'x' }, pushName: 'Loja', message: { conversation: 'ok' } })).toBe('→ Loja: ok');
    expect(summarize('connection.update', { state: 'close', statusReason: 428 })).toBe('state close (428)');
    expect(summarize('chats.update', [{ remoteJid: 'a' }, { remoteJid: 'b' }])).toBe('a (+1)');
  });
});
