import { describe, expect, it } from 'vitest';
import { shallowReactive } from 'vue';
import type { Keyword } from '../../src-main/contract/keyword-hub';
import { createRandom } from '../../src-main/demo/random';
import { compareRows, KeywordOrder, type KeywordSort } from '../../src-renderer/views/executions/keyword-order';

/** Issue 15: the execution detail's keyword table, sorted once and merged per live batch. */
const random = createRandom(15);
let reads = 0;
function keyword(i: number): Keyword {
  const relevance = random.int(0, 40) / 4; // many ties: arrival order must break them
  return {
    executionId: 'exec_1',
    term: `term ${random.int(0, 500)}`,
    frequency: random.int(1, 30),
    get relevance() {
      reads++;
      return relevance;
    },
    position: i,
    url: `https://blog.example/${i}`,
    clusterId: null,
    at: i,
  };
}
const fullSort = (list: Keyword[], sort: KeywordSort) => list.map((keyword, seq) => ({ keyword, seq })).sort(compareRows(sort));

describe('keyword order', () => {
  const sort: KeywordSort = { key: 'relevance', dir: -1, locale: 'pt-BR' };

  it('after any number of live batches, shows the same order a full sort would (ties in arrival order)', () => {
    const list = shallowReactive<Keyword[]>([]);
    const order = new KeywordOrder();
    for (let batch = 0; batch < 40; batch++) {
      list.push(...Array.from({ length: random.int(1, 60) }, (_, i) => keyword(list.length + i)));
      expect(order.sync(list, sort)).toEqual(fullSort([...list], sort));
    }
    for (const other of [{ key: 'term', dir: 1, locale: 'en' }, { key: 'url', dir: -1, locale: 'pt-BR' }] as KeywordSort[]) {
      expect(order.sync(list, other)).toEqual(fullSort([...list], other));
    }
  });

  it('keys each row by its arrival, so a row keeps its key when others are merged in above it', () => {
    const list = shallowReactive<Keyword[]>(Array.from({ length: 100 }, (_, i) => keyword(i)));
    const order = new KeywordOrder();
    const before = new Map(order.sync(list, sort).map((r) => [r.keyword, r.seq]));
    list.push(...Array.from({ length: 50 }, (_, i) => keyword(100 + i)));
    for (const row of order.sync(list, sort)) if (before.has(row.keyword)) expect(row.seq).toBe(before.get(row.keyword));
  });

  it('merges a batch into 20,000 sorted keywords without sorting them again', () => {
    const list = shallowReactive<Keyword[]>(Array.from({ length: 20_000 }, (_, i) => keyword(i)));
    const order = new KeywordOrder();
    order.sync(list, sort);
    reads = 0;
    list.push(...Array.from({ length: 20 }, (_, i) => keyword(20_000 + i)));
    const rows = order.sync(list, sort);
    expect(rows).toHaveLength(20_020);
    // A merge compares each row about once (two reads); sorting again would be ~15 compares per row.
    expect(reads).toBeLessThan(3 * 20_020);
  });

  it('gives the same array while nothing changed, and starts over on a new list (a reloaded detail)', () => {
    const list = shallowReactive<Keyword[]>(Array.from({ length: 10 }, (_, i) => keyword(i)));
    const order = new KeywordOrder();
    const first = order.sync(list, sort);
    expect(order.sync(list, sort)).toBe(first);
    const reloaded = shallowReactive<Keyword[]>(Array.from({ length: 3 }, (_, i) => keyword(i)));
    expect(order.sync(reloaded, sort)).toHaveLength(3);
  });
});
