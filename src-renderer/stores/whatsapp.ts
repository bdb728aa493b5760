import { defineStore } from 'pinia';
import { computed, ref, shallowRef, triggerRef } from 'vue';
import type { TestResult, UpstreamStatus } from '../../src-main/contract';
import type { EvolutionMode, WaEvent, WaInstance, WaMetrics, WhatsappConfig } from '../../src-main/contract/evolution';
import { useBridge } from '../bridge';
import { useSnapshot } from '../bridge/snapshot';

/** Events the stream keeps in the renderer (older ones stay on disk, paged on demand). */
const STREAM_LIMIT = 5_000;
const PAGE = 1_000;

interface StreamFilter {
  instance: string;
  event: string;
  text: string;
}

interface Toast {
  id: number;
  title: string;
  body: string;
  at: number;
}

const matches = (e: WaEvent, f: StreamFilter, text: string) =>
  (!f.instance || e.instance === f.instance) &&
  (!f.event || e.event === f.event) &&
  (!text || e.summary.toLowerCase().includes(text) || e.instance.toLowerCase().includes(text) || e.event.includes(text) || JSON.stringify(e.data).toLowerCase().includes(text));

/** Seed 002: WhatsApp instances (board), the live event stream with history, metrics and rules. */
export const useWhatsappStore = defineStore('whatsapp', () => {
  const bridge = useBridge();
  const mode = ref<EvolutionMode>('global');
  const url = ref('');
  const demo = ref(false);
  const instances = ref<Record<string, WaInstance>>({});
  const connections = ref<Record<string, UpstreamStatus>>({});
  const restError = ref<string | null>(null);
  const refreshedAt = ref<number | null>(null);
  const overLimit = ref<string[]>([]);
  const maxConnections = ref(100);
  const metrics = shallowRef<WaMetrics | null>(null);
  const config = ref<WhatsappConfig | null>(null);
  const tests = ref<Record<string, TestResult & { at: number }>>({});
  const toasts = ref<Toast[]>([]);
  const busy = ref<Record<string, boolean>>({});
  const lastError = ref<string | null>(null);

  // --- stream ---
  const events = shallowRef<WaEvent[]>([]);
  const held = shallowRef<WaEvent[]>([]);
  const paused = ref(false);
  const hasMore = ref(false);
  const loading = ref(false);
  const filter = ref<StreamFilter>({ instance: '', event: '', text: '' });
  const seenTypes = ref<string[]>([]);

  const board = computed(() => Object.values(instances.value).filter((i) => !i.removed).sort((a, b) => a.name.localeCompare(b.name)));
  const counts = computed(() => {
    const c = { open: 0, connecting: 0, close: 0, unknown: 0, qr: 0 };
    for (const i of board.value) {
      c[i.state]++;
      if (i.qr && i.state !== 'open') c.qr++;
    }
    return c;
  });
  const globalLink = computed(() => connections.value[''] ?? null);
  const linkOf = (name: string) => connections.value[name] ?? null;
  const eventTypes = computed(() => [...new Set([...seenTypes.value, ...Object.keys(metrics.value?.totals ?? {})])].sort());

  function noteTypes(list: readonly WaEvent[]) {
    let added = false;
    const set = new Set(seenTypes.value);
    for (const e of list) {
      if (set.has(e.event)) continue;
      set.add(e.event);
      added = true;
    }
    if (added) seenTypes.value = [...set].sort();
  }

  function applySnapshot(s: Awaited<ReturnType<typeof bridge.call<'whatsapp.snapshot'>>>) {
    mode.value = s.mode;
    url.value = s.url;
    demo.value = s.demo;
    instances.value = Object.fromEntries(s.instances.map((i) => [i.name, i]));
    connections.value = Object.fromEntries(s.connections.map((c) => [c.link ?? '', c]));
    restError.value = s.restError;
    refreshedAt.value = s.refreshedAt;
    overLimit.value = s.overLimit;
    maxConnections.value = s.maxConnections;
  }

  async function loadSnapshot() {
    applySnapshot(await bridge.call('whatsapp.snapshot'));
  }

  /** Reload the stream from disk for the current filters (then live events are appended). */
  async function reload() {
    loading.value = true;
    try {
      const f = filter.value;
      const page = await bridge.call('whatsapp.history', { limit: PAGE, ...(f.instance ? { instance: f.instance } : {}), ...(f.event ? { event: f.event } : {}), ...(f.text ? { text: f.text } : {}) });
      events.value = page.events;
      hasMore.value = page.hasMore;
      held.value = [];
      noteTypes(page.events);
    } finally {
      loading.value = false;
    }
  }

  async function loadOlder() {
    if (loading.value || !hasMore.value) return 0;
    loading.value = true;
    try {
      const f = filter.value;
      const page = await bridge.call('whatsapp.history', {
        limit: PAGE,
        ...(events.value[0] ? { beforeSeq: events.value[0].seq } : {}),
        ...(f.instance ? { instance: f.instance } : {}),
        ...(f.event ? { event: f.event } : {}),
        ...(f.text ? { text: f.text } : {}),
      });
      events.value = [...page.events, ...events.value].slice(-STREAM_LIMIT * 2);
      hasMore.value = page.hasMore;
      return page.events.length;
    } finally {
      loading.value = false;
    }
  }

  function setPaused(on: boolean) {
    paused.value = on;
    if (!on && held.value.length) {
      events.value = [...events.value, ...held.value].slice(-STREAM_LIMIT);
      held.value = [];
    }
  }

  async function run<T>(key: string, work: () => Promise<T>): Promise<T | undefined> {
    busy.value = { ...busy.value, [key]: true };
    lastError.value = null;
    try {
      return await work();
    } catch (error) {
      lastError.value = error instanceof Error ? error.message : String(error);
      return undefined;
    } finally {
      busy.value = { ...busy.value, [key]: false };
    }
  }

  const connect = (target: 'global' | 'instance' | 'all', instance?: string) =>
    run(`connect:${target}:${instance ?? ''}`, () => bridge.call('whatsapp.connect', { target, ...(instance ? { instance } : {}) }));
  const disconnect = (target: 'global' | 'instance' | 'all', instance?: string) =>
    run(`disconnect:${target}:${instance ?? ''}`, () => bridge.call('whatsapp.disconnect', { target, ...(instance ? { instance } : {}) }));
  const test = (instance?: string) =>
    run(`test:${instance ?? ''}`, async () => {
      const result = await bridge.call('whatsapp.test', instance ? { instance } : {});
      tests.value = { ...tests.value, [instance ?? '']: { ...result, at: Date.now() } };
      return result;
    });
  const refresh = () => run('refresh', async () => applySnapshot(await bridge.call('whatsapp.refresh')));
  const setMode = (next: EvolutionMode) => run('mode', () => bridge.call('whatsapp.setMode', { mode: next }));
  const enableWebsocket = (instance: string) => run(`ws:${instance}`, () => bridge.call('whatsapp.enableWebsocket', { instance }));
  const loadConfig = async () => (config.value = await bridge.call('whatsapp.config'));
  const saveConfig = (next: WhatsappConfig) => run('config', async () => (config.value = await bridge.call('whatsapp.configure', next)));

  async function exportEvents(format: 'ndjson' | 'csv') {
    const f = filter.value;
    const file = await run('export', () =>
      bridge.call('whatsapp.export', { format, limit: 50_000, ...(f.instance ? { instance: f.instance } : {}), ...(f.event ? { event: f.event } : {}), ...(f.text ? { text: f.text } : {}) }),
    );
    if (!file) return null;
    const link = document.createElement('a');
    link.href = URL.createObjectURL(new Blob([file.content], { type: file.mime }));
    link.download = file.filename;
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
    return file;
  }

  let toastId = 0;
  function toast(title: string, body: string, at: number) {
    const t: Toast = { id: ++toastId, title, body, at };
    toasts.value = [...toasts.value, t].slice(-4);
    setTimeout(() => (toasts.value = toasts.value.filter((x) => x.id !== t.id)), 8_000);
    // Desktop notification where the operator allowed it (Electron windows, browsers with permission).
    try {
      if (typeof Notification !== 'undefined' && Notification.permission === 'granted') new Notification(title, { body, tag: `${title}` });
    } catch {
      /* notifications unavailable: the in-app toast is enough */
    }
  }

  useSnapshot('whatsapp', async () => {
    await loadSnapshot();
    await Promise.all([loadConfig(), reload(), bridge.call('whatsapp.metrics').then((m) => (metrics.value = m))]);
  });

  bridge.on('whatsapp.instances', (items) => {
    const next = { ...instances.value };
    for (const i of items) {
      if (i.removed) delete next[i.name];
      else next[i.name] = i;
    }
    instances.value = next;
  });
  bridge.on('connections.status', (items) => {
    let next: Record<string, UpstreamStatus> | null = null;
    for (const s of items) {
      if (s.id !== 'evolution') continue;
      next ??= { ...connections.value };
      if (s.state === 'stopped' && s.message === 'removed') delete next[s.link ?? ''];
      else next[s.link ?? ''] = s;
    }
    if (next) connections.value = next;
  });
  bridge.on('whatsapp.metrics', (items) => (metrics.value = items.at(-1) ?? metrics.value));
  bridge.on('whatsapp.mode', (items) => {
    const last = items.at(-1);
    if (last) mode.value = last.mode;
    void loadSnapshot();
  });
  bridge.on('whatsapp.notify', (items) => {
    for (const n of items.slice(-3)) toast(n.title, n.body, n.at);
  });
  bridge.on('whatsapp.events', (items) => {
    noteTypes(items);
    const f = filter.value;
    const text = f.text.toLowerCase();
    const wanted = f.instance || f.event || text ? items.filter((e) => matches(e, f, text)) : items;
    if (wanted.length === 0) return;
    if (paused.value) {
      held.value = [...held.value, ...wanted].slice(-STREAM_LIMIT);
      return;
    }
    const next = events.value.length + wanted.length > STREAM_LIMIT * 1.2 ? events.value.slice(-(STREAM_LIMIT - wanted.length)) : events.value.slice();
    next.push(...wanted);
    events.value = next;
    triggerRef(events);
  });

  return {
    mode, url, demo, instances, connections, restError, refreshedAt, overLimit, maxConnections, metrics, config, tests, toasts, busy, lastError,
    events, held, paused, hasMore, loading, filter, board, counts, globalLink, linkOf, eventTypes,
    loadSnapshot, reload, loadOlder, setPaused, connect, disconnect, test, refresh, setMode, enableWebsocket, loadConfig, saveConfig, exportEvents,
  };
});
