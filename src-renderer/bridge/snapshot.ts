import { computed, getCurrentScope, onScopeDispose, ref, shallowReactive, type Ref } from 'vue';
import type { BridgeError } from '../../src-main/contract/wire';
import { BridgeCallError, type Bridge } from './client';
import { useBridge } from './index';

/** Which part of the screen a snapshot feeds (worded by `snapshot.area.<area>` in each language). */
export type SnapshotArea =
  | 'admin'
  | 'alerts'
  | 'connections'
  | 'executions'
  | 'inspector'
  | 'integrations'
  | 'logs'
  | 'logRules'
  | 'settings'
  | 'system'
  | 'wallboard'
  | 'whatsapp';

/** Why a snapshot failed: main's error code (the screen words it) and its text for the title. */
export interface SnapshotProblem {
  code: BridgeError['code'];
  detail: string;
}

export interface Snapshot {
  readonly area: SnapshotArea;
  readonly loading: Ref<boolean>;
  readonly error: Ref<SnapshotProblem | null>;
  /** Load again now (the Retry button; also what every (re)connect of the bridge does). */
  retry(): Promise<void>;
}

const all = shallowReactive<Snapshot[]>([]);

/** Snapshots whose last load failed, for the shared error line (`SnapshotErrors.vue`). */
export const failedSnapshots = computed(() => all.filter((s) => s.error.value));

const problemOf = (error: unknown): SnapshotProblem =>
  error instanceof BridgeCallError ? { code: error.error.code, detail: error.error.message } : { code: 'internal', detail: error instanceof Error ? error.message : String(error) };

/**
 * Load a store's snapshot on every bridge (re)connect, with its loading and error state: a
 * failed snapshot is shown (with Retry) instead of leaving the screen stale in silence. Only the
 * newest load's outcome counts (a reconnect can start one while another is in flight).
 */
export function useSnapshot(area: SnapshotArea, loader: () => Promise<unknown>, bridge: Pick<Bridge, 'onConnect'> = useBridge()): Snapshot {
  const loading = ref(false);
  const error = ref<SnapshotProblem | null>(null);
  let latest = 0;
  async function retry(): Promise<void> {
    const run = ++latest;
    loading.value = true;
    try {
      await loader();
      if (run === latest) error.value = null;
    } catch (failure) {
      if (run === latest) error.value = problemOf(failure);
    } finally {
      if (run === latest) loading.value = false;
    }
  }
  const snapshot: Snapshot = { area, loading, error, retry };
  all.push(snapshot);
  const off = bridge.onConnect(() => void retry());
  // A view's own snapshot (not a store's) goes away with the view.
  if (getCurrentScope())
    onScopeDispose(() => {
      off();
      all.splice(all.indexOf(snapshot), 1);
      latest++;
    });
  return snapshot;
}
