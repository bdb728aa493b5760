import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { defaultSettings } from '../../src-main/contract/settings';
import { allModules } from '../../src-main/composition';
import { createCore } from '../../src-main/core/app-core';
import type { CoreContext, ModuleFactory } from '../../src-main/core/context';
import { DisposableStore, MutableDisposable, toDisposable } from '../../src-main/core/disposable';
import { startDemo } from '../../src-main/demo';
import { KeyFileCipher } from '../../src-main/secrets/cipher';
import { until } from './until';

/** Handles that keep the process up (ref'd timers, sockets, servers), by kind. */
function activeHandles(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo()) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return counts;
}

/** Kinds with more handles now than at `baseline` (empty when everything made since is gone). */
function leftSince(baseline: Map<string, number>): Record<string, number> {
  const left: Record<string, number> = {};
  for (const [kind, n] of activeHandles()) if (n > (baseline.get(kind) ?? 0) && kind !== 'FSReqCallback') left[kind] = n - (baseline.get(kind) ?? 0);
  return left;
}

const listeners = (ctx: CoreContext) => ({ commands: ctx.commands.size, hub: ctx.hub.listenerCount, settings: ctx.settings.listenerCount, secrets: ctx.secrets.listenerCount });

describe('one ownership model: stopping the core leaves nothing behind', () => {
  it('every module and the demo simulators: no socket, server, timer, command or listener left after close', { timeout: 60_000 }, async () => {
    const baseline = activeHandles();
    const dataDir = mkdtempSync(join(tmpdir(), 'ops-ownership-'));
    const core = await createCore({ host: 'web', version: 'test', dataDir, cipher: new KeyFileCipher(join(dataDir, 'k')), demo: true, startDemo, config: { settings: defaultSettings(), secrets: {}, adminPin: '1234' }, modules: allModules });
    const ctx = core.ctx;
    // Every upstream connected to its simulator: sockets, streams, timers all live.
    await until('every link open', () => ['rpaLogs', 'keywordHub', 'evolution', 'dashboard', 'webhooks'].every((id) => ctx.links.get(id as 'rpaLogs')?.currentState === 'open'), 30_000);
    expect(listeners(ctx).commands).toBeGreaterThan(50);
    expect(Object.keys(leftSince(baseline)).length).toBeGreaterThan(0);

    await core.close();
    expect(listeners(ctx)).toEqual({ commands: 0, hub: 0, settings: 0, secrets: 0 });
    // Sockets finish closing on their own turn of the loop; wait for that, never a fixed time.
    await until('no handle left', () => Object.keys(leftSince(baseline)).length === 0, 15_000).catch(() => undefined);
    expect(leftSince(baseline)).toEqual({});
  });

  it('a module that fails to start: the ones already started stop again, newest first, and the core closes', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ops-rollback-'));
    const baseline = activeHandles();
    const order: string[] = [];
    let ctx: CoreContext | null = null;
    const good =
      (name: string): ModuleFactory =>
      (c) => {
        ctx = c;
        const owned = new DisposableStore();
        return {
          name,
          start() {
            order.push(`start ${name}`);
            owned.add(c.commands.handle(name === 'a' ? 'dashboard.state' : 'logs.jobs', () => ({}) as never));
            owned.defer(c.hub.on('alerts.changed', () => undefined));
            owned.defer(c.settings.onChange(() => undefined));
            owned.interval(1_000, () => undefined);
            owned.defer(() => order.push(`stop ${name}`));
          },
          stop: () => owned.dispose(),
        };
      };
    const failing: ModuleFactory = () => ({
      name: 'broken',
      start() {
        throw new Error('cannot bind its port');
      },
      stop: () => void order.push('stop broken'),
    });
    const booting = createCore({ host: 'web', version: 'test', dataDir, cipher: new KeyFileCipher(join(dataDir, 'k')), demo: false, config: { settings: defaultSettings(), secrets: {} }, modules: [good('a'), good('b'), failing] });
    await expect(booting).rejects.toThrow('cannot bind its port');
    expect(order).toEqual(['start a', 'start b', 'stop broken', 'stop b', 'stop a']);
    expect(listeners(ctx!)).toEqual({ commands: 0, hub: 0, settings: 0, secrets: 0 });
    expect(leftSince(baseline)).toEqual({});
  });
});

describe('DisposableStore / MutableDisposable', () => {
  it('disposes newest first, every one even when one throws, and at once what is added after', () => {
    const order: string[] = [];
    const store = new DisposableStore();
    store.defer(() => order.push('first'));
    store.add(
      toDisposable(() => {
        order.push('throws');
        throw new Error('boom');
      }),
    );
    store.defer(() => order.push('last'));
    expect(() => store.dispose()).toThrow('boom');
    expect(order).toEqual(['last', 'throws', 'first']);
    store.defer(() => order.push('late'));
    expect(order.at(-1)).toBe('late');
    store.dispose();
    expect(order.filter((o) => o === 'first')).toHaveLength(1);
  });

  it('a slot disposes the value it replaces, and a timer it holds', () => {
    vi.useFakeTimers();
    try {
      const fired: string[] = [];
      const slot = new MutableDisposable();
      const store = new DisposableStore();
      slot.value = toDisposable(() => fired.push('old disposed'));
      slot.value = store;
      store.interval(100, () => fired.push('tick'));
      vi.advanceTimersByTime(250);
      slot.dispose();
      vi.advanceTimersByTime(1_000);
      expect(fired).toEqual(['old disposed', 'tick', 'tick']);
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });
});
