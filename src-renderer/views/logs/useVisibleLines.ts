import { computed, onMounted, ref, shallowRef, watch } from 'vue';
import type { LogLine } from '../../../src-main/contract/logs';
import { levelKey, levelsOf, type JobTab, type LevelFilter } from '../../stores/logs';

/**
 * A job's lines through the pane's filters (levels, operadora, service), kept incrementally: new
 * lines are filtered as they arrive, lines trimmed from the front of the bounded buffer are
 * dropped from the front; a filter change or a page of older lines rebuilds it. 100k lines are
 * never re-scanned per batch. `onTrim` hears how many shown lines were dropped from the front.
 */
export function useVisibleLines(tab: () => JobTab | undefined, onTrim: (dropped: number) => void) {
  const levels = ref<Set<LevelFilter>>(new Set(levelsOf));
  const operadora = ref('');
  const service = ref('');
  /** Bumped on every change: `visible` is changed in place. */
  const version = ref(0);
  const visible = shallowRef<LogLine[]>([]);

  const accepts = (l: LogLine): boolean =>
    levels.value.has(levelKey(l) as LevelFilter) &&
    (!operadora.value || l.carrier === operadora.value) &&
    (!service.value || l.service === service.value);

  let scannedSeq = 0;
  let firstSeq = 0;
  function rebuild() {
    const lines = tab()?.lines ?? [];
    visible.value = lines.filter(accepts);
    scannedSeq = lines.at(-1)?.seq ?? 0;
    firstSeq = lines[0]?.seq ?? 0;
    version.value++;
  }
  function sync() {
    const lines = tab()?.lines ?? [];
    const first = lines[0]?.seq ?? 0;
    if (first < firstSeq || lines.length === 0) return rebuild();
    const out = visible.value;
    if (first > firstSeq) {
      let drop = 0;
      while (drop < out.length && out[drop]!.seq < first) drop++;
      if (drop) out.splice(0, drop);
      onTrim(drop);
      firstSeq = first;
    }
    let i = lines.length;
    while (i > 0 && lines[i - 1]!.seq > scannedSeq) i--;
    for (; i < lines.length; i++) if (accepts(lines[i]!)) out.push(lines[i]!);
    scannedSeq = lines.at(-1)?.seq ?? scannedSeq;
    version.value++;
  }
  watch(() => tab()?.version, sync);
  watch([levels, operadora, service], rebuild, { deep: true });
  onMounted(rebuild);

  const count = computed(() => (version.value, visible.value.length));
  return { levels, operadora, service, version, visible, count };
}
