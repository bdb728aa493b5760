import { describe, expect, it } from 'vitest';
import { JournalBudget } from '../../src-main/upstreams/journal-budget';

describe('JournalBudget', () => {
  it('lets at most N entries a second through, always-entries past the limit, and reports the rest next second', () => {
    const reported: number[] = [];
    const budget = new JournalBudget(3, (n) => reported.push(n));
    const t = 1_000_000;
    const taken = [0, 1, 2, 3, 4].map((i) => budget.take(t + i));
    expect(taken).toEqual([true, true, true, false, false]);
    expect(budget.take(t + 5, true)).toBe(true);
    expect(reported).toEqual([]);
    expect(budget.take(t + 1_000)).toBe(true);
    expect(reported).toEqual([2]);
  });
});
