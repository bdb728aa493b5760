import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  DASHBOARD_WS_PATH,
  startDashboardSimulator,
  type DashboardSimulator,
  type DashboardSimulatorOptions,
} from '../../src-main/demo/dashboard-sim';
import { makeBeepWav } from '../../src-main/demo/wav';

// Parsed wire JSON; the assertions themselves check the shape.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Msg = Record<string, any>;
interface Client {
  ws: WebSocket;
  msgs: Msg[];
  raw: string[];
  send(msg: object | string): void;
  waitFor(pred: (msgs: Msg[]) => boolean, timeoutMs?: number): Promise<void>;
}

let sims: DashboardSimulator[] = [];
let sockets: WebSocket[] = [];
async function sim(opts: DashboardSimulatorOptions = {}) {
  const s = await startDashboardSimulator({ autoplay: false, seed: 11, ...opts });
  sims.push(s);
  return s;
}
async function connect(s: DashboardSimulator, path = DASHBOARD_WS_PATH): Promise<Client> {
  const ws = new WebSocket(`${s.url.replace(/^http/, 'ws')}${path}`);
  sockets.push(ws);
  const client: Client = {
    ws,
    msgs: [],
    raw: [],
    send: (msg) => ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg)),
    async waitFor(pred, timeoutMs = 2_000) {
      const deadline = Date.now() + timeoutMs;
      while (!pred(client.msgs)) {
        if (Date.now() > deadline) throw new Error(`WS wait timed out; got ${client.msgs.map((m) => m.type).join(',')}`);
        await new Promise((r) => setTimeout(r, 5));
      }
    },
  };
  ws.on('message', (data) => {
    client.raw.push(data.toString());
    client.msgs.push(JSON.parse(data.toString()));
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return client;
}
afterEach(async () => {
  for (const ws of sockets) ws.terminate();
  await Promise.all(sims.map((s) => s.stop()));
  sims = [];
  sockets = [];
});

const keys = (o: object) => Object.keys(o).sort();
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe('dashboard simulator (Django Channels consumer)', () => {
  it('answers identify with tickets, projects and dashboard updates using the seed fields', async () => {
    const s = await sim({ ticketCount: 30 });
    const c = await connect(s);
    c.send({ type: 'identify', clientId: 'Kiosk-ABCDE', timestamp: new Date().toISOString() });
    await c.waitFor((m) => m.length === 3);
    expect(c.msgs.map((m) => m.type)).toEqual(['tickets_update', 'projects_update', 'dashboard_update']);
    expect(s.identified).toEqual(['Kiosk-ABCDE']);
    expect(s.received[0]).toMatchObject({ type: 'identify', clientId: 'Kiosk-ABCDE' });

    const [tickets, projects, dash] = c.msgs as [Msg, Msg, Msg];
    expect(keys(tickets)).toEqual(['counters', 'data', 'timestamp', 'type']);
    expect(tickets.data).toHaveLength(30);
    for (const t of tickets.data) {
      expect(keys(t)).toEqual(['assignedTo', 'createdAt', 'description', 'entity', 'id', 'priority', 'status', 'title', 'updatedAt', 'urgency']);
      expect(['critical', 'high', 'medium', 'low']).toContain(t.priority);
      expect(['open', 'in_progress']).toContain(t.status);
      expect(t.createdAt).toMatch(ISO);
    }
    const c0 = tickets.counters;
    expect(keys(c0)).toEqual(['critical', 'high', 'low', 'medium', 'total']);
    expect(c0.total).toBe(30);
    const open = tickets.data.filter((t: Msg) => t.status === 'open');
    expect(c0.critical + c0.high + c0.medium + c0.low).toBe(open.length);

    expect(keys(projects)).toEqual(['data', 'timestamp', 'type']);
    for (const p of projects.data) {
      expect(keys(p)).toEqual(['completed', 'dueDate', 'id', 'inProgress', 'name', 'pending', 'progress', 'responsible', 'status', 'updatedAt']);
      expect(p.dueDate).toMatch(/^\d{4}-\d\d-\d\d$/);
      expect(p.progress).toBeGreaterThanOrEqual(0);
      expect(p.progress).toBeLessThanOrEqual(100);
    }
    expect(projects.data.some((p: Msg) => p.dueDate < new Date().toISOString().slice(0, 10))).toBe(true);

    expect(keys(dash)).toEqual(['analysts', 'kpis', 'recentActivity', 'technicians', 'timestamp', 'type']);
    expect(keys(dash.kpis)).toEqual(['avgResponseTime', 'customerSatisfaction', 'openTickets', 'resolutionRate', 'surveyCount']);
    expect(dash.kpis.openTickets).toBe(open.length);
    for (const person of [...dash.technicians, ...dash.analysts]) {
      expect(keys(person)).toEqual(['assignedCount', 'available', 'id', 'name', 'role', 'specialization']);
    }
    expect(dash.technicians[0].role).toBe('technician');
    expect(dash.analysts[0].role).toBe('analyst');
    expect(dash.recentActivity.length).toBeGreaterThan(0);
    for (const a of dash.recentActivity) expect(keys(a)).toEqual(['description', 'id', 'severity', 'timestamp', 'type']);
  });

  it('serves request_data per view and ignores unknown views', async () => {
    const s = await sim();
    const c = await connect(s);
    for (const view of ['projects', 'nope', 'dashboard', 'tickets']) c.send({ type: 'request_data', view });
    await c.waitFor((m) => m.length === 3);
    expect(c.msgs.map((m) => m.type)).toEqual(['projects_update', 'dashboard_update', 'tickets_update']);
  });

  it('relays remote_switch unchanged to every other client, not the sender', async () => {
    const s = await sim();
    const [consoleClient, kioskA, kioskB] = [await connect(s), await connect(s), await connect(s)];
    const text = JSON.stringify({ type: 'remote_switch', target: 'tickets', timestamp: '2025-11-18T10:35:00Z' });
    consoleClient.send(text);
    await kioskA.waitFor((m) => m.length === 1);
    await kioskB.waitFor((m) => m.length === 1);
    expect(kioskA.raw[0]).toBe(text);
    expect(kioskB.raw[0]).toBe(text);
    consoleClient.send({ type: 'request_data', view: 'tickets' }); // ordering marker
    await consoleClient.waitFor((m) => m.length === 1);
    expect(consoleClient.msgs[0]!.type).toBe('tickets_update');
  });

  it('answers invalid JSON with the seed error', async () => {
    const s = await sim();
    const c = await connect(s);
    c.send('{not json');
    await c.waitFor((m) => m.length === 1);
    expect(c.msgs[0]).toEqual({ type: 'error', message: 'Erro ao decodificar JSON' });
    expect(s.received).toHaveLength(0);
  });

  it('broadcasts alerts whose soundUrl serves a real WAV; not-audio.mp3 is HTML', async () => {
    const s = await sim();
    const c = await connect(s);
    const sent = s.alert('new_ticket_alert', { title: 'Impressora Rede - Sem Conectividade', severity: 'high' });
    s.alert('critical_alert');
    s.alert('project_update_alert');
    await c.waitFor((m) => m.length === 3);
    expect(c.msgs[0]).toEqual(sent);
    expect(keys(c.msgs[0]!)).toEqual(['data', 'timestamp', 'type']);
    expect(keys(c.msgs[0]!.data)).toEqual(['id', 'severity', 'soundUrl', 'title']);
    expect(c.msgs[1]!.data.severity).toBe('critical');
    expect(c.msgs[1]!.data.soundUrl).toBe(s.sounds.critical);
    expect(c.msgs[2]!.data.id).toMatch(/^proj-\d{3}$/);

    for (const url of [c.msgs[0]!.data.soundUrl, c.msgs[1]!.data.soundUrl]) {
      const res = await fetch(url);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('audio/wav');
      const buf = Buffer.from(await res.arrayBuffer());
      expect(buf.toString('ascii', 0, 4)).toBe('RIFF');
      expect(buf.toString('ascii', 8, 12)).toBe('WAVE');
      expect(buf.readUInt32LE(4)).toBe(buf.length - 8);
    }
    const html = await fetch(s.sounds.notAudio);
    expect(html.status).toBe(200);
    expect(html.headers.get('content-type')).toMatch(/^text\/html/);
    await html.body?.cancel();
  });

  it('setTicketCount regenerates and pushes; restart and dropClients cut sockets', async () => {
    const s = await sim();
    const c = await connect(s);
    s.setTicketCount(5_000);
    await c.waitFor((m) => m.length === 2);
    expect(c.msgs[0]!.data).toHaveLength(5_000);
    expect(new Set(c.msgs[0]!.data.map((t: Msg) => t.id)).size).toBe(5_000);

    const closed = new Promise<number>((r) => c.ws.once('close', r));
    s.dropClients();
    expect(await closed).toBe(1006);
    const again = await connect(s);
    const closedAgain = new Promise<number>((r) => again.ws.once('close', r));
    await s.restart();
    expect(await closedAgain).toBe(1006);
    const after = await connect(s);
    after.send({ type: 'identify', clientId: 'Console-1' });
    await after.waitFor((m) => m.length === 3);
    expect(s.identified).toEqual(['Console-1']);
  });

  it('rejects other WebSocket paths and runs autoplay pushes and alerts', async () => {
    const s = await sim({ autoplay: true, updateEveryMs: 40, alertEveryMs: 25 });
    await expect(connect(s, '/ws/other/')).rejects.toThrow(/404/);
    const c = await connect(s);
    await c.waitFor((m) => m.some((x) => x.type === 'dashboard_update') && m.some((x) => String(x.type).endsWith('_alert')));
  });
});

describe('makeBeepWav', () => {
  it('encodes PCM 16-bit mono 22050 Hz with the right sizes', () => {
    const wav = makeBeepWav({ freqHz: 440, ms: 100 });
    expect(wav.toString('ascii', 0, 4)).toBe('RIFF');
    expect(wav.toString('ascii', 12, 16)).toBe('fmt ');
    expect(wav.readUInt16LE(20)).toBe(1);
    expect(wav.readUInt16LE(22)).toBe(1);
    expect(wav.readUInt32LE(24)).toBe(22_050);
    expect(wav.readUInt16LE(34)).toBe(16);
    expect(wav.readUInt32LE(40)).toBe(2_205 * 2);
    expect(wav.length).toBe(44 + 2_205 * 2);
    expect(() => makeBeepWav({ freqHz: 0, ms: 10 })).toThrow(RangeError);
  });
});

describe('dashboard simulator — seed-only mode (seed 004 and nothing more)', () => {
  it('only logs remote_switch (no relay), stamps messages like the consumer (microseconds) and names sounds by server path', async () => {
    const s = await sim({ seedOnly: true });
    const a = await connect(s);
    const b = await connect(s);
    a.send({ type: 'identify', clientId: 'Kiosk-AAAAA', timestamp: '2025-11-18T10:35:00Z' });
    await a.waitFor((m) => m.length === 3);
    expect(a.msgs.map((m) => m.type)).toEqual(['tickets_update', 'projects_update', 'dashboard_update']);
    for (const m of a.msgs) expect(m.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    a.send({ type: 'remote_switch', target: 'tickets', timestamp: '2025-11-18T10:35:00Z' });
    s.alert('critical_alert');
    await b.waitFor((m) => m.some((x) => x.type === 'critical_alert'));
    expect(b.msgs.some((m) => m.type === 'remote_switch')).toBe(false);
    expect(b.msgs.find((m) => m.type === 'critical_alert')!.data.soundUrl).toBe('/static/sounds/critical.wav');
  });
});
