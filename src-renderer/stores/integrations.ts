import { defineStore } from 'pinia';
import { ref, shallowRef, triggerRef } from 'vue';
import type {
  Attempt,
  ConsoleEventType,
  DailySummary,
  Delivery,
  InboundEvent,
  InboundStatus,
  IntegrationSettings,
  RetentionResult,
  ScheduleStatus,
  Webhook,
  WebhookInput,
  WebhookStats,
} from '../../src-main/contract/integrations';
import { BridgeCallError, useBridge } from '../bridge';
import { useSnapshot } from '../bridge/snapshot';

const DELIVERIES = 300;
const INBOUND = 300;

/** Outbound webhooks, their delivery log, the inbound receiver and the scheduled jobs. */
export const useIntegrationsStore = defineStore('integrations', () => {
  const bridge = useBridge();
  const webhooks = ref<Webhook[]>([]);
  const stats = ref<Record<string, WebhookStats>>({});
  const deliveries = shallowRef<Delivery[]>([]);
  const inbound = shallowRef<InboundEvent[]>([]);
  const inboundStatus = ref<InboundStatus | null>(null);
  const settings = ref<IntegrationSettings | null>(null);
  const schedule = ref<ScheduleStatus | null>(null);
  const catalogue = ref<Array<{ type: ConsoleEventType; sample: unknown }>>([]);
  const lastError = ref('');
  const busy = ref(false);

  const refreshStats = async () => {
    const list = await bridge.call('webhooks.stats');
    stats.value = Object.fromEntries(list.map((s) => [s.webhookId, s]));
  };
  let statsTimer: ReturnType<typeof setTimeout> | null = null;
  const statsSoon = () => {
    statsTimer ??= setTimeout(() => {
      statsTimer = null;
      void refreshStats().catch(() => undefined);
    }, 1_500);
  };

  useSnapshot('integrations', async () => {
    const [w, d, i, st, s, sch, cat] = await Promise.all([
      bridge.call('webhooks.list'),
      bridge.call('webhooks.deliveries', { limit: DELIVERIES }),
      bridge.call('inbound.events', { limit: INBOUND }),
      bridge.call('inbound.status'),
      bridge.call('integrations.settings'),
      bridge.call('schedule.status'),
      bridge.call('integrations.catalogue'),
    ]);
    webhooks.value = w;
    deliveries.value = d;
    inbound.value = i;
    inboundStatus.value = st;
    settings.value = s;
    schedule.value = sch;
    catalogue.value = cat;
    await refreshStats();
  });
  bridge.on('webhooks.changed', (items) => {
    const byId = new Map(webhooks.value.map((w) => [w.id, w]));
    for (const w of items) byId.set(w.id, w);
    webhooks.value = [...byId.values()].sort((a, b) => a.createdAt - b.createdAt);
  });
  bridge.on('webhooks.removed', (items) => {
    const gone = new Set(items.map((i) => i.id));
    webhooks.value = webhooks.value.filter((w) => !gone.has(w.id));
  });
  bridge.on('webhooks.delivery', (items) => {
    const list = deliveries.value;
    const index = new Map(list.map((d, i) => [d.id, i]));
    for (const d of items) {
      const at = index.get(d.id);
      if (at !== undefined) list[at] = d;
      else {
        list.unshift(d);
        index.clear();
        list.forEach((x, i) => index.set(x.id, i));
      }
    }
    if (list.length > DELIVERIES) list.length = DELIVERIES;
    triggerRef(deliveries);
    statsSoon();
  });
  bridge.on('inbound.events', (items) => {
    inbound.value = [...[...items].reverse(), ...inbound.value].slice(0, INBOUND);
  });
  bridge.on('inbound.status', (items) => (inboundStatus.value = items.at(-1) ?? inboundStatus.value));
  bridge.on('integrations.summary', (items) => {
    const last = items.at(-1) as DailySummary;
    if (schedule.value) schedule.value = { ...schedule.value, lastSummary: last };
  });
  bridge.on('integrations.retention', (items) => {
    const last = items.at(-1) as RetentionResult;
    if (schedule.value) schedule.value = { ...schedule.value, lastRetention: last };
  });

  /** Run a call, keep the error text for the view; resolves to undefined on failure. */
  async function act<T>(work: () => Promise<T>): Promise<T | undefined> {
    busy.value = true;
    lastError.value = '';
    try {
      return await work();
    } catch (error) {
      lastError.value = error instanceof BridgeCallError ? (error.error.issues?.map((i) => `${i.path}: ${i.message}`).join('; ') || error.message) : String(error);
      return undefined;
    } finally {
      busy.value = false;
    }
  }

  const save = (id: string | null, webhook: WebhookInput, secret?: string) =>
    act(async () => {
      const args = secret ? { webhook, secret } : { webhook };
      return id ? await bridge.call('webhooks.update', { id, ...args }) : (await bridge.call('webhooks.create', args)).webhook;
    });
  const remove = (id: string) => act(() => bridge.call('webhooks.delete', { id }));
  const setEnabled = (w: Webhook, enabled: boolean) => {
    // Header values come masked; sending the masks back keeps the stored values.
    const { name, url, events, headers, timeoutMs, signing, simpleSignature, template, allowLinkLocal } = w;
    return save(w.id, { name, url, events, headers, timeoutMs, signing, simpleSignature, template, allowLinkLocal, enabled });
  };
  const test = (id: string) => act(() => bridge.call('webhooks.test', { id }));
  const dispatch = (type: ConsoleEventType, webhookId?: string) => act(() => bridge.call('webhooks.dispatch', webhookId ? { type, webhookId } : { type }));
  const replay = (id: string) => act(() => bridge.call('webhooks.replay', { id }));
  const attempts = (id: string): Promise<Attempt[]> => bridge.call('webhooks.attempts', { id });
  const saveSettings = (next: IntegrationSettings) =>
    act(async () => {
      settings.value = await bridge.call('integrations.saveSettings', { settings: next });
      inboundStatus.value = await bridge.call('inbound.status');
      schedule.value = await bridge.call('schedule.status');
    });
  const setInboundSecret = (source: string, secret: string) =>
    act(async () => {
      await bridge.call('inbound.setSecret', { source, secret });
      inboundStatus.value = await bridge.call('inbound.status');
    });
  const runRetention = () => act(async () => (schedule.value = { ...(schedule.value ?? (await bridge.call('schedule.status'))), lastRetention: await bridge.call('schedule.runRetention') }));
  const runSummary = () => act(async () => (schedule.value = { ...(schedule.value ?? (await bridge.call('schedule.status'))), lastSummary: await bridge.call('schedule.runSummary') }));

  return {
    webhooks,
    stats,
    deliveries,
    inbound,
    inboundStatus,
    settings,
    schedule,
    catalogue,
    lastError,
    busy,
    save,
    remove,
    setEnabled,
    test,
    dispatch,
    replay,
    attempts,
    saveSettings,
    setInboundSecret,
    runRetention,
    runSummary,
  };
});
