import { defineStore } from 'pinia';
import { computed, ref, shallowRef, triggerRef } from 'vue';
import type { Alert, AlertSettings } from '../../src-main/contract/alerts';
import { AlertSettings as AlertSettingsSchema } from '../../src-main/contract/alerts';
import { useBridge } from '../bridge';
import { useSnapshot } from '../bridge/snapshot';
import { SoundScheduler } from '../components/alert-sound';
import { alertDetail, alertTitle } from '../components/alert-title';
import { i18n } from '../i18n';

const rank = { critical: 0, high: 1, medium: 2, low: 3, info: 4 } as const;
const bySeverity = (a: Alert, b: Alert) => rank[a.severity] - rank[b.severity] || b.lastAt - a.lastAt;

/**
 * `unknown`: not tried yet; `needs-click`: a browser that wants a gesture; `blocked`: a play()
 * was refused; `elsewhere`: another window of this kiosk plays the sounds (one per machine).
 */
type SoundState = 'unknown' | 'needs-click' | 'on' | 'blocked' | 'elsewhere';

/**
 * The alert center in the renderer: active alerts and history, acknowledge / snooze / mute,
 * the sound (one <audio> element in the page, so tests and kiosks can observe it) and
 * desktop notifications when the window is not focused.
 */
export const useAlertsStore = defineStore('alerts', () => {
  const bridge = useBridge();
  const byId = shallowRef(new Map<string, Alert>());
  const history = ref<Alert[]>([]);
  const mutedUntil = ref<number | null>(null);
  const settings = ref<AlertSettings>(AlertSettingsSchema.parse({}));
  const soundState = ref<SoundState>(bridge.transport === 'ipc' ? 'unknown' : 'needs-click');
  const lastPlayed = ref<string | null>(null);
  const listeners = new Set<(alert: Alert) => void>();
  let primed = false;
  const early: Alert[] = [];

  const audio = document.createElement('audio');
  audio.dataset.testid = 'alert-audio';
  audio.preload = 'auto';
  document.body.appendChild(audio);

  function play(src: string, volume: number): void {
    if (soundState.value === 'elsewhere') return;
    audio.pause();
    audio.src = src;
    audio.volume = Math.min(1, Math.max(0, volume));
    audio.currentTime = 0;
    lastPlayed.value = src;
    audio.play().then(
      () => (soundState.value = 'on'),
      (error: unknown) => {
        if ((error as DOMException)?.name === 'NotAllowedError') soundState.value = 'blocked';
        else console.warn('alert sound failed', error);
      },
    );
  }

  const scheduler = new SoundScheduler({ policy: () => settings.value, mutedUntil: () => mutedUntil.value, play });

  /** A click is a user gesture: browsers then allow sound for this page. */
  function enableSound(): void {
    audio.src = 'resources/sounds/info.wav';
    audio.volume = 0.01;
    audio.play().then(
      () => (soundState.value = 'on'),
      () => (soundState.value = 'blocked'),
    );
    if (typeof Notification !== 'undefined' && Notification.permission === 'default') void Notification.requestPermission();
  }

  function notify(alert: Alert): void {
    if (!settings.value.desktopNotifications || typeof Notification === 'undefined' || Notification.permission !== 'granted') return;
    if (document.hasFocus()) return;
    const global = i18n.global as unknown as { t(key: string): string };
    const sev = global.t(`alerts.severity.${alert.severity}`);
    const n = new Notification(`${sev}: ${alertTitle(alert)}`, { body: alertDetail(alert), tag: alert.key, requireInteraction: alert.severity === 'critical' });
    n.onclick = () => window.focus();
  }

  function upsert(list: Alert[]): void {
    const map = byId.value;
    for (const alert of list) {
      const before = map.get(alert.id);
      if (alert.state === 'active' || alert.state === 'snoozed') map.set(alert.id, alert);
      else map.delete(alert.id);
      if (!primed) {
        early.push(alert);
        continue;
      }
      scheduler.changed(alert);
      if (!before && alert.state === 'active') notify(alert);
      for (const l of listeners) l(alert);
    }
    triggerRef(byId);
  }

  useSnapshot('alerts', async () => {
    const [list, mute, s] = await Promise.all([bridge.call('alerts.list', {}), bridge.call('alerts.state', {}), bridge.call('settings.get', {})]);
    settings.value = s.alerts;
    mutedUntil.value = mute.mutedUntil;
    byId.value = new Map(list.map((a) => [a.id, a]));
    if (!primed) {
      // Alerts that came on the live channel while the first list was loading happened
      // now: they ring and pre-empt. Only the rest were already open before this page.
      const live = new Set(early.map((a) => a.id));
      scheduler.prime(list.filter((a) => !live.has(a.id)));
      primed = true;
      upsert(early.splice(0));
    }
  });
  bridge.on('settings.changed', (items) => (settings.value = items.at(-1)!.alerts));
  bridge.on('alerts.changed', upsert);
  bridge.on('alerts.mute', (items) => (mutedUntil.value = items.at(-1)!.mutedUntil));

  const active = computed(() => [...byId.value.values()].filter((a) => a.state === 'active').sort(bySeverity));
  const snoozed = computed(() => [...byId.value.values()].filter((a) => a.state === 'snoozed').sort(bySeverity));
  const top = computed(() => active.value[0] ?? null);
  const muted = computed(() => mutedUntil.value !== null && mutedUntil.value > Date.now());

  const acknowledge = (id: string) => bridge.call('alerts.acknowledge', { id, by: bridge.transport === 'ipc' ? 'desktop' : 'browser' });
  const acknowledgeAll = () => bridge.call('alerts.acknowledgeAll', {});
  const snooze = (id: string, minutes: number) => bridge.call('alerts.snooze', { id, minutes });
  const mute = async (minutes: number) => (mutedUntil.value = (await bridge.call('alerts.mute', { minutes })).mutedUntil);
  const loadHistory = async () => (history.value = await bridge.call('alerts.list', { includeClosed: true, limit: 500 }));
  async function saveSettings(next: AlertSettings): Promise<void> {
    const current = await bridge.call('settings.get', {});
    const saved = await bridge.call('settings.update', { settings: { ...current, alerts: next } });
    settings.value = saved.alerts;
  }
  /** Kiosk windows on displays other than the first stay silent: one sound, not an echo per screen. */
  function soundHere(on: boolean): void {
    if (!on) {
      audio.pause();
      soundState.value = 'elsewhere';
    } else if (soundState.value === 'elsewhere') soundState.value = bridge.transport === 'ipc' ? 'unknown' : 'needs-click';
  }
  const onAlert = (listener: (alert: Alert) => void) => (listeners.add(listener), () => listeners.delete(listener));

  return { active, snoozed, top, history, mutedUntil, muted, settings, soundState, lastPlayed, acknowledge, acknowledgeAll, snooze, mute, loadHistory, saveSettings, enableSound, soundHere, play, onAlert };
});
