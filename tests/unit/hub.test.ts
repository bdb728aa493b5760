import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { EventBatch, JournalEntry, UpstreamStatus } from '../../src-main/contract';
import { Hub } from '../../src-main/core/hub';

const status = (events: number): UpstreamStatus => ({
  id: 'rpaLogs', state: 'open', since: 0, url: '', lastEventAt: null, events, errors: 0, reconnects: 0, message: '', note: 'connected', reason: null, attempt: 0, retryAt: null, latencyMs: null, demo: false,
});
const entry = (seq: number): JournalEntry => ({ seq, at: seq, upstream: 'rpaLogs', type: 'log', level: 'info', ids: {}, summary: '', raw: null });

describe('Hub', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('delivers to in-process listeners synchronously and isolates a failing listener', () => {
    const hub = new Hub();
    const seen: number[] = [];
    hub.on('connections.status', () => {
      throw new Error('boom');
    });
    hub.on('connections.status', (s) => seen.push(s.events));
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    hub.publish('connections.status', status(1));
    expect(seen).toEqual([1]);
  });

  it('batches per flush window and only forwards subscribed channels', async () => {
    const hub = new Hub();
    const batches: EventBatch[] = [];
    hub.openOutlet({ channels: ['connections.status'], flushMs: 20, send: (b) => batches.push(b) });
    hub.publish('connections.status', status(1));
    hub.publish('inspector.entries', entry(1));
    hub.publish('connections.status', status(2));
    expect(batches).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(20);
    expect(batches).toHaveLength(1);
    expect(batches[0]!.events.map((e) => (e.data as UpstreamStatus).events)).toEqual([1, 2]);
  });

  it('sends the first event after a quiet period at once, then at most one batch per window', async () => {
    const hub = new Hub();
    const batches: EventBatch[] = [];
    hub.openOutlet({ channels: ['connections.status'], flushMs: 100, send: (b) => batches.push(b) });
    hub.publish('connections.status', status(1));
    await vi.advanceTimersByTimeAsync(1);
    expect(batches).toHaveLength(1);
    hub.publish('connections.status', status(2));
    hub.publish('connections.status', status(3));
    await vi.advanceTimersByTimeAsync(50);
    expect(batches).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(50);
    expect(batches.map((b) => b.events.length)).toEqual([1, 2]);
  });

  it('bounded channels keep the newest events and count the drops; lossless never drops', async () => {
    const hub = new Hub();
    const batches: EventBatch[] = [];
    let open = false;
    hub.openOutlet({ channels: '*', flushMs: 10, send: (b) => batches.push(b), writable: () => open });
    for (let i = 1; i <= 10_000; i++) hub.publish('inspector.entries', entry(i));
    for (let i = 1; i <= 3_000; i++) hub.publish('connections.status', status(i));
    await vi.advanceTimersByTimeAsync(100); // congested: nothing sent yet
    expect(batches).toHaveLength(0);
    open = true;
    await vi.advanceTimersByTimeAsync(10);
    const batch = batches[0]!;
    const entries = batch.events.filter((e) => e.ch === 'inspector.entries').map((e) => (e.data as JournalEntry).seq);
    const statuses = batch.events.filter((e) => e.ch === 'connections.status');
    expect(entries).toHaveLength(2_000);
    expect(entries[0]).toBe(8_001);
    expect(entries.at(-1)).toBe(10_000);
    expect(batch.drops).toEqual({ 'inspector.entries': 8_000 });
    expect(statuses).toHaveLength(3_000);
    expect(hub.stats.get('inspector.entries')).toEqual({ published: 10_000, dropped: 8_000 });
  });

  it('a closed outlet receives nothing more', async () => {
    const hub = new Hub();
    const batches: EventBatch[] = [];
    const outlet = hub.openOutlet({ channels: '*', send: (b) => batches.push(b) });
    hub.publish('connections.status', status(1));
    outlet.close();
    await vi.advanceTimersByTimeAsync(100);
    hub.publish('connections.status', status(2));
    await vi.advanceTimersByTimeAsync(100);
    expect(batches).toHaveLength(0);
  });
});
