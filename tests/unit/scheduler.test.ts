import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { IntegrationSettings } from '../../src-main/contract/integrations';
import { createCore, type Core } from '../../src-main/core/app-core';
import type { CallerContext } from '../../src-main/core/commands';
import { Storage } from '../../src-main/core/storage';
import { startWebhookSink } from '../../src-main/demo/webhooks-sim';
import { DeliveryQueue } from '../../src-main/integrations/delivery-queue';
import { integrationsModule } from '../../src-main/integrations/module';
import { lastOccurrence, nextOccurrence, Scheduler } from '../../src-main/integrations/scheduler';
import { KeyFileCipher } from '../../src-main/secrets/cipher';

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});
const DAY = 86_400_000;
const admin: CallerContext = { host: 'web', trusted: true, session: 'a' };

async function core(): Promise<Core> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ops-sched-'));
  const c = await createCore({ host: 'web', version: 't', dataDir, cipher: new KeyFileCipher(join(dataDir, 'k')), demo: false, modules: [integrationsModule] });
  cleanup.push(() => c.close());
  return c;
}

describe('retention', () => {
  it('removes exactly what is older than its limit, keeping errors and pending deliveries', async () => {
    const c = await core();
    const { journal, storage } = c.ctx;
    const now = Date.now();
    const old = now - 100 * DAY;
    journal.record({ at: old, upstream: 'rpaLogs', type: 'log', level: 'info', ids: {}, summary: 'velho info', raw: null });
    journal.record({ at: old, upstream: 'rpaLogs', type: 'log', level: 'error', ids: {}, summary: 'velho erro', raw: null });
    journal.record({ at: now - 10 * DAY, upstream: 'rpaLogs', type: 'log', level: 'info', ids: {}, summary: 'recente', raw: null });

    const alert = (id: string, state: string, lastAt: number) =>
      storage.run('INSERT INTO alerts (id, key, state, severity, raised_at, last_at, body) VALUES (?, ?, ?, ?, ?, ?, ?)', id, id, state, 'high', lastAt, lastAt, JSON.stringify({ id, key: id, state }));
    alert('a-old-ack', 'acknowledged', old);
    alert('a-old-active', 'active', old);
    alert('a-new-resolved', 'resolved', now - DAY);

    // Delivery log: 30 days. One old settled delivery (and its attempt) goes; an old pending one stays.
    const queue = new DeliveryQueue(storage);
    const deliveryOld = now - 40 * DAY;
    const [settled] = queue.enqueue({ id: 'msg_old', type: 'job.error', at: deliveryOld, data: {} }, ['wh_1'], deliveryOld);
    const attempt = { at: deliveryOld, url: 'http://x', requestHeaders: {}, requestBody: '{}', status: 200, responseExcerpt: '', durationMs: 3, error: null, ok: true };
    queue.finish(settled!, attempt, { state: 'succeeded', nextAt: null, failures: 0, status: 200, error: null }, deliveryOld);
    const [pending] = queue.enqueue({ id: 'msg_pending', type: 'job.error', at: deliveryOld, data: {} }, ['wh_1'], deliveryOld);
    const [recent] = queue.enqueue({ id: 'msg_new', type: 'job.error', at: now, data: {} }, ['wh_1'], now);
    queue.finish(recent!, { ...attempt, at: now }, { state: 'succeeded', nextAt: null, failures: 0, status: 200, error: null }, now);

    const inbound = (id: string, at: number, level: string) =>
      storage.run('INSERT INTO inbound_events (id, at, source, scheme, event, summary, level, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?)', id, at, 'fiscal', 'standard', 'e', 's', level, '{}');
    inbound('i-old', old, 'info');
    inbound('i-old-err', old, 'error');
    inbound('i-new', now, 'info');

    const result = await c.commands.dispatch('schedule.runRetention', {}, admin);
    expect(result).toMatchObject({ ok: true, value: { journal: 1, alerts: 1, deliveries: 1, attempts: 1, inbound: 1 } });

    expect(journal.recent({ limit: 100, upstream: 'rpaLogs' }).map((e) => e.summary)).toEqual(['velho erro', 'recente']);
    const alertIds = (storage.db.prepare('SELECT id FROM alerts ORDER BY id').all() as Array<{ id: string }>).map((r) => r.id);
    expect(alertIds).toEqual(['a-new-resolved', 'a-old-active']);
    expect(queue.get(settled!.id)).toBeNull();
    expect(queue.get(pending!.id)).toMatchObject({ state: 'pending' });
    expect(queue.attempts(recent!.id)).toHaveLength(1);
    expect(queue.event('msg_old')).toBeNull();
    expect(queue.event('msg_pending')).not.toBeNull();
    const inboundIds = (storage.db.prepare('SELECT id FROM inbound_events ORDER BY id').all() as Array<{ id: string }>).map((r) => r.id);
    expect(inboundIds).toEqual(['i-new', 'i-old-err']);
  });
});

