import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { TestResult, UpstreamStatus } from '../../src-main/contract';
import { BridgeCallError, useBridge } from '../bridge';
import { useSnapshot } from '../bridge/snapshot';

const keyOf = (s: { id: string; link?: string | undefined }) => (s.link ? `${s.id}/${s.link}` : s.id);

/** Every upstream link's health, live. */
export const useConnectionsStore = defineStore('connections', () => {
  const bridge = useBridge();
  const byKey = ref<Record<string, UpstreamStatus>>({});
  const tests = ref<Record<string, TestResult & { at: number }>>({});
  const busy = ref<Record<string, boolean>>({});

  useSnapshot('connections', async () => {
    const list = await bridge.call('connections.list');
    byKey.value = Object.fromEntries(list.map((s) => [keyOf(s), s]));
  });
  bridge.on('connections.status', (items) => {
    const next = { ...byKey.value };
    for (const status of items) next[keyOf(status)] = status;
    byKey.value = next;
  });

  const main = computed(() => Object.values(byKey.value).filter((s) => !s.link));
  const subLinks = (id: string) => Object.values(byKey.value).filter((s) => s.id === id && s.link);

  async function run(key: string, work: () => Promise<unknown>) {
    busy.value = { ...busy.value, [key]: true };
    try {
      await work();
    } finally {
      busy.value = { ...busy.value, [key]: false };
    }
  }
  const ref_ = (s: UpstreamStatus) => ({ id: s.id, ...(s.link ? { link: s.link } : {}) });
  const test = (s: UpstreamStatus) =>
    run(keyOf(s), async () => {
      try {
        tests.value = { ...tests.value, [keyOf(s)]: { ...(await bridge.call('connections.test', ref_(s))), at: Date.now() } };
      } catch (error) {
        const message = error instanceof BridgeCallError ? error.message : String(error);
        tests.value = { ...tests.value, [keyOf(s)]: { success: false, message, status_code: 0, token_status: '', at: Date.now() } };
      }
    });
  const connect = (s: UpstreamStatus) => run(keyOf(s), () => bridge.call('connections.connect', ref_(s)));
  const disconnect = (s: UpstreamStatus) => run(keyOf(s), () => bridge.call('connections.disconnect', ref_(s)));

  return { byKey, main, subLinks, tests, busy, test, connect, disconnect, keyOf };
});
