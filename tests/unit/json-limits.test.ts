import { describe, expect, it } from 'vitest';
import { checkJsonText, checkJsonValue, describeJsonBreach, JSON_LIMITS } from '../../src-main/core/json-limits';
import { createRandom } from '../../src-main/demo/random';

const deepText = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;
const deepValue = (levels: number): unknown => {
  let v: unknown = 1;
  for (let i = 0; i < levels; i++) v = { x: v };
  return v;
};

describe('one JSON-limits module, one profile per ingress (core/json-limits.ts)', () => {
  it("keeps each ingress's numbers", () => {
    expect(JSON_LIMITS.bridge).toMatchObject({ maxDepth: 64, maxString: 512 * 1024, maxValues: 500_000 });
    expect(JSON_LIMITS.upstream).toMatchObject({ maxChars: 16 * 1024 * 1024, maxDepth: 64, maxString: 4 * 1024 * 1024, maxMembers: 10_000 });
    expect(JSON_LIMITS.settings).toMatchObject({ maxChars: 2 * 1024 * 1024, maxDepth: 32, maxString: 100_000, maxValues: 100_000 });
    expect(JSON_LIMITS.inbound.maxDepth).toBe(32);
  });

  it('the text scanner and the value walker agree on depth, at the limit and one past it, for every profile', () => {
    for (const limits of Object.values(JSON_LIMITS)) {
      const d = limits.maxDepth;
      expect(checkJsonText(deepText(d), limits)).toBeNull();
      expect(checkJsonText(deepText(d + 1), limits)).toMatchObject({ code: 'too-deep', limit: d });
      expect(checkJsonValue(deepValue(d), limits)).toBeNull();
      expect(checkJsonValue(deepValue(d + 1), limits)).toMatchObject({ code: 'too-deep', limit: d });
    }
  });

  it('stays iterative on hostile depth and names the path of what broke a limit', () => {
    expect(checkJsonText(deepText(200_000), JSON_LIMITS.upstream)?.code).toBe('too-deep');
    expect(checkJsonValue(deepValue(200_000), JSON_LIMITS.settings)).toMatchObject({ code: 'too-deep', path: expect.stringMatching(/^x(\.x){31}$/) });
    expect(checkJsonValue({ a: [1, { b: 'x'.repeat(11) }] }, { maxString: 10 })).toMatchObject({ code: 'string-too-long', actual: 11, path: 'a.1.b' });
    expect(checkJsonValue({ ['k'.repeat(11)]: 1 }, { maxString: 10 })).toMatchObject({ code: 'string-too-long', path: '' });
  });

  it('counts members, values and size; a limit left out is unlimited', () => {
    const wide = Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`k${i}`, i]));
    expect(checkJsonText(JSON.stringify(wide), { maxMembers: 5 })?.code).toBe('too-many-members');
    expect(checkJsonValue(wide, { maxMembers: 5 })?.code).toBe('too-many-members');
    expect(checkJsonText(JSON.stringify(wide), {})).toBeNull();
    expect(checkJsonValue(Array.from({ length: 10 }, () => 0), { maxValues: 10 })?.code).toBe('too-many-values');
    expect(checkJsonValue(['x'.repeat(100)], { maxChars: 50 })?.code).toBe('too-large');
    expect(checkJsonText('x'.repeat(51), { maxChars: 50 })).toMatchObject({ code: 'too-large', actual: 51 });
  });

  it('the fast path for short texts gives the same answers as the full scan (2,000 seeded texts)', () => {
    const r = createRandom(77);
    const pieces = ['[', ']', '{', '}', '"', '\\', ':', ',', 'a', '1'];
    for (let i = 0; i < 2_000; i++) {
      const text = Array.from({ length: r.int(0, 40) }, () => pieces[r.int(0, pieces.length - 1)]).join('');
      const limits = { maxDepth: r.int(1, 6), maxString: r.int(1, 30), maxMembers: r.int(1, 6) };
      // Leading blanks longer than any string limit defeat the fast path without changing the verdict.
      const slow = checkJsonText(`${' '.repeat(200)}${text}`, limits);
      const fast = checkJsonText(text, limits);
      expect(fast?.code ?? null, text).toBe(slow?.code ?? null);
    }
  });

  it('words a breach for status lines and bridge errors', () => {
    expect(describeJsonBreach({ code: 'too-deep', limit: 64 })).toBe('nested deeper than 64 levels');
    expect(describeJsonBreach({ code: 'string-too-long', limit: 10, actual: 11 })).toMatch(/string too long.*longer than 10/);
    expect(describeJsonBreach({ code: 'too-many-members', limit: 5 })).toMatch(/more than 5 members/);
  });
});
