import { defineStore } from 'pinia';
import { ref, shallowRef, watch } from 'vue';
import { Rotation, routeForTarget, type RotationState } from '../views/wallboard/rotation';
import { useAlertsStore } from './alerts';
import { useWallboardStore } from './wallboard';

/**
 * The kiosk's rotation in the renderer: playlist from settings (one per display, `?display=N`),
 * interaction pauses it, remote switches and pre-empting alerts drive it.
 */
export const useKioskStore = defineStore('kiosk', () => {
  const wb = useWallboardStore();
  const alerts = useAlertsStore();
  const route = ref('/wallboard');
  const state = shallowRef<RotationState | null>(null);
  const ignored = ref<string | null>(null);
  let rotation: Rotation | null = null;
  const offs: Array<() => void> = [];

  const playlistFor = (display: number) => {
    const lists = wb.kiosk.playlists;
    return lists[display] ?? lists[0]!;
  };
  const options = (display: number) => ({
    playlist: playlistFor(display),
    idleResumeMs: wb.kiosk.idleResumeSec * 1000,
    preemptHoldMs: wb.kiosk.preemptHoldSec * 1000,
    remoteHoldMs: wb.kiosk.remoteHoldSec * 1000,
    preemptSeverities: wb.kiosk.preemptSeverities,
  });

  function start(display: number): void {
    stop();
    rotation = new Rotation({
      ...options(display),
      navigate: (r) => (route.value = r),
      onChange: (s) => (state.value = s),
    });
    rotation.start();
    offs.push(
      wb.onRemoteSwitch((s) => {
        const r = routeForTarget(s.target);
        if (r) rotation?.remoteSwitch(r);
        else ignored.value = s.target;
      }),
      alerts.onAlert((a) => rotation?.alertChanged(a)),
      watch(() => wb.kiosk, () => rotation?.update(options(display)), { deep: true }),
    );
  }
  function stop(): void {
    rotation?.stop();
    rotation = null;
    for (const off of offs.splice(0)) off();
  }
  const interact = () => rotation?.interact();
  return { route, state, ignored, start, stop, interact };
});
