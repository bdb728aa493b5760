import { defineStore } from 'pinia';
import { computed, ref, shallowReactive, shallowRef, toRaw } from 'vue';
import { isTerminal, type Cluster, type ExecAction, type Execution, type HubNotification, type HubStatus, type Keyword, type MetricSample, type MonitorConfig, type NotificationPrefs, type StartInput } from '../../src-main/contract/keyword-hub';
import { useBridge } from '../bridge';
import { useSnapshot } from '../bridge/snapshot';

/** Samples kept for the monitoring charts (1 h at the default 5 s interval, more at faster ones). */
const METRICS_LIMIT = 3_600;

interface DetailState {
  id: string;
  keywords: Keyword[];
  clusters: Cluster[];
  loading: boolean;
}

/** Keywords and clusters only ever append: shallow arrays, so a view follows their length without deep proxies on 20,000 rows. */
const detailState = (id: string, keywords: Keyword[], clusters: Cluster[], loading: boolean): DetailState => ({
  id,
  keywords: shallowReactive(keywords),
  clusters: shallowReactive(clusters),
  loading,
});

/** Seed 001's keyword hub: executions with live progress, notifications, metrics and hub status. */
export const useExecutionsStore = defineStore('executions', () => {
  const bridge = useBridge();
  const byId = ref<Record<string, Execution>>({});
  const notifications = ref<HubNotification[]>([]);
  const metrics = shallowRef<MetricSample[]>([]);
  const hub = ref<HubStatus | null>(null);
  const detail = shallowRef<DetailState | null>(null);
  const loaded = ref(false);

  // Newest first; the id breaks ties so executions started in the same millisecond keep their order.
  const list = computed(() => Object.values(byId.value).sort((a, b) => b.startedAt - a.startedAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0)));
  const active = computed(() => list.value.filter((e) => !isTerminal(e.status)).length);

  useSnapshot('executions', async () => {
    const state = await bridge.call('executions.state');
    byId.value = Object.fromEntries(state.executions.map((e) => [e.id, e]));
    notifications.value = state.notifications;
    metrics.value = state.metrics;
    hub.value = state.hub;
    loaded.value = true;
    if (detail.value) void loadDetail(detail.value.id);
  });
  bridge.on('executions.changed', (items) => {
    const next = { ...byId.value };
    for (const e of items) {
      const before = next[e.id];
      next[e.id] = e;
      // A run that just ended: reload its full keyword list (the live stream is bounded).
      if (detail.value?.id === e.id && before && before.status !== e.status && isTerminal(e.status)) void loadDetail(e.id);
    }
    byId.value = next;
  });
  bridge.on('executions.removed', (items) => {
    const next = { ...byId.value };
    for (const { ids } of items) for (const id of ids) delete next[id];
    byId.value = next;
  });
  bridge.on('executions.keywords', (items) => {
    const d = detail.value;
    if (!d) return;
    const mine = items.filter((k) => k.executionId === d.id);
    if (!mine.length) return;
    d.keywords.push(...mine);
  });
  bridge.on('executions.clusters', (items) => {
    const d = detail.value;
    if (!d) return;
    const mine = items.filter((c) => c.executionId === d.id);
    if (!mine.length) return;
    const known = new Set(toRaw(d.clusters).map((x) => x.id));
    for (const c of mine) {
      if (known.has(c.id)) continue;
      known.add(c.id);
      d.clusters.push(c);
    }
  });
  bridge.on('executions.notifications', (items) => {
    notifications.value = [...[...items].reverse(), ...notifications.value].slice(0, 200);
  });
  bridge.on('executions.metrics', (items) => {
    const next = metrics.value.concat(items);
    metrics.value = next.length > METRICS_LIMIT ? next.slice(next.length - METRICS_LIMIT) : next;
  });
  bridge.on('executions.hub', (items) => {
    hub.value = items[items.length - 1] ?? hub.value;
  });

  async function loadDetail(id: string) {
    if (detail.value?.id !== id) detail.value = detailState(id, [], [], true);
    try {
      const d = await bridge.call('executions.detail', { id });
      if (detail.value?.id !== id) return;
      byId.value = { ...byId.value, [id]: d.execution };
      detail.value = detailState(id, d.keywords, d.clusters, false);
    } catch {
      if (detail.value?.id === id) detail.value = { ...detail.value, loading: false };
    }
  }
  const closeDetail = () => (detail.value = null);

  const start = (input: StartInput) => bridge.call('executions.start', input);
  const control = (id: string, action: ExecAction) => bridge.call('executions.control', { id, action });
  const resync = () => bridge.call('executions.resync', {});
  const unqueue = (requestId: string) => bridge.call('executions.unqueue', { requestId });
  const configureNotifications = (prefs: NotificationPrefs) => bridge.call('executions.configureNotifications', prefs);
  const monitor = (config: MonitorConfig) => bridge.call('executions.monitor', config);
  const clearNotifications = async () => {
    await bridge.call('executions.clearNotifications', {});
    notifications.value = [];
  };

  return { byId, list, active, notifications, metrics, hub, detail, loaded, loadDetail, closeDetail, start, control, resync, unqueue, configureNotifications, monitor, clearNotifications };
});
