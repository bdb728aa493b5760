import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { JournalEntry, UpstreamStatus } from '../../src-main/contract';
import type { Alert } from '../../src-main/contract/alerts';
import type { WaEvent, WaInstance } from '../../src-main/contract/evolution';
import { defaultSettings, type Settings } from '../../src-main/contract/settings';
import { createCore, type Core } from '../../src-main/core/app-core';
import { startEvolutionSimulator, type EvolutionSimulator, type EvolutionSimulatorOptions } from '../../src-main/demo/evolution-sim';
import { KeyFileCipher } from '../../src-main/secrets/cipher';
import { Evolution, type EvolutionOptions } from '../../src-main/upstreams/evolution';
import { until } from './until';

const KEY = 'evo-test-global-key-0123456789';
const caller = { host: 'web' as const, trusted: true, session: 't' };
let cores: Core[] = [];
let sims: EvolutionSimulator[] = [];

afterEach(async () => {
  for (const core of cores) await core.close();
  await Promise.all(sims.map((s) => s.stop()));
  cores = [];
  sims = [];
});


async function sim(options: EvolutionSimulatorOptions = {}): Promise<EvolutionSimulator> {
  const s = await startEvolutionSimulator({ apiKey: KEY, autoplay: false, seed: 11, instances: ['loja-sp', 'loja-rj', 'loja-bh'], ...options });
  sims.push(s);
  return s;
}

interface Boot {
  core: Core;
  evo: Evolution;
  dataDir: string;
  events: WaEvent[];
  instances: Map<string, WaInstance>;
  journal: JournalEntry[];
  alerts: Alert[];
  statuses: UpstreamStatus[];
  /** Every value that crossed the hub, serialised (to search for secrets). */
  wire: string[];
  call<T = unknown>(cmd: string, args?: object): Promise<T>;
}

async function boot(url: string, options: { key?: string | null; dataDir?: string; mode?: Settings['upstreams']['evolution']['mode']; settings?: (s: Settings) => void; module?: EvolutionOptions } = {}): Promise<Boot> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'ops-evo-'));
  const settings = defaultSettings();
  settings.upstreams.evolution.url = url;
  settings.upstreams.evolution.mode = options.mode ?? 'global';
  options.settings?.(settings);
  const key = options.key === undefined ? KEY : options.key;
  let evo: Evolution | null = null;
  const core = await createCore({
    host: 'web',
    version: 'test',
    dataDir,
    cipher: new KeyFileCipher(join(dataDir, 'k')),
    demo: false,
    config: { settings, secrets: key ? { 'evolution.apiKey': key } : {} },
    modules: [
      (ctx) =>
        (evo = new Evolution(ctx, {
          backoff: { baseMs: 20, maxMs: 80, jitter: 0 },
          namespaceBackoff: { baseMs: 20, maxMs: 80, jitter: 0 },
          instancesMs: 20,
          metricsMs: 50,
          refreshMs: 0,
          historyFlushMs: 20,
          connectTimeoutMs: 3_000,
          ...options.module,
        })),
    ],
  });
  cores.push(core);
  const b: Boot = {
    core,
    evo: evo!,
    dataDir,
    events: [],
    instances: new Map(),
    journal: [],
    alerts: [],
    statuses: [],
    wire: [],
    async call<T>(cmd: string, args: object = {}) {
      const r = await core.commands.dispatch(cmd, args, caller);
      if (!r.ok) throw Object.assign(new Error(r.error.message), { code: r.error.code });
      b.wire.push(JSON.stringify(r.value));
      return r.value as T;
    },
  };
  core.hub.on('whatsapp.events', (e) => (b.events.push(e), b.wire.push(JSON.stringify(e))));
  core.hub.on('whatsapp.instances', (i) => (b.instances.set(i.name, i), b.wire.push(JSON.stringify(i))));
  core.hub.on('inspector.entries', (e) => (b.journal.push(e), b.wire.push(JSON.stringify(e))));
  core.hub.on('alerts.changed', (a) => (b.alerts.push(a), b.wire.push(JSON.stringify(a))));
  core.hub.on('connections.status', (s) => s.id === 'evolution' && b.statuses.push(s));
  return b;
}

