import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChannelData, ChannelName } from '../../src-main/contract';
import type { Alert } from '../../src-main/contract/alerts';
import type { WallboardState } from '../../src-main/contract/dashboard';
import { defaultSettings, type Settings } from '../../src-main/contract/settings';
import { alertsModule } from '../../src-main/core/alerts';
import { createCore, type Core } from '../../src-main/core/app-core';
import { kioskModule } from '../../src-main/core/kiosk';
import { DASHBOARD_WS_PATH, startDashboardSimulator, type DashboardSimulator } from '../../src-main/demo/dashboard-sim';
import { KeyFileCipher } from '../../src-main/secrets/cipher';
import { dashboardModule } from '../../src-main/upstreams/dashboard';
import { items, plainTicket, WireTicket } from '../../src-main/upstreams/dashboard/wire';
import { until } from './until';

const caller = { host: 'web' as const, trusted: true, session: 't' };
let cores: Core[] = [];
let sims: DashboardSimulator[] = [];


async function boot(options: { url?: string; dataDir?: string; settings?: (s: Settings) => void; seedOnly?: boolean } = {}) {
  const sim = options.url ? null : await startDashboardSimulator({ autoplay: false, seed: 4, seedOnly: options.seedOnly ?? false });
  if (sim) sims.push(sim);
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'ops-dash-'));
  const settings = defaultSettings();
  settings.upstreams.dashboard.url = options.url ?? `${sim!.url.replace(/^http/, 'ws')}${DASHBOARD_WS_PATH}`;
  options.settings?.(settings);
  const core = await createCore({
    host: 'web',
    version: 'test',
    dataDir,
    cipher: new KeyFileCipher(join(dataDir, 'k')),
    demo: false,
    config: { settings, secrets: {} },
    modules: [alertsModule, kioskModule, dashboardModule],
  });
  cores.push(core);
  const events: Array<{ ch: ChannelName; data: unknown }> = [];
  for (const ch of ['dashboard.snapshot', 'dashboard.remoteSwitch', 'alerts.changed', 'dashboard.health'] as const) core.hub.on(ch, (data) => events.push({ ch, data }));
  const call = async <T = unknown>(cmd: string, args: object = {}): Promise<T> => {
    const r = await core.commands.dispatch(cmd, args, caller);
    if (!r.ok) throw Object.assign(new Error(r.error.message), { code: r.error.code });
    return r.value as T;
  };
  const state = () => call<WallboardState>('dashboard.state');
  const of = <C extends ChannelName>(ch: C) => events.filter((e) => e.ch === ch).map((e) => e.data as ChannelData<C>);
  const open = () => until('link open', () => core.ctx.links.get('dashboard')?.currentState === 'open');
  return { sim: sim!, core, dataDir, call, state, of, open, link: () => core.ctx.links.get('dashboard')!.status() };
}

afterEach(async () => {
  for (const core of cores) await core.close();
  await Promise.all(sims.map((s) => s.stop()));
  cores = [];
  sims = [];
});

