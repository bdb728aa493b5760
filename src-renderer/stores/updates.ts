import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { UpdateState } from '../../src-main/contract/updates';
import { useBridge } from '../bridge';

/** Where the desktop app's self-update stands (main decides; codes only, the views word them). */
export const useUpdatesStore = defineStore('updates', () => {
  const bridge = useBridge();
  const state = ref<UpdateState | null>(null);
  bridge.onConnect(async () => {
    state.value = await bridge.call('updates.state');
  });
  bridge.on('updates.state', (items) => (state.value = items.at(-1)!));
  return { state };
});
