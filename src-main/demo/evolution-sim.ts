import { createServer, type Server } from 'node:http';
import { listen as listenOn, portOf } from '../core/http-listen';
import { Server as IOServer, type Socket } from 'socket.io';
import {
  configEventOf, connectionUpdate, DEFAULT_EVOLUTION_INSTANCES, evolutionDateTime, makeInstance, makeWebsocketConfig,
  messagePayload, OTHER_EVENTS, qrcodeUpdated, senderOf, type ConnectionState, type SimInstance,
} from './evolution-data';
import { createEvolutionRest, fail } from './evolution-rest';
import { createRandom } from './random';
import type { Simulator, SimulatorOptions } from './types';

/**
 * Evolution API v2 upstream: REST (`apikey` header) and socket.io on the same port, modelled on
 * evolution-api's WebsocketController:
 * - handshake auth in engine.io `allowRequest`: `apikey` query param or header, equal to the global
 *   key or any instance token; refusal is an HTTP 403 on the transport request, so clients only
 *   see a generic connect_error ("xhr poll error" / "websocket error"), never the reason;
 * - `WEBSOCKET_GLOBAL_EVENTS`: every event also goes to the default namespace `/`;
 * - per instance: `io.of('/<name>').emit` only when that instance's websocket config is enabled and
 *   lists the event (`messages.upsert` → `MESSAGES_UPSERT`). `io.of` is the only thing creating the
 *   namespace, so connecting before the first such event fails with "Invalid namespace";
 * - envelope `{event, instance, data, server_url, date_time, sender, apikey}`, date_time = local
 *   wall-clock time with a trailing `Z`; clients never emit anything except the unused `sendNode`.
 *
 * `seedOnly`: exactly what seed 002 describes — socket.io with the API key, global events on `/`
 * and one namespace per instance, the envelope as `{event, instance, data}` only, and only its
 * five event types (`connection.update`, `messages.upsert`, `messages.update`, `contacts.update`,
 * `groups.update`). No Evolution REST (every HTTP route answers 404), no QR codes, no
 * instance create/delete events. Test helpers (`emit`, `emitMalformed`) still send what they are told.
 */

export type { ConnectionState } from './evolution-data';
export { EVOLUTION_CONFIG_EVENTS, evolutionDateTime } from './evolution-data';

export interface EvolutionSimulatorOptions extends SimulatorOptions {
  /** Speak exactly what the seed documents, nothing of ours beyond it (`--seed-only`). */
  seedOnly?: boolean;
  /** Global AUTHENTICATION_API_KEY (default: the key from evolution-api's .env.example). */
  apiKey?: string;
  instances?: string[];
  globalEvents?: boolean;
  /** Autoplay message rate over all connected instances. */
  ratePerSec?: number;
  /** Keep per-instance namespaces (and autoplay) down for this long after start/restart. */
  lateNamespaceMs?: number;
  /** Instances waiting for a QR scan (default: the 4th default instance). */
  pairingInstances?: string[];
  /** Instances whose websocket config starts absent (namespace never created until enabled). */
  websocketDisabled?: string[];
  /** Newer servers let ALLOWED_HOSTS (loopback) connect without apikey; off so auth stays testable. */
  trustLoopback?: boolean;
}

export type EvolutionMalformedKind =
  | 'missing-event' | 'data-not-object' | 'non-json-string' | 'missing-instance' | 'unknown-event'
  | 'mismatched-event' | 'no-payload' | 'array-payload';

export interface EvolutionReceived { namespace: string; event: string; args: unknown[]; at: number }
export interface EvolutionInstanceInfo {
  name: string; id: string; token: string; state: ConnectionState; pairing: boolean;
  websocket: { enabled: boolean; events: string[] } | null;
}

export interface EvolutionSimulator extends Simulator {
  readonly apiKey: string;
  readonly instances: readonly EvolutionInstanceInfo[];
  /** Everything any client emitted, on any namespace (the console must never emit). */
  readonly received: readonly EvolutionReceived[];
  readonly clientCount: number;
  emit(instance: string, event: string, data: unknown): void;
  emitMalformed(kind: EvolutionMalformedKind, instance?: string): void;
  createInstance(name: string, opts?: { pairing?: boolean; websocket?: boolean }): EvolutionInstanceInfo;
  deleteInstance(name: string): boolean;
  setConnectionState(instance: string, state: ConnectionState, statusReason?: number): void;
  setGlobalEvents(on: boolean): void;
  setWebsocketEnabled(instance: string, on: boolean, events?: string[]): void;
  setRate(perSec: number): void;
  setAutoplay(on: boolean): void;
  /** n `messages.upsert` as fast as possible (yielding every 500); resolves with the count. */
  burst(n: number, instance?: string): Promise<number>;
}