describe('dashboard connector (seed 004)', () => {
  it('identifies with a stable Kiosk-XXXXX id, then requests every view, on every connect', async () => {
    const b = await boot();
    await b.open();
    await until('requests', () => b.sim.received.length >= 4);
    const id = b.core.ctx.settings.get().upstreams.dashboard.clientId;
    expect(id).toMatch(/^Kiosk-[A-Z]{5}$/);
    expect(b.sim.received.slice(0, 4).map((m) => (m as { type: string; view?: string }).view ?? (m as { type: string }).type)).toEqual(['identify', 'dashboard', 'tickets', 'projects']);
    expect(b.sim.received[0]).toMatchObject({ type: 'identify', clientId: id });
    expect(typeof (b.sim.received[0] as { timestamp: string }).timestamp).toBe('string');

    b.sim.dropClients();
    await until('second identify', () => b.sim.identified.length === 2);
    expect(b.sim.identified).toEqual([id, id]);

    await b.call('dashboard.setClientId', { clientId: 'Kiosk-SALA1' });
    await until('identify with new id', () => b.sim.identified.at(-1) === 'Kiosk-SALA1');
    expect(b.core.ctx.settings.get().upstreams.dashboard.clientId).toBe('Kiosk-SALA1');
  });

  it('keeps the latest tickets, projects and dashboard snapshots with the seed fields', async () => {
    const b = await boot();
    await b.open();
    await until('snapshots', () => b.of('dashboard.snapshot').length >= 3);
    const state = await b.state();
    expect(state.tickets!.tickets.length).toBe(24);
    const t = state.tickets!.tickets[0]!;
    expect(Object.keys(t)).toEqual(expect.arrayContaining(['id', 'title', 'assignedTo', 'priority', 'status', 'createdAt', 'entity', 'urgency']));
    expect(state.tickets!.counters.total).toBe(24);
    expect(state.tickets!.countersComputed).toBe(false);
    expect(state.projects!.projects[0]).toMatchObject({ id: 'proj-001', completed: expect.any(Number), inProgress: expect.any(Number), pending: expect.any(Number), dueDate: expect.stringMatching(/^\d{4}-\d\d-\d\d$/) });
    expect(state.dashboard!.kpis).toMatchObject({ openTickets: expect.any(Number), avgResponseTime: expect.stringMatching(/h/) });
    expect(state.dashboard!.technicians.length).toBe(5);
    expect(state.dashboard!.analysts.length).toBe(4);
    expect(state.dashboard!.recentActivity[0]).toMatchObject({ description: expect.stringContaining('Ticket #') });
    expect(state.tickets!.receivedAt).toBeGreaterThan(Date.now() - 10_000);

    b.sim.setTicketCount(7);
    await until('update', () => b.of('dashboard.snapshot').some((x) => x.view === 'tickets' && x.tickets.length === 7));
    expect((await b.state()).tickets!.tickets.length).toBe(7);
    expect(b.link().events).toBeGreaterThanOrEqual(7);
  });

  it('computes counters when the upstream sends none, and accepts integer ids and numeric strings', async () => {
    const b = await boot();
    await b.open();
    await until('first', () => b.of('dashboard.snapshot').length >= 3);
    b.sim.send({
      type: 'tickets_update',
      data: [
        { id: 1, title: 'A', assignedTo: 'João', priority: 'CRITICAL', status: 'open', createdAt: '2025-11-18T10:30:00Z' },
        { id: 2, title: 'B', assignedTo: null, priority: 'low', status: 'in_progress', createdAt: '2025-11-18T10:31:00Z' },
      ],
    });
    b.sim.send({ type: 'projects_update', data: [{ id: 'p', name: 'N', responsible: 'R', status: 'in_progress', completed: '45', inProgress: 12, pending: 8, progress: '82.50', dueDate: '2025-12-15' }] });
    await until('tickets', () => b.of('dashboard.snapshot').some((x) => x.view === 'tickets' && x.tickets.length === 2));
    await until('projects', () => b.of('dashboard.snapshot').some((x) => x.view === 'projects' && x.projects.length === 1));
    const st = await b.state();
    expect(st.tickets!.countersComputed).toBe(true);
    expect(st.tickets!.counters).toEqual({ critical: 1, high: 0, medium: 0, low: 0, total: 2 });
    expect(st.tickets!.tickets.map((t) => [t.id, t.priority, t.assignedTo])).toEqual([['1', 'critical', 'João'], ['2', 'low', '']]);
    expect(st.projects!.projects[0]).toMatchObject({ completed: 45, progress: 82.5 });
    expect(st.health.malformed + st.health.unknown + st.health.invalidItems).toBe(0);
  });

  it('keeps and sends the 200 most urgent of a large update (priority, then oldest), counting all of them', async () => {
    const b = await boot();
    await b.open();
    await until('first', () => b.of('dashboard.snapshot').length >= 3);
    const prios = ['low', 'medium', 'high', 'critical'] as const;
    const data = Array.from({ length: 1_000 }, (_, i) => ({ id: `t${i}`, title: `T${i}`, assignedTo: '', priority: prios[i % 4], status: 'open', createdAt: new Date(Date.UTC(2025, 10, 18, 10, 0, i)).toISOString() }));
    b.sim.send({ type: 'tickets_update', data: data.reverse(), counters: { critical: 250, high: 250, medium: 250, low: 250, total: 1_000 } });
    await until('big update', () => b.of('dashboard.snapshot').some((x) => x.view === 'tickets' && x.ticketCount === 1_000));
    const sent = b.of('dashboard.snapshot').findLast((x) => x.view === 'tickets')!;
    if (sent.view !== 'tickets') throw new Error('unreachable');
    expect(sent.tickets).toHaveLength(200);
    // The 250 critical tickets come first, oldest first: t3, t7, t11…
    expect(sent.tickets.slice(0, 3).map((t) => t.id)).toEqual(['t3', 't7', 't11']);
    expect(sent.tickets.every((t) => t.priority === 'critical')).toBe(true);
    expect(sent.counters.total).toBe(1_000);
    expect((await b.state()).tickets).toMatchObject({ ticketCount: 1_000, tickets: sent.tickets });
  });

  it('counts and shows bad input (missing required fields, unknown types, not JSON, upstream error) and stays connected', async () => {
    const b = await boot();
    await b.open();
    await until('first', () => b.of('dashboard.snapshot').length >= 3);
    const before = b.link().errors;
    // One ticket lacks assignedTo, one has an unknown priority: both left out, the rest kept.
    b.sim.send({
      type: 'tickets_update',
      data: [
        { id: '1', title: 'ok', assignedTo: 'Ana', priority: 'high', status: 'open', createdAt: '2025-11-18T10:30:00Z' },
        { id: '2', title: 'no assignee', priority: 'high', status: 'open', createdAt: '2025-11-18T10:30:00Z' },
        { id: '3', title: 'bad priority', assignedTo: 'Ana', priority: 'urgentíssimo', status: 'open', createdAt: '2025-11-18T10:30:00Z' },
      ],
      counters: { critical: 0, high: 1, medium: 0, low: 0, total: 1 },
    });
    b.sim.send({ type: 'projects_update', data: 'not a list' });
    b.sim.send({ type: 'dashboard_update', kpis: 'nenhum', technicians: [], analysts: [], recentActivity: [] });
    b.sim.send({ type: 'weather_update', data: {} });
    b.sim.sendRaw('{not json');
    b.sim.send({ type: 'error', message: 'Erro ao decodificar JSON' });
    b.sim.send({ type: 'new_ticket_alert', data: { id: '9' } });
    const h = await until('all counted', () => {
      const last = b.of('dashboard.health').at(-1);
      return last && last.unknown === 1 && last.malformed === 4 && last.invalidItems === 2 && last.upstreamErrors === 1 ? last : null;
    });
    expect(h.lastProblem?.message).toContain('new_ticket_alert');
    const st = await b.state();
    expect(st.tickets!.tickets.map((t) => t.id)).toEqual(['1']);
    expect(st.tickets!.invalidItems).toBe(2);
    // The earlier good projects and dashboard snapshots are kept (the bad updates are rejected whole).
    expect(st.projects!.projects.length).toBe(8);
    expect(st.dashboard!.kpis.resolutionRate).toBeGreaterThan(0);
    expect(b.core.ctx.links.get('dashboard')!.status().errors).toBeGreaterThanOrEqual(before + 7);
    const errors = b.core.ctx.journal.recent({ limit: 100, upstream: 'dashboard' }).filter((e) => e.level === 'error');
    expect(errors.map((e) => e.type)).toEqual(expect.arrayContaining(['invalid.unknown', 'invalid.malformed', 'invalid.invalidItems', 'error']));
    expect(errors.find((e) => e.type === 'error')!.summary).toContain('Erro ao decodificar JSON');
    expect(b.core.ctx.links.get('dashboard')!.currentState).toBe('open');
  });

  it('raises alerts with the upstream severity and view, resolving soundUrl in main with a bundled fallback', async () => {
    const b = await boot();
    await b.open();
    b.sim.alert('new_ticket_alert', { id: '124', title: 'Impressora Rede - Sem Conectividade', severity: 'high' });
    b.sim.alert('project_update_alert', { id: 'proj-001', title: 'Migração para Cloud', severity: 'medium', soundUrl: b.sim.sounds.notAudio });
    b.sim.alert('critical_alert', { id: 'critical-001', title: 'Servidor Principal Offline', soundUrl: '/static/sounds/critical.wav' });
    b.sim.alert('critical_alert', { id: 'critical-002', title: 'Sem som', soundUrl: 'http://127.0.0.1:1/x.mp3' });
    const withSound = (key: string) => () => b.of('alerts.changed').find((a) => a.key === key && a.sound) as Alert | undefined;
    const ticket = await until('ticket alert sound', withSound('dashboard:new_ticket_alert:124'));
    expect(ticket).toMatchObject({ source: 'dashboard', severity: 'high', view: '/wallboard/tickets', ids: { ticket: '124' }, title: 'Impressora Rede - Sem Conectividade' });
    expect(ticket.sound).toMatchObject({ bundled: false, src: expect.stringMatching(/^media\/sounds\/[0-9a-f]+\.wav$/) });
    expect(existsSync(join(b.dataDir, ticket.sound!.src))).toBe(true);

    const project = await until('project alert sound', withSound('dashboard:project_update_alert:proj-001'));
    expect(project).toMatchObject({ severity: 'medium', view: '/wallboard/projects', ids: { project: 'proj-001' } });
    expect(project.sound).toMatchObject({ bundled: true, src: 'resources/sounds/medium.wav', reason: expect.stringContaining('not audio') });

    const critical = await until('critical alert sound', withSound('dashboard:critical_alert:critical-001'));
    expect(critical).toMatchObject({ severity: 'critical', view: '/wallboard', soundUrl: `${b.sim.url}/static/sounds/critical.wav` });
    expect(critical.sound!.bundled).toBe(false);

    // Another host than the dashboard's: not fetched at all (issue 12, item 8).
    const elsewhere = await until('elsewhere', withSound('dashboard:critical_alert:critical-002'));
    expect(elsewhere.sound).toMatchObject({ bundled: true, src: 'resources/sounds/critical.wav', reason: expect.stringContaining("not from the upstream's own origin") });
    expect(b.core.ctx.journal.recent({ limit: 200, type: 'alert.sound-fallback' }).length).toBe(2);

    // The same alert again is one alert with a count, not a second one.
    b.sim.alert('new_ticket_alert', { id: '124', title: 'Impressora Rede - Sem Conectividade', severity: 'high' });
    await until('repeat', () => b.of('alerts.changed').some((a) => a.key === 'dashboard:new_ticket_alert:124' && a.count === 2));
    const list = await b.call<Alert[]>('alerts.list', {});
    expect(list.filter((a) => a.key === 'dashboard:new_ticket_alert:124').length).toBe(1);
  });

  it('publishes a received remote_switch and sends remote_switch / request_data on command', async () => {
    const b = await boot();
    await b.open();
    await until('first', () => b.sim.received.length >= 4);
    b.sim.send({ type: 'remote_switch', target: 'tickets', timestamp: '2025-11-18T10:35:00Z' });
    const sw = await until('switch', () => b.of('dashboard.remoteSwitch')[0]);
    expect(sw).toMatchObject({ target: 'tickets', source: 'upstream' });
    expect((await b.state()).lastSwitch?.target).toBe('tickets');

    await b.call('dashboard.remoteSwitch', { target: 'projects' });
    await b.call('dashboard.requestData', { view: 'projects' });
    await until('sent', () => b.sim.received.length >= 6);
    expect(b.sim.received.slice(4)).toEqual([
      expect.objectContaining({ type: 'remote_switch', target: 'projects' }),
      expect.objectContaining({ type: 'request_data', view: 'projects' }),
    ]);

    await b.call('dashboard.simulate', { message: { type: 'remote_switch', target: 'dashboard' } });
    expect(b.of('dashboard.remoteSwitch').at(-1)!.target).toBe('dashboard');

    await b.call('connections.disconnect', { id: 'dashboard' });
    await expect(b.call('dashboard.remoteSwitch', { target: 'tickets' })).rejects.toMatchObject({ code: 'unavailable' });
  });

  it('takes every message type with epoch s/ms or no timestamp, null for unknown numbers and unknown fields: nothing malformed', async () => {
    const b = await boot();
    await b.open();
    await until('first', () => b.of('dashboard.snapshot').length >= 3);
    const ms = Date.UTC(2025, 10, 18, 10, 35);
    const iso = '2025-11-18T10:35:00.000Z';
    b.sim.send({ type: 'remote_switch', target: 'tickets', timestamp: ms });
    await until('switch', () => b.of('dashboard.remoteSwitch')[0]);
    b.sim.send({ type: 'remote_switch', target: 'projects', timestamp: ms / 1000, origem: 'painel' });
    b.sim.send({
      type: 'tickets_update',
      data: [{ id: '1', title: 'A', assignedTo: 'Ana', priority: 'high', status: 'open', createdAt: ms, sla: { h: 4 } }],
      counters: { critical: 0, high: 1, medium: 0, low: 0, total: 1 },
      timestamp: ms,
    });
    b.sim.send({
      type: 'projects_update',
      data: [{ id: 'p', name: 'P', responsible: 'Ana', status: 'in_progress', completed: null, inProgress: 2, pending: null, progress: null, dueDate: '2025-12-15' }],
      timestamp: String(ms / 1000),
    });
    b.sim.send({
      type: 'dashboard_update',
      kpis: { openTickets: 3, avgResponseTime: null, resolutionRate: null, customerSatisfaction: 90, surveyCount: null, nps: 70 },
      technicians: [{ name: 'João', specialization: 'Hardware', available: true, assignedCount: null }],
      analysts: [],
      recentActivity: [{ timestamp: ms / 1000, description: 'x', type: 'assignment' }],
    });
    b.sim.send({ type: 'critical_alert', data: { id: 'c1', title: 'Servidor Offline', severity: 'critical' }, timestamp: ms, extra: true });
    await until('all in', () => b.of('alerts.changed').some((a) => a.key === 'dashboard:critical_alert:c1') && b.of('dashboard.remoteSwitch').length === 2);
    const st = await until('snapshots', async () => {
      const s = await b.state();
      return s.dashboard?.kpis.openTickets === 3 && s.projects?.projects[0]?.id === 'p' && s.tickets?.tickets[0]?.id === '1' ? s : null;
    });
    expect(b.of('dashboard.remoteSwitch').map((x) => x.target)).toEqual(['tickets', 'projects']);
    expect(st.tickets!).toMatchObject({ timestamp: iso, tickets: [{ createdAt: iso }] });
    expect(st.projects!).toMatchObject({ timestamp: iso, projects: [{ completed: null, inProgress: 2, pending: null, progress: null }] });
    expect(st.dashboard!).toMatchObject({ timestamp: null, kpis: { avgResponseTime: null, resolutionRate: null, customerSatisfaction: 90, surveyCount: null } });
    expect(st.dashboard!.technicians[0]!.assignedCount).toBeNull();
    expect(st.dashboard!.recentActivity[0]!.timestamp).toBe(iso);
    expect(st.health).toMatchObject({ unknown: 0, malformed: 0, invalidItems: 0, upstreamErrors: 0 });
    expect(b.link().errors).toBe(0);
  });

  it('boots offline from the persisted snapshots and tells their receive time', async () => {
    const first = await boot();
    await first.open();
    await until('snapshots', () => first.of('dashboard.snapshot').length >= 3);
    const before = await first.state();
    await first.core.close();
    cores = cores.filter((c) => c !== first.core);
    await first.sim.stop();
    // As an older version saved it: every ticket, no ticketCount.
    const editor = await createCore({ host: 'web', version: 'test', dataDir: first.dataDir, cipher: new KeyFileCipher(join(first.dataDir, 'k')), demo: false, config: { settings: defaultSettings(), secrets: {} }, modules: [] });
    const saved = editor.ctx.storage.getJson<Record<string, unknown>>('dashboard.snapshot.tickets')!;
    expect(saved.ticketCount).toBe(before.tickets!.tickets.length);
    delete saved.ticketCount;
    (saved.tickets as unknown[]).reverse(); // and in the upstream's order, not sorted
    editor.ctx.storage.putJson('dashboard.snapshot.tickets', saved);
    await editor.close();

    const offline = await boot({ url: 'ws://127.0.0.1:1/ws/dashboard_control/', dataDir: first.dataDir });
    const st = await offline.state();
    expect(offline.core.ctx.links.get('dashboard')!.currentState).not.toBe('open');
    expect(st.tickets!.tickets.length).toBe(before.tickets!.tickets.length);
    expect(st.tickets!.ticketCount).toBe(before.tickets!.tickets.length);
    expect(st.tickets!.tickets.map((t) => t.id)).toEqual(before.tickets!.tickets.map((t) => t.id));
    expect(st.tickets!.receivedAt).toBe(before.tickets!.receivedAt);
    expect(st.projects!.projects[0]!.name).toBe(before.projects!.projects[0]!.name);
    expect(st.dashboard!.kpis).toEqual(before.dashboard!.kpis);
  });
});

