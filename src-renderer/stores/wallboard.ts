import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import type { DashboardHealth, DashboardSnapshot, KioskSettings, ProjectsSnapshot, RemoteSwitch, TicketsSnapshot } from '../../src-main/contract/dashboard';
import { KioskSettings as KioskSettingsSchema } from '../../src-main/contract/dashboard';
import { useBridge } from '../bridge';
import { useSnapshot } from '../bridge/snapshot';
import { useConnectionsStore } from './connections';

/** The dashboard channel's boards as main keeps them (live, or the last known with their age). */
export const useWallboardStore = defineStore('wallboard', () => {
  const bridge = useBridge();
  const connections = useConnectionsStore();
  const tickets = shallowRef<TicketsSnapshot | null>(null);
  const projects = shallowRef<ProjectsSnapshot | null>(null);
  const dashboard = shallowRef<DashboardSnapshot | null>(null);
  const health = ref<DashboardHealth>({ unknown: 0, malformed: 0, invalidItems: 0, upstreamErrors: 0, lastProblem: null });
  const clientId = ref('');
  const kiosk = ref<KioskSettings>(KioskSettingsSchema.parse({}));
  const switches = new Set<(s: RemoteSwitch) => void>();

  useSnapshot('wallboard', async () => {
    const [state, settings] = await Promise.all([bridge.call('dashboard.state', {}), bridge.call('settings.get', {})]);
    tickets.value = state.tickets;
    projects.value = state.projects;
    dashboard.value = state.dashboard;
    health.value = state.health;
    clientId.value = state.clientId;
    kiosk.value = settings.kiosk;
  });
  bridge.on('dashboard.snapshot', (items) => {
    // Only the newest of each view in a batch matters.
    for (const s of items) {
      if (s.view === 'tickets') tickets.value = s;
      else if (s.view === 'projects') projects.value = s;
      else dashboard.value = s;
    }
  });
  bridge.on('settings.changed', (items) => (kiosk.value = items.at(-1)!.kiosk));
  bridge.on('dashboard.health', (items) => (health.value = items.at(-1)!));
  bridge.on('dashboard.remoteSwitch', (items) => {
    for (const s of items) for (const l of switches) l(s);
  });

  const link = computed(() => connections.byKey['dashboard'] ?? null);
  const online = computed(() => link.value?.state === 'open');

  const onRemoteSwitch = (l: (s: RemoteSwitch) => void) => (switches.add(l), () => switches.delete(l));
  async function saveKiosk(next: KioskSettings): Promise<void> {
    const current = await bridge.call('settings.get', {});
    kiosk.value = (await bridge.call('settings.update', { settings: { ...current, kiosk: next } })).kiosk;
  }
  async function setClientId(id: string): Promise<void> {
    clientId.value = (await bridge.call('dashboard.setClientId', { clientId: id })).clientId;
  }
  return { tickets, projects, dashboard, health, clientId, kiosk, link, online, onRemoteSwitch, saveKiosk, setClientId };
});