const state = (b: Boot, link?: string) => (link ? b.evo.instanceLink(link)?.currentState : b.evo.currentLink?.currentState);
const openGlobal = (b: Boot) => until('global socket open', () => state(b) === 'open');
const ofType = (b: Boot, type: string, instance?: string) => b.events.filter((e) => e.event === type && (!instance || e.instance === instance));

describe('Evolution connector: global mode', () => {
  it('receives every instance on `/`, strips the envelope apikey everywhere, never emits to the server', async () => {
    const s = await sim({ globalEvents: true });
    const b = await boot(s.url);
    await openGlobal(b);
    await until('instance list', () => b.instances.size === 3);
    const token = s.instances.find((i) => i.name === 'loja-rj')!.token;
    s.emit('loja-sp', 'messages.upsert', { key: { remoteJid: '5511999990000@s.whatsapp.net', fromMe: false, id: 'MSG-1' }, pushName: 'Maria', message: { conversation: 'Olá, tudo bem?' } });
    s.emit('loja-rj', 'contacts.update', [{ remoteJid: '5521988887777@s.whatsapp.net', pushName: 'João', token }]);
    await until('two events', () => b.events.length === 2);
    expect(b.events[0]).toMatchObject({ event: 'messages.upsert', instance: 'loja-sp', via: 'global', summary: 'Maria: Olá, tudo bem?' });
    expect(b.events[1]!.summary).toContain('João');
    // The envelope apikey is an instance token: it never leaves the connector (channel, journal, history, export).
    const exported = await b.call<{ content: string }>('whatsapp.export', { format: 'ndjson' });
    const history = await b.call<{ events: WaEvent[] }>('whatsapp.history', {});
    expect(history.events.map((e) => e.event)).toEqual(['messages.upsert', 'contacts.update']);
    for (const t of s.instances.map((i) => i.token).concat(KEY)) {
      expect(b.wire.join('\n')).not.toContain(t);
      expect(exported.content).not.toContain(t);
    }
    expect(b.journal.some((e) => e.type === 'messages.upsert' && e.ids.instance === 'loja-sp')).toBe(true);
    expect(s.received).toEqual([]);
  });

  it('follows connection.update and qrcode.updated on the board, alerts on close and QR, resolves on open', async () => {
    const s = await sim({ globalEvents: true });
    const b = await boot(s.url);
    await openGlobal(b);
    await until('instances', () => b.instances.get('loja-bh')?.state === 'open');
    s.setConnectionState('loja-bh', 'close', 401);
    await until('close on board', () => b.instances.get('loja-bh')?.state === 'close');
    const closeAlert = await until('close alert', () => b.alerts.find((a) => a.key === 'evolution:instance-close:loja-bh' && a.state === 'active'));
    expect(closeAlert.ids.instance).toBe('loja-bh');
    expect(closeAlert.text).toEqual({ key: 'waClosed', params: { instance: 'loja-bh' } }); // worded by each screen
    expect(b.instances.get('loja-bh')!.reconnects).toBe(1);
    s.emit('loja-bh', 'qrcode.updated', { qrcode: { instance: 'loja-bh', pairingCode: null, code: '2@abc', base64: 'data:image/png;base64,iVBORw0KGgo=' } });
    await until('qr on board', () => b.instances.get('loja-bh')?.qr?.base64.startsWith('data:image/png;base64,'));
    await until('qr alert', () => b.alerts.find((a) => a.key === 'evolution:instance-qr:loja-bh' && a.state === 'active'));
    // A QR that is not an image data: URL is refused (it would end up in an <img src>).
    s.emit('loja-bh', 'qrcode.updated', { qrcode: { instance: 'loja-bh', code: 'x', base64: 'javascript:alert(1)' } });
    await until('bad qr refused', () => b.journal.find((e) => e.type === 'invalid' && e.summary.includes('qrcode.updated')));
    s.setConnectionState('loja-bh', 'open');
    await until('open again', () => b.instances.get('loja-bh')?.state === 'open');
    expect(b.instances.get('loja-bh')!.qr).toBeNull();
    await until('alerts resolved', () => ['close', 'qr'].every((k) => b.alerts.some((a) => a.key === `evolution:instance-${k}:loja-bh` && a.state === 'resolved')));
  });

  it('a wrong API key is auth-failed (told by REST 401), an unreachable server is a retry', async () => {
    const s = await sim({ globalEvents: true });
    const b = await boot(s.url, { key: 'wrong-key' });
    const status = await until('auth-failed', () => b.statuses.find((x) => !x.link && x.state === 'auth-failed'));
    expect(status.message).toMatch(/401/);
    await until('auth alert', () => b.alerts.find((a) => a.key === 'evolution:auth'));
    expect(s.received).toEqual([]);

    const down = await sim();
    const url = down.url;
    await down.stop();
    const c = await boot(url);
    const retry = await until('reconnecting', () => c.statuses.find((x) => !x.link && x.state === 'reconnecting'));
    expect(retry.message).toMatch(/unreachable|ECONNREFUSED|connect/i);
    expect(c.statuses.some((x) => x.state === 'auth-failed')).toBe(false);
  });

  it('counts malformed envelopes as errors (journal level error) and keeps the link up', async () => {
    const s = await sim({ globalEvents: true });
    const b = await boot(s.url);
    await openGlobal(b);
    const kinds = ['missing-event', 'data-not-object', 'non-json-string', 'missing-instance', 'mismatched-event', 'no-payload', 'array-payload'] as const;
    for (const kind of kinds) s.emitMalformed(kind, 'loja-sp');
    await until('all invalid', () => b.evo.stats.invalid === kinds.length);
    expect(b.journal.filter((e) => e.type === 'invalid' && e.level === 'error')).toHaveLength(kinds.length);
    // Nothing invalid reached the stream, the journal entries carry no token.
    expect(b.events).toHaveLength(0);
    expect(b.wire.join('\n')).not.toContain(s.instances.find((i) => i.name === 'loja-sp')!.token);
    // An event type Evolution does not document is shown, and flagged once.
    s.emitMalformed('unknown-event', 'loja-sp');
    s.emitMalformed('unknown-event', 'loja-sp');
    await until('unknown shown', () => ofType(b, 'evento.desconhecido').length === 2);
    expect(b.journal.filter((e) => e.type === 'event.unknown')).toHaveLength(1);
    await until('errors counted on the link', () => (b.evo.currentLink!.status().errors ?? 0) >= kinds.length);
    expect(state(b)).toBe('open');
  });

  it('connect/disconnect global by command, and the display rate limit never touches state or history', async () => {
    const s = await sim({ globalEvents: true });
    const b = await boot(s.url, { settings: (x) => (x.upstreams.evolution.displayRateLimitPerMin = 60) });
    await openGlobal(b);
    await b.call('whatsapp.disconnect', { target: 'global' });
    expect(state(b)).toBe('stopped');
    await until('socket gone', () => s.clientCount === 0);
    await b.call('whatsapp.connect', { target: 'global' });
    await openGlobal(b);
    await s.burst(200, 'loja-sp');
    s.setConnectionState('loja-sp', 'close');
    await until('all accepted', () => b.evo.stats.accepted === 201);
    await until('state followed', () => b.instances.get('loja-sp')?.state === 'close');
    const metrics = await b.call<{ displayDropped: number; accepted: number }>('whatsapp.metrics');
    expect(metrics.displayDropped).toBeGreaterThan(100);
    expect(b.events.length).toBe(201 - metrics.displayDropped);
    const history = await b.call<{ events: WaEvent[] }>('whatsapp.history', { limit: 1000 });
    expect(history.events).toHaveLength(201);
    expect(b.alerts.some((a) => a.key === 'evolution:instance-close:loja-sp')).toBe(true);
    await expect(b.call('whatsapp.connect', { target: 'instance', instance: 'loja-sp' })).rejects.toMatchObject({ code: 'conflict' });
  });
});