describe.each([
  ['full simulator', false],
  ['seed-only simulator', true],
])('dashboard connector against the %s', (_name, seedOnly) => {
  it('fills every board on identify, with the upstream timestamp, and counts no problem', async () => {
    const b = await boot({ seedOnly });
    await b.open();
    const st = await until('three snapshots', async () => {
      const s = await b.state();
      return s.tickets && s.projects && s.dashboard ? s : null;
    });
    expect(st.tickets!.tickets.length).toBe(24);
    expect(st.projects!.projects.length).toBe(8);
    expect(st.dashboard!.technicians.length).toBe(5);
    for (const snap of [st.tickets!, st.projects!, st.dashboard!]) expect(Date.parse(snap.timestamp!)).toBeGreaterThan(Date.now() - 60_000);
    expect(st.health).toMatchObject({ unknown: 0, malformed: 0, invalidItems: 0, upstreamErrors: 0 });
    expect(b.link().errors).toBe(0);
  });

  it('raises an alert with the upstream sound (a server-relative soundUrl resolved against the dashboard)', async () => {
    const b = await boot({ seedOnly });
    await b.open();
    b.sim.alert('critical_alert', { id: 'critical-001', title: 'Servidor Principal Offline' });
    const alert = await until('alert with sound', () => b.of('alerts.changed').find((a) => a.key === 'dashboard:critical_alert:critical-001' && a.sound));
    expect(alert).toMatchObject({ severity: 'critical', soundUrl: `${b.sim.url}/static/sounds/critical.wav` });
    expect(alert.sound!.bundled).toBe(false);
  });
});

