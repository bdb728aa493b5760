import { describe, expect, it } from 'vitest';
import { effectScope } from 'vue';
import { BridgeCallError } from '../../src-renderer/bridge/client';
import { errorCodes } from '../../src-main/contract/wire';
import { failedSnapshots, useSnapshot, type SnapshotArea } from '../../src-renderer/bridge/snapshot';
import messages from '../../src-renderer/i18n/messages/snapshot';

/** Issue 15: a store's snapshot that fails is visible (loading / error / retry), never stale in silence. */
function fakeBridge() {
  const listeners = new Set<() => void>();
  return {
    onConnect(listener: () => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    connect: () => listeners.forEach((l) => l()),
    get listeners() {
      return listeners.size;
    },
  };
}
const unavailable = () => new BridgeCallError({ code: 'unavailable', message: 'keyword hub store is closed' });
/** A loader whose calls the test settles one by one. */
function manualLoader() {
  const calls: Array<{ resolve: () => void; reject: (e: unknown) => void }> = [];
  const loader = () => new Promise<void>((resolve, reject) => calls.push({ resolve, reject }));
  return { loader, calls };
}
const flush = () => new Promise<void>((r) => setImmediate(r));

describe('useSnapshot', () => {
  it('loads on every connect; a failure is kept with its code until Retry succeeds', async () => {
    const bridge = fakeBridge();
    const { loader, calls } = manualLoader();
    const scope = effectScope();
    const snap = scope.run(() => useSnapshot('executions', loader, bridge))!;
    expect(snap.loading.value).toBe(false);

    bridge.connect();
    expect(snap.loading.value).toBe(true);
    calls[0]!.reject(unavailable());
    await flush();
    expect(snap.loading.value).toBe(false);
    expect(snap.error.value).toEqual({ code: 'unavailable', detail: 'keyword hub store is closed' });
    expect(failedSnapshots.value).toContain(snap);

    const retried = snap.retry();
    expect(snap.loading.value).toBe(true);
    calls[1]!.resolve();
    await retried;
    expect(snap.error.value).toBeNull();
    expect(failedSnapshots.value).not.toContain(snap);
    scope.stop();
  });

  it('a thrown non-bridge error is an internal problem, not an unhandled rejection', async () => {
    const bridge = fakeBridge();
    const scope = effectScope();
    const snap = scope.run(() =>
      useSnapshot('wallboard', async () => {
        throw new TypeError('bad snapshot shape');
      }, bridge),
    )!;
    bridge.connect();
    await flush();
    expect(snap.error.value).toEqual({ code: 'internal', detail: 'bad snapshot shape' });
    scope.stop();
  });

  it('only the newest load decides (a reconnect while the first load is still running)', async () => {
    const bridge = fakeBridge();
    const { loader, calls } = manualLoader();
    const scope = effectScope();
    const snap = scope.run(() => useSnapshot('alerts', loader, bridge))!;
    bridge.connect();
    bridge.connect();
    calls[1]!.resolve();
    await flush();
    calls[0]!.reject(unavailable()); // the older, lost load fails late
    await flush();
    expect(snap.error.value).toBeNull();
    expect(snap.loading.value).toBe(false);
    scope.stop();
  });

  it("a view's snapshot leaves the error line and stops loading with the view", async () => {
    const bridge = fakeBridge();
    const scope = effectScope();
    const snap = scope.run(() => useSnapshot('logRules', () => Promise.reject(unavailable()), bridge))!;
    bridge.connect();
    await flush();
    expect(failedSnapshots.value).toContain(snap);
    scope.stop();
    expect(failedSnapshots.value).not.toContain(snap);
    expect(bridge.listeners).toBe(0);
  });
});

describe('the snapshot error line wording', () => {
  it('words every area and every error code main can send, in pt-BR and en', () => {
    const areas: Record<SnapshotArea, true> = { admin: true, alerts: true, connections: true, executions: true, inspector: true, integrations: true, logs: true, logRules: true, settings: true, system: true, wallboard: true, whatsapp: true };
    for (const locale of ['en', 'pt-BR'] as const) {
      const m = messages[locale].snapshot;
      expect(Object.keys(m.area).sort()).toEqual(Object.keys(areas).sort());
      expect(Object.keys(m.reason).sort()).toEqual([...errorCodes].sort());
    }
  });
});