describe('Evolution connector: per-instance and both modes', () => {
  it('opens one namespace per listed instance; disconnect one, all, connect all', async () => {
    const s = await sim({ globalEvents: false });
    const b = await boot(s.url, { mode: 'instance' });
    for (const name of ['loja-sp', 'loja-rj', 'loja-bh']) await until(`${name} open`, () => state(b, name) === 'open');
    expect(state(b)).toBe('open'); // REST control link
    s.emit('loja-rj', 'messages.upsert', { key: { id: 'A1', remoteJid: 'x@s.whatsapp.net' }, pushName: 'Ana', message: { conversation: 'oi' } });
    await until('event via namespace', () => ofType(b, 'messages.upsert', 'loja-rj').length === 1);
    expect(ofType(b, 'messages.upsert')[0]!.via).toBe('instance');

    await b.call('whatsapp.disconnect', { target: 'instance', instance: 'loja-rj' });
    expect(state(b, 'loja-rj')).toBe('stopped');
    s.emit('loja-rj', 'messages.upsert', { key: { id: 'A2' }, message: { conversation: 'perdida' } });
    s.emit('loja-sp', 'messages.upsert', { key: { id: 'A3' }, message: { conversation: 'chega' } });
    await until('sp event', () => ofType(b, 'messages.upsert', 'loja-sp').length === 1);
    expect(ofType(b, 'messages.upsert', 'loja-rj')).toHaveLength(1);
    // A refresh of the list does not reconnect what the operator disconnected.
    await b.call('whatsapp.refresh');
    expect(state(b, 'loja-rj')).toBe('stopped');

    await b.call('whatsapp.disconnect', { target: 'all' });
    expect(['loja-sp', 'loja-rj', 'loja-bh'].map((n) => state(b, n))).toEqual(['stopped', 'stopped', 'stopped']);
    await b.call('whatsapp.connect', { target: 'all' });
    for (const name of ['loja-sp', 'loja-rj', 'loja-bh']) await until(`${name} open again`, () => state(b, name) === 'open');
    const test = await b.call<{ success: boolean; message: string }>('whatsapp.test', { instance: 'loja-bh' });
    expect(test).toMatchObject({ success: true });
    expect(test.message).toMatch(/namespace \/loja-bh reachable/);
    await expect(b.call('whatsapp.connect', { target: 'global' })).rejects.toMatchObject({ code: 'conflict' });
    expect(s.received).toEqual([]);
  });

  it('configured instances connect at start while GET /instance/fetchInstances fails (HTTP 500)', async () => {
    const s = await sim({ globalEvents: false });
    let listed = 0;
    const failingList = (async (url: string | URL | Request, init?: RequestInit) => {
      if (String(url).includes('/instance/fetchInstances')) {
        listed++;
        return new Response(JSON.stringify({ status: 500, error: 'Internal Server Error' }), { status: 500, headers: { 'content-type': 'application/json' } });
      }
      return fetch(url, init);
    }) as typeof fetch;
    const b = await boot(s.url, { mode: 'instance', settings: (x) => (x.upstreams.evolution.instances = ['loja-sp', 'loja-rj']), module: { fetch: failingList } });
    for (const name of ['loja-sp', 'loja-rj']) await until(`${name} open`, () => state(b, name) === 'open');
    expect(listed).toBeGreaterThan(0);
    expect(state(b, 'loja-bh')).toBeUndefined();
    s.emit('loja-rj', 'messages.upsert', { key: { id: 'C1', remoteJid: 'x@s.whatsapp.net' }, pushName: 'Ana', message: { conversation: 'oi' } });
    await until('event via namespace', () => ofType(b, 'messages.upsert', 'loja-rj').length === 1);
  });

  it('a namespace created late (server restart) is retried and shown as waiting, not as a dead server', async () => {
    const s = await sim({ globalEvents: false, lateNamespaceMs: 400 });
    const b = await boot(s.url, { mode: 'instance' });
    const waiting = await until('waiting', () => b.statuses.find((x) => x.link === 'loja-sp' && x.state === 'reconnecting' && /namespace/.test(x.message)));
    expect(waiting.message).toMatch(/not created yet/);
    expect(b.statuses.some((x) => x.state === 'auth-failed')).toBe(false);
    await until('namespace open later', () => state(b, 'loja-sp') === 'open', 10_000);
    const metrics = await b.call<{ connections: Array<{ link: string; waitingNamespace: boolean }> }>('whatsapp.metrics');
    expect(metrics.connections.find((c) => c.link === 'loja-sp')!.waitingNamespace).toBe(false);
    // Restart: namespaces vanish again; the links come back by themselves.
    await s.restart();
    await until('reconnecting after restart', () => b.statuses.some((x) => x.link === 'loja-rj' && x.state === 'reconnecting'));
    await until('all open after restart', () => ['loja-sp', 'loja-rj', 'loja-bh'].every((n) => state(b, n) === 'open'), 15_000);
  });

  it('an instance with websocket off can be enabled by the admin, then its namespace connects', async () => {
    const s = await sim({ globalEvents: false, websocketDisabled: ['loja-bh'] });
    const b = await boot(s.url, { mode: 'instance' });
    await until('others open', () => state(b, 'loja-sp') === 'open' && state(b, 'loja-rj') === 'open');
    await until('bh websocket known off', () => b.instances.get('loja-bh')?.websocket === null);
    expect(state(b, 'loja-bh')).not.toBe('open');
    const config = await b.call<{ enabled: boolean }>('whatsapp.enableWebsocket', { instance: 'loja-bh' });
    expect(config.enabled).toBe(true);
    s.setConnectionState('loja-bh', 'open'); // first emission creates the namespace upstream
    await until('bh open', () => state(b, 'loja-bh') === 'open', 10_000);
  });

  it('both modes: each event is accepted once, the copy from the other socket counted as duplicate', async () => {
    const s = await sim({ globalEvents: true });
    const b = await boot(s.url, { mode: 'both', settings: (x) => (x.upstreams.evolution.instances = ['loja-sp', 'loja-rj', 'loja-bh']) });
    await openGlobal(b);
    for (const name of ['loja-sp', 'loja-rj', 'loja-bh']) await until(`${name} open`, () => state(b, name) === 'open');
    await s.burst(300);
    s.emit('loja-sp', 'presence.update', { id: 'x@s.whatsapp.net', presences: { 'x@s.whatsapp.net': { lastKnownPresence: 'composing' } } });
    await until('all once', () => b.evo.stats.accepted === 301 && b.evo.stats.duplicates === 301);
    const history = await b.call<{ events: WaEvent[] }>('whatsapp.history', { limit: 1000, includeHidden: true });
    expect(history.events).toHaveLength(301);
    expect(new Set(history.events.map((e) => JSON.stringify(e.data))).size).toBe(301);
    // presence.update is hidden by default: in history on request, not in the live stream.
    expect(ofType(b, 'presence.update')).toHaveLength(0);
    expect(history.events.filter((e) => e.event === 'presence.update')).toHaveLength(1);
  });

  it('instance.create and remove.instance refresh the list and the namespaces', async () => {
    const s = await sim({ globalEvents: true });
    const b = await boot(s.url, { mode: 'both' });
    await openGlobal(b);
    await until('three links', () => ['loja-sp', 'loja-rj', 'loja-bh'].every((n) => state(b, n) === 'open'));
    s.createInstance('loja-poa', { pairing: true, websocket: true });
    await until('new instance listed', () => b.instances.get('loja-poa')?.listed);
    await until('new namespace link', () => b.evo.instanceLink('loja-poa'));
    s.deleteInstance('loja-rj');
    await until('removed from board', () => b.instances.get('loja-rj')?.removed);
    await until('link removed', () => !b.evo.instanceLink('loja-rj'));
    const snap = await b.call<{ instances: WaInstance[] }>('whatsapp.snapshot');
    expect(snap.instances.map((i) => i.name)).toEqual(['loja-bh', 'loja-poa', 'loja-sp']);
  });

  it('keeps at most maxConnections sockets and says which instances were left out', async () => {
    const s = await sim({ globalEvents: true });
    const b = await boot(s.url, { mode: 'both', settings: (x) => (x.upstreams.evolution.maxConnections = 3) });
    await openGlobal(b);
    await until('two namespaces', () => state(b, 'loja-bh') === 'open' && state(b, 'loja-rj') === 'open');
    const snap = await b.call<{ overLimit: string[]; maxConnections: number }>('whatsapp.snapshot');
    expect(snap).toMatchObject({ overLimit: ['loja-sp'], maxConnections: 3 });
    expect(b.evo.instanceLink('loja-sp')).toBeUndefined();
    expect(b.journal.some((e) => e.type === 'warning' && /limit of 3/.test(e.summary))).toBe(true);
    await expect(b.call('whatsapp.connect', { target: 'instance', instance: 'loja-sp' })).rejects.toMatchObject({ code: 'conflict' });
  });
});