describe('dashboard connect policy (the shared one of the lifecycle)', () => {
  it('switched on with its URL cleared: stopped as not configured, not a retry loop against nothing', async () => {
    const b = await boot();
    await b.open();
    b.core.ctx.settings.patch((s) => ({ ...s, upstreams: { ...s.upstreams, dashboard: { ...s.upstreams.dashboard, url: '' } } }));
    expect(b.link()).toMatchObject({ state: 'stopped', note: 'unconfigured', retryAt: null });
    await new Promise((r) => setImmediate(r));
    expect(b.link()).toMatchObject({ state: 'stopped', note: 'unconfigured', retryAt: null, errors: 0 });
  });

  it('saving its token does not connect a link switched off in settings', async () => {
    const b = await boot({ settings: (s) => void (s.upstreams.dashboard.enabled = false) });
    expect(b.link()).toMatchObject({ state: 'stopped', note: 'disabled' });
    b.core.ctx.secrets.set('dashboard.token', 'a-new-token');
    expect(b.link()).toMatchObject({ state: 'stopped', note: 'disabled' });
    await new Promise((r) => setImmediate(r));
    expect(b.link()).toMatchObject({ state: 'stopped', note: 'disabled' });
    expect(b.sim.identified).toEqual([]);
  });

  it('saving its token reconnects a live link with it', async () => {
    const b = await boot();
    await b.open();
    await until('first identify', () => b.sim.identified.length === 1);
    b.core.ctx.secrets.set('dashboard.token', 'a-new-token');
    await until('identified again', () => b.sim.identified.length === 2);
  });
});

