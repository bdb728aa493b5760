import { toRaw } from 'vue';
import type { Keyword } from '../../../src-main/contract/keyword-hub';

/** A keyword with its arrival number: the stable key of its row (keywords only ever append). */
export interface KeywordRow {
  seq: number;
  keyword: Keyword;
}

export type KeywordSortKey = 'term' | 'frequency' | 'relevance' | 'position' | 'url';

export interface KeywordSort {
  key: KeywordSortKey;
  dir: 1 | -1;
  locale: string;
}

/** Numbers by value, text by the locale's collation; ties keep arrival order (a stable sort). */
export function compareRows(sort: KeywordSort): (a: KeywordRow, b: KeywordRow) => number {
  const collator = new Intl.Collator(sort.locale);
  return (a, b) => {
    const x = a.keyword[sort.key];
    const y = b.keyword[sort.key];
    const byValue = typeof x === 'number' && typeof y === 'number' ? x - y : collator.compare(String(x), String(y));
    return byValue * sort.dir || a.seq - b.seq;
  };
}

/**
 * The detail's keyword table order, kept across live batches: up to 20,000 keywords are sorted
 * once (when the list or the sort changes) and each batch is merged in (O(n + m log m)), so a
 * running execution's table does not re-sort everything on every batch.
 */
export class KeywordOrder {
  private source: readonly Keyword[] | null = null;
  private taken = 0;
  private sortKey = '';
  private rows: KeywordRow[] = [];

  /** The rows of `list` in `sort` order; a new array whenever something changed. */
  sync(list: readonly Keyword[], sort: KeywordSort): KeywordRow[] {
    // Reading the length through a reactive array subscribes the caller to appends.
    const length = list.length;
    const raw = toRaw(list);
    const sortKey = `${sort.key}|${sort.dir}|${sort.locale}`;
    const compare = compareRows(sort);
    if (raw !== this.source || sortKey !== this.sortKey || length < this.taken) {
      this.source = raw;
      this.sortKey = sortKey;
      this.taken = length;
      this.rows = raw.slice(0, length).map((keyword, seq) => ({ keyword, seq })).sort(compare);
    } else if (length > this.taken) {
      const batch = raw.slice(this.taken, length).map((keyword, i) => ({ keyword, seq: this.taken + i }));
      this.taken = length;
      this.rows = merge(this.rows, batch.sort(compare), compare);
    }
    return this.rows;
  }
}

function merge(a: KeywordRow[], b: KeywordRow[], compare: (x: KeywordRow, y: KeywordRow) => number): KeywordRow[] {
  const out = new Array<KeywordRow>(a.length + b.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length && j < b.length) out[k++] = compare(a[i]!, b[j]!) <= 0 ? a[i++]! : b[j++]!;
  while (i < a.length) out[k++] = a[i++]!;
  while (j < b.length) out[k++] = b[j++]!;
  return out;
}