export const DEFAULT_EVOLUTION_API_KEY = '429683C4C977415CAAFCCE10F7D57E11';
const LOOPBACK = ['127.0.0.1', '::1', '::ffff:127.0.0.1'];
const TICK_MS = 50;
const QR_REFRESH_MS = 20_000;
/** Autoplay mix besides plain incoming messages (weights sum < 1; the rest is messages.upsert). */
const MIX_FULL: [string, number][] = [
  ['messages.update', 0.15], ['presence.update', 0.08], ['chats.update', 0.05], ['contacts.update', 0.04], ['send.message', 0.04],
  ['chats.upsert', 0.03], ['groups.update', 0.02], ['messages.delete', 0.015], ['call', 0.01],
];
/** Seed 002's list of event types, besides `messages.upsert` and `connection.update`. */
const MIX_SEED: [string, number][] = [['messages.update', 0.15], ['contacts.update', 0.05], ['groups.update', 0.03]];

export async function startEvolutionSimulator(opts: EvolutionSimulatorOptions = {}): Promise<EvolutionSimulator> {
  const host = opts.host ?? '127.0.0.1';
  const apiKey = opts.apiKey ?? DEFAULT_EVOLUTION_API_KEY;
  const seedOnly = opts.seedOnly ?? false;
  const MIX = seedOnly ? MIX_SEED : MIX_FULL;
  const random = createRandom(opts.seed);
  const names = opts.instances?.length ? opts.instances : DEFAULT_EVOLUTION_INSTANCES;
  const pairingNames = opts.pairingInstances ?? (opts.instances ? [] : [DEFAULT_EVOLUTION_INSTANCES[3]!]);
  const instances = new Map<string, SimInstance>();
  for (const name of names) {
    instances.set(name, makeInstance(name, random, { pairing: pairingNames.includes(name), websocket: !opts.websocketDisabled?.includes(name) }));
  }
  let globalEvents = opts.globalEvents ?? false;
  let rate = opts.ratePerSec ?? 2;
  let autoplayWanted = opts.autoplay ?? true;
  let baseUrl = '';
  const received: EvolutionReceived[] = [];
  const connections = new Set<{ close(): void }>();
  let io!: IOServer;
  let server!: Server;

  const deliver = (name: string, event: string, configEv: string, payload: unknown[]) => {
    if (globalEvents) io.emit(event, ...payload);
    const cfg = instances.get(name)?.websocket;
    if (cfg?.enabled && cfg.events.includes(configEv)) io.of(`/${name}`).emit(event, ...payload);
  };
  const envelope = (name: string, event: string, data: unknown): Record<string, unknown> => {
    if (seedOnly) return { event, instance: name, data };
    const inst = instances.get(name);
    return { event, instance: name, data, server_url: baseUrl, date_time: evolutionDateTime(), sender: inst && senderOf(inst), apikey: inst?.token ?? null };
  };
  const emit = (name: string, event: string, data: unknown) => {
    const inst = instances.get(name);
    if (inst && event === 'messages.upsert') inst.counts.Message++;
    deliver(name, event, configEventOf(event), [envelope(name, event, data)]);
  };

  const setConnectionState = (name: string, state: ConnectionState, statusReason?: number) => {
    const inst = instances.get(name);
    if (!inst) return;
    inst.state = state;
    inst.updatedAt = new Date().toISOString();
    if (state === 'close') {
      inst.disconnectionReasonCode = statusReason ?? 428;
      inst.disconnectionAt = inst.updatedAt;
    }
    emit(name, 'connection.update', connectionUpdate(inst, state, statusReason ?? (state === 'close' ? 428 : 200)));
  };

  // --- autoplay: message feed, connection blips, QR refreshes for instances that need pairing ---
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, fn: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    t.unref();
    timers.add(t);
  };
  const online = () => [...instances.values()].filter((i) => i.state === 'open' && !i.pairing);
  const autoEvent = () => {
    const inst = online().length ? random.pick(online()) : null;
    if (!inst) return;
    let roll = random.next();
    for (const [event, weight] of MIX) {
      if ((roll -= weight) < 0) return emit(inst.name, event, OTHER_EVENTS[event]!(inst, random));
    }
    emit(inst.name, 'messages.upsert', messagePayload(inst, random));
  };
  const scheduleBlip = () =>
    later(random.int(25_000, 50_000), () => {
      const inst = online().length ? random.pick(online()) : null;
      if (inst) {
        setConnectionState(inst.name, 'close', 428);
        later(1_500, () => setConnectionState(inst.name, 'connecting', 200));
        later(random.int(3_000, 5_000), () => setConnectionState(inst.name, 'open', 200));
      }
      scheduleBlip();
    });
  const refreshQr = () => {
    if (seedOnly) return; // qrcode.updated is not among the seed's event types
    for (const inst of instances.values()) {
      if (!inst.pairing) continue;
      if (inst.qrCount++ === 0) emit(inst.name, 'connection.update', connectionUpdate(inst, 'connecting', 200));
      emit(inst.name, 'qrcode.updated', qrcodeUpdated(inst, random));
    }
    later(QR_REFRESH_MS, refreshQr);
  };
  let feed: NodeJS.Timeout | null = null;
  const stopAutoplay = () => {
    if (feed) clearInterval(feed);
    feed = null;
    for (const t of timers) clearTimeout(t);
    timers.clear();
  };
  const startAutoplay = () => {
    stopAutoplay();
    // Fractional carry honours any rate; capped so a stalled loop does not burst afterwards.
    let carry = 0;
    let last = Date.now();
    feed = setInterval(() => {
      const now = Date.now();
      carry = Math.min(carry + (rate * (now - last)) / 1000, Math.max(2, rate * 2));
      last = now;
      for (; carry >= 1; carry--) autoEvent();
    }, TICK_MS);
    feed.unref();
    scheduleBlip();
    refreshQr();
  };

  // --- boot: namespaces exist once used; `lateNamespaceMs` simulates a server still warming up ---
  let booted = false;
  let bootTimer: NodeJS.Timeout | null = null;
  const boot = () => {
    booted = false;
    const up = () => {
      booted = true;
      for (const inst of instances.values()) {
        if (!inst.websocket?.enabled) continue;
        if (opts.lateNamespaceMs === undefined) io.of(`/${inst.name}`);
        else emit(inst.name, 'connection.update', connectionUpdate(inst, inst.state, 200));
      }
      if (autoplayWanted) startAutoplay();
    };
    if (opts.lateNamespaceMs === undefined) return up();
    bootTimer = setTimeout(up, opts.lateNamespaceMs);
    bootTimer.unref();
  };

  const fullRest = createEvolutionRest({ apiKey, instances, baseUrl: () => baseUrl });
  const onRequest = seedOnly ? async (_req: unknown, res: Parameters<typeof fail>[0]) => fail(res, 404, 'Not Found', 'Not Found') : fullRest;

  // --- socket.io ---
  const track = (socket: Socket) => {
    socket.onAny((event: string, ...args: unknown[]) => received.push({ namespace: socket.nsp.name, event, args, at: Date.now() }));
    socket.on('sendNode', () => undefined); // upstream forwards this to Baileys; here it is only recorded
  };
  const createIo = () => {
    io = new IOServer(server, {
      cors: { origin: '*' },
      allowRequest: (req, callback) => {
        const params = new URL(req.url ?? '', 'http://localhost').searchParams;
        if (opts.trustLoopback && params.has('EIO') && LOOPBACK.includes(req.socket.remoteAddress ?? '')) return callback(null, true);
        const header = req.headers.apikey;
        const key = params.get('apikey') || (typeof header === 'string' ? header : '');
        if (!key) return callback('apiKey is required', false);
        if (key !== apiKey && ![...instances.values()].some((i) => i.token === key)) return callback('Invalid global token', false);
        callback(null, true);
      },
    });
    io.on('connection', track);
    io.on('new_namespace', (nsp) => nsp.on('connection', track));
    io.engine.on('connection', (conn: { close(): void; on(ev: 'close', fn: () => void): void }) => {
      connections.add(conn);
      conn.on('close', () => connections.delete(conn));
    });
  };
  const listen = (port: number) => {
    server = createServer((req, res) => {
      onRequest(req, res).catch(() => {
        if (!res.headersSent) fail(res, 500, 'Internal Server Error', 'Internal Server Error');
      });
    });
    createIo();
    return listenOn(server, port, host);
  };
  const dropClients = () => {
    for (const conn of [...connections]) conn.close();
  };
  const close = async () => {
    stopAutoplay();
    if (bootTimer) clearTimeout(bootTimer);
    dropClients();
    const closing = io.close();
    server.closeAllConnections();
    await closing;
  };

  baseUrl = await listen(opts.port ?? 0);
  const port = portOf(server);
  boot();

  const info = (i: SimInstance): EvolutionInstanceInfo => ({
    name: i.name, id: i.id, token: i.token, state: i.state, pairing: i.pairing,
    websocket: i.websocket ? { enabled: i.websocket.enabled, events: [...i.websocket.events] } : null,
  });
  const firstName = () => instances.keys().next().value ?? 'instancia';

  return {
    name: 'evolution',
    url: baseUrl,
    port,
    apiKey,
    get instances() {
      return [...instances.values()].map(info);
    },
    get received() {
      return received;
    },
    get clientCount() {
      return io.engine.clientsCount;
    },
    emit,
    emitMalformed(kind, instance) {
      const name = instance ?? firstName();
      const inst = instances.get(name);
      const data = inst ? messagePayload(inst, random) : {};
      const env = envelope(name, 'messages.upsert', data);
      const route = (payload: unknown[], event = 'messages.upsert') => deliver(name, event, 'MESSAGES_UPSERT', payload);
      if (kind === 'missing-event') delete env.event;
      if (kind === 'missing-instance') delete env.instance;
      if (kind === 'data-not-object') env.data = 'payload inesperado';
      if (kind === 'mismatched-event') env.event = 'connection.update';
      if (kind === 'non-json-string') return route(['isto não é JSON {"event":']);
      if (kind === 'no-payload') return route([]);
      if (kind === 'array-payload') return route([[env]]);
      if (kind === 'unknown-event') return route([{ ...env, event: 'evento.desconhecido' }], 'evento.desconhecido');
      route([env]);
    },
    createInstance(name, o = {}) {
      const inst = makeInstance(name, random, { pairing: o.pairing ?? true, websocket: o.websocket ?? false });
      instances.set(name, inst);
      if (!seedOnly) emit(name, 'instance.create', { instanceName: name, instanceId: inst.id });
      return info(inst);
    },
    deleteInstance(name) {
      const inst = instances.get(name);
      if (!inst) return false;
      if (!seedOnly) {
        if (inst.state === 'open') emit(name, 'logout.instance', { instance: name, state: 'closed' });
        emit(name, 'instance.delete', { instanceName: name, instanceId: inst.id });
        emit(name, 'remove.instance', { instanceName: name, instanceId: inst.id });
      }
      instances.delete(name);
      return true;
    },
    setConnectionState,
    setGlobalEvents(on) {
      globalEvents = on;
    },
    setWebsocketEnabled(name, on, events = []) {
      const inst = instances.get(name);
      if (inst) inst.websocket = makeWebsocketConfig(inst.id, on, events, inst.websocket);
    },
    setRate(perSec) {
      rate = Math.max(0, perSec);
    },
    setAutoplay(on) {
      autoplayWanted = on;
      if (!on) stopAutoplay();
      else if (booted) startAutoplay();
    },
    async burst(n, instance) {
      const pool = instance ? [instances.get(instance)].filter((i): i is SimInstance => !!i) : online();
      if (!pool.length) return 0;
      let sent = 0;
      while (sent < n) {
        for (const end = Math.min(n, sent + 500); sent < end; sent++) {
          const inst = random.pick(pool);
          emit(inst.name, 'messages.upsert', messagePayload(inst, random));
        }
        await new Promise((r) => setImmediate(r));
      }
      return sent;
    },
    dropClients,
    // A new io server: per-instance namespaces are gone until first used again.
    async restart() {
      await close();
      await listen(port);
      boot();
    },
    async stop() {
      await close();
    },
  };
}