describe.each([
  ['full simulator', false],
  ['seed-only simulator', true],
])('Evolution connector against the %s', (_name, seedOnly) => {
  const upsert = (id: string, text: string) => ({ key: { id, remoteJid: '5511999990000@s.whatsapp.net', fromMe: false }, pushName: 'Maria', message: { conversation: text } });

  it('global mode: every instance appears with its events, and no link error', async () => {
    const s = await sim({ globalEvents: true, seedOnly });
    const b = await boot(s.url);
    await openGlobal(b);
    s.emit('loja-sp', 'messages.upsert', upsert('G1', 'Olá'));
    s.emit('loja-rj', 'contacts.update', [{ remoteJid: '5521988887777@s.whatsapp.net', pushName: 'João' }]);
    s.emit('loja-bh', 'connection.update', { instance: 'loja-bh', state: 'open', statusReason: 200 });
    await until('three events', () => b.events.length === 3);
    await until('three instances', () => ['loja-sp', 'loja-rj', 'loja-bh'].every((n) => b.instances.has(n)));
    expect(b.events.map((e) => e.instance)).toEqual(['loja-sp', 'loja-rj', 'loja-bh']);
    expect(b.evo.stats.invalid).toBe(0);
    await new Promise((r) => setTimeout(r, 100)); // the instance listing has answered (or said it has none)
    expect(b.evo.currentLink!.status().errors).toBe(0);
    expect(s.received).toEqual([]);
    // Seed-only: the seed documents no Evolution REST, so the listing is absent, not failing.
    const listing = await fetch(`${s.url}/instance/fetchInstances`, { headers: { apikey: KEY } });
    expect(listing.status).toBe(seedOnly ? 404 : 200);
    // History keeps what the envelope said; seed-only envelopes carry no date_time.
    const history = await b.call<{ events: WaEvent[] }>('whatsapp.history', {});
    expect(history.events.every((e) => (e.dateTime === null) === seedOnly)).toBe(true);
  });

  it('per-instance mode: configured instances connect and deliver; the control link is up without errors', async () => {
    const s = await sim({ globalEvents: false, seedOnly });
    const b = await boot(s.url, { mode: 'instance', settings: (x) => (x.upstreams.evolution.instances = ['loja-sp', 'loja-rj']) });
    for (const name of ['loja-sp', 'loja-rj']) await until(`${name} open`, () => state(b, name) === 'open');
    await until('control link open', () => state(b) === 'open');
    s.emit('loja-rj', 'messages.upsert', upsert('I1', 'oi'));
    await until('event via namespace', () => ofType(b, 'messages.upsert', 'loja-rj').length === 1);
    expect(ofType(b, 'messages.upsert')[0]!.via).toBe('instance');
    expect(b.evo.currentLink!.status().errors).toBe(0);
    expect(b.evo.instanceLink('loja-sp')!.status().errors).toBe(0);
  });
});

