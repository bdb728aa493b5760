import { defineStore } from 'pinia';
import { computed, ref, shallowRef, triggerRef } from 'vue';
import type { JournalEntry } from '../../src-main/contract';
import { useBridge } from '../bridge';
import { useSnapshot } from '../bridge/snapshot';

const LIMIT = 5_000;

export interface InspectorFilter {
  upstream: string;
  type: string;
  id: string;
}

export const matches = (entry: JournalEntry, filter: InspectorFilter): boolean =>
  (!filter.upstream || entry.upstream === filter.upstream) &&
  (!filter.type || entry.type === filter.type) &&
  (!filter.id || Object.values(entry.ids).some((v) => v === filter.id || (v ?? '').includes(filter.id)));

/** The live cross-upstream timeline, bounded; history comes from main on connect. */
export const useInspectorStore = defineStore('inspector', () => {
  const bridge = useBridge();
  const entries = shallowRef<JournalEntry[]>([]);
  const paused = ref(false);
  const held = ref<JournalEntry[]>([]);
  const filter = ref<InspectorFilter>({ upstream: '', type: '', id: '' });

  const push = (items: JournalEntry[]) => {
    const list = entries.value;
    list.push(...items);
    if (list.length > LIMIT) list.splice(0, list.length - LIMIT);
    triggerRef(entries);
  };
  useSnapshot('inspector', async () => {
    entries.value = await bridge.call('inspector.recent', { limit: 1_000 });
  });
  bridge.on('inspector.entries', (items) => {
    if (paused.value) held.value.push(...items);
    else push(items);
  });

  const visible = computed(() => entries.value.filter((e) => matches(e, filter.value)));
  const types = computed(() => [...new Set(entries.value.map((e) => e.type))].sort());
  function setPaused(on: boolean) {
    paused.value = on;
    if (!on && held.value.length) {
      push(held.value);
      held.value = [];
    }
  }
  return { entries, visible, types, filter, paused, held, setPaused };
});