describe('plain ticket check (the fast path for large tickets_update)', () => {
  const good = { id: '7', title: 'Link da filial', description: 'sem sinal', assignedTo: 'Ana', priority: 'high', status: 'open', createdAt: '2025-11-18T10:00:00Z', updatedAt: '2025-11-18T10:05:00Z', entity: 'Filial SP', urgency: 'Alta' };
  const variants: Record<string, unknown> = {
    good,
    minimal: { id: '8', title: 't', assignedTo: '', priority: 'low', status: 'open', createdAt: '2025-11-18T10:00:00Z' },
    extraField: { ...good, secretInternal: 'x' },
    integerId: { ...good, id: 42 },
    nullAssignee: { ...good, assignedTo: null },
    upperPriority: { ...good, priority: 'HIGH' },
    nullDescription: { ...good, description: null },
    badDate: { ...good, createdAt: 'yesterday' },
    badPriority: { ...good, priority: 'urgent' },
    emptyId: { ...good, id: '' },
    noTitle: { ...good, title: undefined },
    numberEntity: { ...good, entity: 3 },
    notObject: 'ticket',
    nothing: null,
  };

  it('accepts only what the schema accepts, and returns exactly what the schema returns', () => {
    for (const [name, raw] of Object.entries(variants)) {
      const fast = plainTicket(raw);
      const zod = WireTicket.safeParse(raw);
      if (fast) {
        expect(zod.success, name).toBe(true);
        expect(fast, name).toEqual(zod.data);
        expect(Object.keys(fast), name).not.toContain('secretInternal');
      }
    }
    expect(plainTicket(good)).not.toBeNull();
    expect(plainTicket(variants.minimal)).not.toBeNull();
  });

  it('leaves lenient shapes to the schema, which still accepts them; bad items are counted, good ones kept', () => {
    const list = Object.values(variants);
    const r = items(WireTicket, list, 'data', plainTicket);
    const zodOnly = items(WireTicket, list, 'data');
    expect(r).toEqual(zodOnly);
    expect(r.ok.map((t) => t.id)).toEqual(['7', '8', '7', '42', '7', '7', '7']);
    expect(r.bad).toBe(7);
    expect(r.firstIssue).toMatch(/^data\[7\]\.createdAt/);
  });
});