describe('Evolution connector: envelopes without date_time (seed 002 does not promise it)', () => {
  it('keeps two status updates of one message, and still drops the copy from the other socket in both mode', async () => {
    const s = await sim({ globalEvents: true, seedOnly: true });
    const b = await boot(s.url, { mode: 'both', settings: (x) => (x.upstreams.evolution.instances = ['loja-sp', 'loja-rj', 'loja-bh']) });
    await openGlobal(b);
    for (const name of ['loja-sp', 'loja-rj', 'loja-bh']) await until(`${name} open`, () => state(b, name) === 'open');
    const update = (status: string) => ({ keyId: 'MSG-9', remoteJid: 'x@s.whatsapp.net', fromMe: true, status });
    s.emit('loja-sp', 'messages.update', update('DELIVERY_ACK'));
    s.emit('loja-sp', 'messages.update', update('READ'));
    await until('both updates', () => ofType(b, 'messages.update').length === 2);
    await until('copies counted', () => b.evo.stats.duplicates === 2);
    expect(ofType(b, 'messages.update').map((e) => (e.data as { status: string }).status)).toEqual(['DELIVERY_ACK', 'READ']);
  });
});

describe('Evolution history on disk', () => {
  it('survives a restart, filters by instance, type and text, exports CSV', async () => {
    const s = await sim({ globalEvents: true });
    const dataDir = mkdtempSync(join(tmpdir(), 'ops-evo-h-'));
    const b = await boot(s.url, { dataDir });
    await openGlobal(b);
    s.emit('loja-sp', 'messages.upsert', { key: { id: 'H1' }, pushName: '=HYPERLINK("http://x")', message: { conversation: 'boleto' } });
    s.emit('loja-rj', 'messages.upsert', { key: { id: 'H2' }, pushName: 'Rui', message: { conversation: 'pedido 42' } });
    s.emit('loja-rj', 'call', { id: 'C1', from: '55@s.whatsapp.net', status: 'offer' });
    await until('three', () => b.evo.stats.accepted === 3);
    await cores.pop()!.close();

    const again = await boot(s.url, { dataDir });
    await openGlobal(again);
    const all = await again.call<{ events: WaEvent[] }>('whatsapp.history', {});
    expect(all.events.map((e) => e.data && (e.data as { key?: { id: string } }).key?.id).slice(0, 2)).toEqual(['H1', 'H2']);
    expect((await again.call<{ events: WaEvent[] }>('whatsapp.history', { instance: 'loja-rj' })).events).toHaveLength(2);
    expect((await again.call<{ events: WaEvent[] }>('whatsapp.history', { event: 'call' })).events).toHaveLength(1);
    expect((await again.call<{ events: WaEvent[] }>('whatsapp.history', { text: 'boleto' })).events.map((e) => e.instance)).toEqual(['loja-sp']);
    s.emit('loja-sp', 'messages.upsert', { key: { id: 'H4' }, message: { conversation: 'depois' } });
    await until('new after restart', () => again.evo.stats.accepted === 1);
    const seqs = (await again.call<{ events: WaEvent[] }>('whatsapp.history', {})).events.map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    expect(new Set(seqs).size).toBe(4);
    const csv = await again.call<{ content: string; rows: number }>('whatsapp.export', { format: 'csv', instance: 'loja-sp' });
    expect(csv.rows).toBe(2);
    const lines = csv.content.trim().split('\r\n');
    expect(lines[0]).toBe('seq,received_at,date_time,latency_ms,instance,event,via,sender,summary,data');
    // A cell starting with "=" is neutralised for spreadsheets.
    expect(lines[1]).toContain(`'=HYPERLINK(""http://x"")`);
    expect(lines[1]).not.toMatch(/,=HYPERLINK/);
  });
});