describe('daily summary', () => {
  it('counts events per upstream, alerts by severity and deliveries, and sends it to subscribers', async () => {
    const c = await core();
    const sink = await startWebhookSink();
    cleanup.push(() => sink.stop());
    await c.commands.dispatch(
      'webhooks.create',
      { webhook: { name: 'relatórios', url: sink.url, events: ['daily.summary'], headers: {}, timeoutMs: 5_000, enabled: true, signing: 'standard', template: 'standard' } },
      admin,
    );
    for (let i = 0; i < 3; i++) c.ctx.journal.record({ upstream: 'rpaLogs', type: 'log', level: 'info', ids: {}, summary: `l${i}`, raw: null });
    c.ctx.journal.record({ at: Date.now() - 2 * DAY, upstream: 'rpaLogs', type: 'log', level: 'info', ids: {}, summary: 'anteontem', raw: null });
    c.ctx.alerts.raise({ source: 'dashboard', severity: 'critical', key: 'c1', title: 'crítico' });
    c.ctx.alerts.raise({ source: 'dashboard', severity: 'high', key: 'h1', title: 'alto' });
    c.ctx.alerts.raise({ source: 'dashboard', severity: 'high', key: 'h2', title: 'alto 2' });

    const result = (await c.commands.dispatch('schedule.runSummary', {}, admin)) as { ok: true; value: Record<string, unknown> };
    expect(result.value).toMatchObject({ eventsByUpstream: { rpaLogs: 3 }, alertsBySeverity: { critical: 1, high: 2 }, sent: true });
    const [req] = await sink.waitFor(1);
    expect(JSON.parse(req!.body)).toMatchObject({ type: 'daily.summary', data: { alertsBySeverity: { critical: 1, high: 2 } } });
    expect(await c.commands.dispatch('schedule.status', {}, admin)).toMatchObject({ ok: true, value: { lastSummary: { sent: true } } });
  });
});

describe('schedule timing', () => {
  const settings = IntegrationSettings.parse({}).schedule; // retention 03:00, summary 08:00

  it('computes the last and next local occurrence of HH:MM', () => {
    const at = new Date(2025, 2, 10, 10, 0).getTime();
    expect(lastOccurrence('03:00', at)).toBe(new Date(2025, 2, 10, 3, 0).getTime());
    expect(nextOccurrence('03:00', at)).toBe(new Date(2025, 2, 11, 3, 0).getTime());
    expect(lastOccurrence('23:30', at)).toBe(new Date(2025, 2, 9, 23, 30).getTime());
  });

  it('runs each job once at its time, and a job missed while off once at start', () => {
    let now = new Date(2025, 2, 10, 10, 0).getTime();
    const storage = Storage.open(':memory:');
    cleanup.push(() => storage.close());
    const runs: string[] = [];
    const make = () =>
      new Scheduler({
        storage,
        settings: () => settings,
        now: () => now,
        retention: () => (runs.push('retention'), { deliveries: 0, attempts: 0, journal: 0, alerts: 0, inbound: 0 }),
        summary: () => (runs.push('summary'), { eventsByUpstream: {}, alertsBySeverity: {}, deliveries: { succeeded: 0, failed: 0, pending: 0 }, inbound: 0 }),
      });
    const s = make();
    s.start();
    s.stop();
    expect(runs).toEqual([]); // first start: nothing missed
    now = new Date(2025, 2, 11, 2, 59).getTime();
    s.tick();
    expect(runs).toEqual([]);
    now = new Date(2025, 2, 11, 3, 0, 30).getTime();
    s.tick();
    s.tick();
    expect(runs).toEqual(['retention']);
    now = new Date(2025, 2, 11, 8, 1).getTime();
    s.tick();
    expect(runs).toEqual(['retention', 'summary']);
    // Off for two days: each missed job runs once at the next start.
    now = new Date(2025, 2, 13, 12, 0).getTime();
    make().start();
    expect(runs).toEqual(['retention', 'summary', 'retention', 'summary']);
  });
});
