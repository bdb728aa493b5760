import { computed, ref, watch, type Ref } from 'vue';
import type { LogLine } from '../../../src-main/contract/logs';

/** Search among the visible lines: matches, next/previous, and the message split around hits for highlighting. */
export function useLogSearch(visible: Ref<LogLine[]>, version: Ref<number>) {
  const query = ref('');
  /** Position in `matches` of the current match (-1: none yet). */
  const matchAt = ref(-1);
  const needle = computed(() => query.value.trim().toLowerCase());
  const matches = computed(() => {
    void version.value;
    const q = needle.value;
    if (!q) return [] as number[];
    const out: number[] = [];
    const list = visible.value;
    for (let i = 0; i < list.length; i++) if (list[i]!.message.toLowerCase().includes(q)) out.push(i);
    return out;
  });
  watch(needle, () => (matchAt.value = -1));
  /** Moves to the next (1) or previous (-1) match; its index among the visible lines, undefined when none. */
  function step(direction: 1 | -1): number | undefined {
    const m = matches.value;
    if (!m.length) return undefined;
    matchAt.value = (matchAt.value + direction + m.length) % m.length;
    return m[matchAt.value];
  }
  const currentMatch = computed(() => (matchAt.value >= 0 ? matches.value[matchAt.value] : undefined));
  return { query, needle, matches, matchAt, currentMatch, step };
}

/** `text` in runs, those matching `q` (lower-cased) marked as hits. */
export function highlight(text: string, q: string): Array<{ s: string; hit: boolean }> {
  if (!q) return [{ s: text, hit: false }];
  const lower = text.toLowerCase();
  const out: Array<{ s: string; hit: boolean }> = [];
  let from = 0;
  for (let at = lower.indexOf(q); at !== -1; at = lower.indexOf(q, at + q.length)) {
    if (at > from) out.push({ s: text.slice(from, at), hit: false });
    out.push({ s: text.slice(at, at + q.length), hit: true });
    from = at + q.length;
  }
  if (from < text.length) out.push({ s: text.slice(from), hit: false });
  return out;
}
