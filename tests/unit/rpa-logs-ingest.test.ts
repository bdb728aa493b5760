import { describe, expect, it } from 'vitest';
import { isLogEvent, RpaEvent } from '../../src-main/upstreams/rpa-logs';
import { IdWindow } from '../../src-main/upstreams/rpa-logs/id-window';

const base = {
  type: 'log',
  level: 'INFO',
  message: 'Fatura 123456 baixada com sucesso (VIVO)',
  operadora: 'VIVO',
  job_id: 'abc-123-def-456',
  timestamp: '2025-11-05T01:53:35.123Z',
  service: 'rpa-worker',
  logger: 'app.downloader',
};
const ABSENT = Symbol('absent');
/** Values each field is tried with: every JSON type, and strings at and past the schema's limits. */
const variants: unknown[] = [ABSENT, null, '', 'x', 'a'.repeat(40), 'a'.repeat(41), 'a'.repeat(200), 'a'.repeat(201), 0, 42, true, {}, [], ['INFO'], { level: 'INFO' }];
const typeVariants: unknown[] = [ABSENT, 'log', 'connection', 'error', 'LOG', 'surprise', '', null, 1];

function withField(event: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  const copy = { ...event };
  if (value === ABSENT) delete copy[key];
  else copy[key] = value;
  return copy;
}

/** What the fast check must match: the log branch of the schema the connector falls back to. */
const schemaAcceptsLog = (raw: unknown) => RpaEvent.safeParse(raw).success && (raw as { type?: unknown }).type === 'log';

function expectSameVerdict(raw: unknown): void {
  const fast = isLogEvent(raw);
  expect({ raw, fast }).toEqual({ raw, fast: schemaAcceptsLog(raw) });
  // What the fast check accepts is used as parsed: it must be exactly what zod would return.
  if (fast) expect(RpaEvent.parse(raw)).toEqual(raw);
}

describe('RPA logs: the fast log-line check agrees with the zod schema', () => {
  it('on every field with every kind of value, one at a time', () => {
    for (const key of Object.keys(base)) for (const value of key === 'type' ? typeVariants : variants) expectSameVerdict(withField(base, key, value));
    for (const raw of [null, [], 'log', 42, true, [base], { ...base, extra: { nested: 1 }, count: 3 }]) expectSameVerdict(raw);
  });

  it('on random combinations (seeded)', () => {
    let seed = 42;
    const next = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)]!;
    for (let i = 0; i < 3_000; i++) {
      let event: Record<string, unknown> = { ...base };
      for (const key of Object.keys(base)) if (next() < 0.3) event = withField(event, key, pick(key === 'type' ? typeVariants : variants));
      if (next() < 0.2) event = withField(event, `extra_${i % 5}`, pick(variants));
      expectSameVerdict(event);
    }
  });

  it('on parsed JSON with a __proto__ key (zod drops it; the connector does too)', () => {
    const raw = JSON.parse('{"type":"log","level":"INFO","message":"m","job_id":"j","__proto__":{"polluted":1}}') as unknown;
    expect(isLogEvent(raw)).toBe(schemaAcceptsLog(raw));
  });
});

describe('RPA logs: IdWindow (recent numeric ids of one stream)', () => {
  it('answers membership for ascending ids, forgetting the oldest past its capacity', () => {
    const w = new IdWindow(1_000);
    for (let id = 1; id <= 3_000; id += 2) w.add(id); // odd ids 1…2999: 1,500 added, grows past 256 and wraps
    expect(w.has(2_999)).toBe(true);
    expect(w.has(1_001)).toBe(true); // the oldest kept: the newest 1,000 odd ids are 1001…2999
    expect(w.has(999)).toBe(false); // forgotten
    expect(w.has(2_000)).toBe(false); // never added
    expect(w.has(3_001)).toBe(false);
  });

  it('starts a new run when ids go backwards (an upstream reset its ids)', () => {
    const w = new IdWindow(100);
    for (const id of [10, 11, 12]) w.add(id);
    w.add(3);
    expect([w.has(3), w.has(10), w.has(12)]).toEqual([true, false, false]);
    w.clear();
    expect(w.has(3)).toBe(false);
  });
});
