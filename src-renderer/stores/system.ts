import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { CommandOutput } from '../../src-main/contract';
import { useBridge } from '../bridge';
import { useSnapshot } from '../bridge/snapshot';

type SystemInfo = CommandOutput<'system.info'>;

/** Host facts and warnings an operator must see (demo mode, recovered settings…). */
export const useSystemStore = defineStore('system', () => {
  const bridge = useBridge();
  const info = ref<SystemInfo | null>(null);
  const warnings = ref<string[]>([]);
  useSnapshot('system', async () => {
    info.value = await bridge.call('system.info');
    warnings.value = [...info.value.warnings];
  });
  bridge.on('system.warning', (items) => warnings.value.push(...items.map((w) => w.message)));
  const dismiss = (index: number) => warnings.value.splice(index, 1);
  return { info, warnings, dismiss };
});
