import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { io as ioc, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import { startEvolutionSimulator, type EvolutionSimulator, type EvolutionSimulatorOptions } from '../../src-main/demo/evolution-sim';

const KEY = 'test-global-key';
// Parsed wire JSON; the assertions themselves check the shape.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Data = Record<string, any>;
type Envelope = { event: string; instance: string; data: Data; server_url: string; date_time: string; sender?: string; apikey: string | null };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('evolution simulator', () => {
  let sim: EvolutionSimulator | null = null;
  const sockets: Socket[] = [];
  const originalTz = process.env.TZ;

  // A non-UTC zone makes the local-time-with-Z quirk observable.
  beforeAll(() => {
    process.env.TZ = 'America/Sao_Paulo';
  });
  afterAll(() => {
    if (originalTz === undefined) delete process.env.TZ;
    else process.env.TZ = originalTz;
  });
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.disconnect();
    await sim?.stop();
    sim = null;
  });

  const start = async (o: EvolutionSimulatorOptions = {}) =>
    (sim = await startEvolutionSimulator({ apiKey: KEY, autoplay: false, seed: 3, ...o }));
  const client = (nsp = '', opts: Partial<ManagerOptions & SocketOptions> = {}) => {
    const s = ioc(`${sim!.url}${nsp}`, { query: { apikey: KEY }, transports: ['websocket'], reconnection: false, forceNew: true, ...opts });
    sockets.push(s);
    return s;
  };
  const outcome = (s: Socket) =>
    new Promise<string>((resolve) => {
      s.once('connect', () => resolve('connected'));
      s.once('connect_error', (e) => resolve(e.message));
    });
  const collect = (s: Socket) => {
    const got: Envelope[] = [];
    s.onAny((_event, payload) => got.push(payload as Envelope));
    return got;
  };
  const rest = (path: string, init: RequestInit = {}, key: string | null = KEY) =>
    fetch(`${sim!.url}${path}`, { ...init, headers: { 'content-type': 'application/json', ...(key ? { apikey: key } : {}), ...init.headers } });

  it('REST: welcome, 401 shape, fetchInstances v2 rows, instance token sees only itself', async () => {
    await start();
    const welcome = await (await rest('/', {}, null)).json();
    expect(welcome).toMatchObject({ status: 200, message: 'Welcome to the Evolution API, it is working!', version: expect.stringMatching(/^2\./) });
    for (const headers of [{}, { apikey: 'nope' }, { authorization: `Bearer ${KEY}` }] as Record<string, string>[]) {
      const res = await fetch(`${sim!.url}/instance/fetchInstances`, { headers });
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ status: 401, error: 'Unauthorized', response: { message: 'Unauthorized' } });
    }
    const rows = (await (await rest('/instance/fetchInstances')).json()) as Data[];
    expect(rows.map((r) => r.name)).toEqual(['atendimento-sp', 'vendas-rj', 'suporte-bh', 'financeiro-poa']);
    expect(rows[0]).toMatchObject({
      connectionStatus: 'open', ownerJid: expect.stringMatching(/^55\d{11}@s\.whatsapp\.net$/), profileName: 'Atendimento São Paulo',
      integration: 'WHATSAPP-BAILEYS', token: expect.any(String), Websocket: { enabled: true }, Setting: expect.any(Object),
      _count: { Message: expect.any(Number), Contact: expect.any(Number), Chat: expect.any(Number) },
    });
    expect(rows[3]).toMatchObject({ name: 'financeiro-poa', connectionStatus: 'connecting', ownerJid: null });
    const own = (await (await rest('/instance/fetchInstances', {}, rows[1]!.token)).json()) as Data[];
    expect(own.map((r) => r.name)).toEqual(['vendas-rj']);
    expect((await rest('/instance/connectionState/vendas-rj', {}, rows[1]!.token)).status).toBe(200);
    expect((await rest('/instance/connectionState/suporte-bh', {}, rows[1]!.token)).status).toBe(401);
  });

  it('socket.io: refuses a missing/wrong apikey at the handshake (generic connect_error, 403 with reason)', async () => {
    await start();
    expect(await outcome(client('', { query: {} }))).toMatch(/websocket error/);
    expect(await outcome(client('', { query: { apikey: 'wrong' }, transports: ['polling'] }))).toMatch(/xhr poll error/);
    const raw = await fetch(`${sim!.url}/socket.io/?EIO=4&transport=polling`);
    expect(raw.status).toBe(403);
    expect((await raw.json()).message).toBe('apiKey is required');
    expect(await outcome(client())).toBe('connected');
    expect(await outcome(client('', { query: {}, extraHeaders: { apikey: KEY } }))).toBe('connected');
    expect(await outcome(client('', { query: { apikey: sim!.instances[2]!.token } }))).toBe('connected');
  });

  it('global mode: default namespace gets every instance, envelope with local-time date_time + Z', async () => {
    await start({ globalEvents: true });
    const s = client();
    const got = collect(s);
    expect(await outcome(s)).toBe('connected');
    sim!.emit('atendimento-sp', 'messages.upsert', { key: { id: 'A' } });
    sim!.emit('vendas-rj', 'connection.update', { instance: 'vendas-rj', state: 'close', statusReason: 428 });
    await sleep(100);
    expect(got.map((e) => [e.event, e.instance])).toEqual([['messages.upsert', 'atendimento-sp'], ['connection.update', 'vendas-rj']]);
    const env = got[0]!;
    expect(Object.keys(env).sort()).toEqual(['apikey', 'data', 'date_time', 'event', 'instance', 'sender', 'server_url']);
    expect(env).toMatchObject({ server_url: sim!.url, apikey: sim!.instances[0]!.token, sender: expect.stringMatching(/@s\.whatsapp\.net$/) });
    expect(env.date_time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const stamped = Date.parse(env.date_time);
    const localWall = Date.now() - new Date().getTimezoneOffset() * 60_000;
    expect(Math.abs(stamped - localWall)).toBeLessThan(5_000);
    expect(Math.abs(stamped - Date.now())).toBeGreaterThan(2 * 3600_000); // not real UTC
  });

  it('per-instance namespace only carries its own instance; "/" gets nothing without global mode', async () => {
    await start();
    const own = client('/vendas-rj');
    const root = client();
    const gotOwn = collect(own);
    const gotRoot = collect(root);
    expect(await outcome(own)).toBe('connected');
    expect(await outcome(root)).toBe('connected');
    sim!.emit('vendas-rj', 'messages.upsert', { n: 1 });
    sim!.emit('atendimento-sp', 'messages.upsert', { n: 2 });
    sim!.emit('vendas-rj', 'presence.update', { n: 3 });
    await sleep(100);
    expect(gotOwn.map((e) => [e.instance, e.data.n])).toEqual([['vendas-rj', 1], ['vendas-rj', 3]]);
    expect(gotRoot).toEqual([]);
  });

  it('late namespace: "Invalid namespace" until the server first uses it', async () => {
    await start({ lateNamespaceMs: 300 });
    expect(await outcome(client('/suporte-bh'))).toBe('Invalid namespace');
    await sleep(350);
    const s = client('/suporte-bh');
    const got = collect(s);
    expect(await outcome(s)).toBe('connected');
    sim!.emit('suporte-bh', 'messages.upsert', { ok: true });
    await sleep(80);
    expect(got.map((e) => e.event)).toEqual(['messages.upsert']);
  });

  it('enabling the websocket via REST: namespace appears with the first listed event', async () => {
    await start({ websocketDisabled: ['vendas-rj'] });
    expect(await outcome(client('/vendas-rj'))).toBe('Invalid namespace');
    expect(await (await rest('/websocket/find/vendas-rj')).json()).toBeNull();
    expect((await rest('/websocket/set/vendas-rj', { method: 'POST', body: '{}' })).status).toBe(400);
    expect((await rest('/websocket/set/ninguem', { method: 'POST', body: '{}' }, null)).status).toBe(404);
    const set = await rest('/websocket/set/vendas-rj', { method: 'POST', body: JSON.stringify({ websocket: { enabled: true, events: ['MESSAGES_UPSERT'] } }) });
    expect(set.status).toBe(201);
    expect(await set.json()).toMatchObject({ enabled: true, events: ['MESSAGES_UPSERT'], instanceId: sim!.instances[1]!.id });
    sim!.emit('vendas-rj', 'connection.update', { state: 'open' }); // not subscribed: still no namespace
    expect(await outcome(client('/vendas-rj'))).toBe('Invalid namespace');
    sim!.emit('vendas-rj', 'messages.upsert', {});
    expect(await outcome(client('/vendas-rj'))).toBe('connected');
    expect((await (await rest('/websocket/find/vendas-rj')).json()).events).toEqual(['MESSAGES_UPSERT']);
  });

  it('restart drops namespaces until used again; dropClients is a blip clients reconnect from', async () => {
    await start({ globalEvents: true, lateNamespaceMs: 150 });
    await sleep(200);
    expect(await outcome(client('/atendimento-sp'))).toBe('connected');
    const root = client('', { reconnection: true, reconnectionDelay: 50, reconnectionDelayMax: 100 });
    expect(await outcome(root)).toBe('connected');
    const reason = new Promise<string>((r) => root.once('disconnect', r));
    sim!.dropClients();
    expect(await reason).toBe('transport close');
    await new Promise((r) => root.io.once('reconnect', r));
    await sim!.restart();
    expect(await outcome(client('/atendimento-sp'))).toBe('Invalid namespace');
    await sleep(200);
    expect(await outcome(client('/atendimento-sp'))).toBe('connected');
  });

  it('records whatever clients emit (e.g. sendNode) and delivers malformed payloads verbatim', async () => {
    await start({ globalEvents: true });
    const s = client();
    const raw: unknown[][] = [];
    s.onAny((event, ...args) => raw.push([event, ...args]));
    expect(await outcome(s)).toBe('connected');
    s.emit('sendNode', { instanceId: 'x', stanza: {} });
    sim!.emitMalformed('non-json-string');
    sim!.emitMalformed('missing-event');
    sim!.emitMalformed('data-not-object');
    sim!.emitMalformed('no-payload');
    await sleep(100);
    expect(sim!.received).toEqual([expect.objectContaining({ namespace: '/', event: 'sendNode' })]);
    expect(raw[0]).toEqual(['messages.upsert', expect.stringContaining('não é JSON')]);
    expect(raw[1]![1]).not.toHaveProperty('event');
    expect((raw[2]![1] as Envelope).data).toBe('payload inesperado');
    expect(raw[3]).toEqual(['messages.upsert']);
  });

  it('autoplay: qrcode.updated carries a real PNG; burst delivers fast', async () => {
    await start({ globalEvents: true, ratePerSec: 0 });
    const s = client();
    const got = collect(s);
    expect(await outcome(s)).toBe('connected');
    sim!.setAutoplay(true);
    await sleep(100);
    const qr = got.find((e) => e.event === 'qrcode.updated');
    expect(qr?.instance).toBe('financeiro-poa');
    expect(qr?.data.qrcode).toMatchObject({ instance: 'financeiro-poa', code: expect.stringMatching(/^2@/) });
    const png = Buffer.from((qr!.data.qrcode.base64 as string).replace(/^data:image\/png;base64,/, ''), 'base64');
    expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
    expect(png.readUInt32BE(16)).toBeGreaterThan(50); // IHDR width
    sim!.setAutoplay(false);
    got.length = 0;
    expect(await sim!.burst(2_000)).toBe(2_000);
    await sleep(300);
    const upserts = got.filter((e) => e.event === 'messages.upsert');
    expect(upserts).toHaveLength(2_000);
    expect(upserts[0]!.data).toMatchObject({ key: { remoteJid: expect.any(String), fromMe: false, id: expect.any(String) }, messageType: expect.any(String), messageTimestamp: expect.any(Number) });
    expect(upserts.some((e) => e.instance === 'financeiro-poa')).toBe(false); // not paired yet
  });
});
