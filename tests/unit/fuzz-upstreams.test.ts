import { describe, expect, it } from 'vitest';
import type { WaEvent } from '../../src-main/contract/evolution';
import type { HubNotification, HubStatus } from '../../src-main/contract/keyword-hub';
import type { DashboardHealth } from '../../src-main/contract/dashboard';
import type { LogLine } from '../../src-main/contract/logs';
import { defaultSettings, type Settings } from '../../src-main/contract/settings';
import type { Core } from '../../src-main/core/app-core';
import type { CoreContext, ModuleFactory } from '../../src-main/core/context';
import { createRandom, type Random } from '../../src-main/demo/random';
import { dashboardModule } from '../../src-main/upstreams/dashboard';
import { Evolution } from '../../src-main/upstreams/evolution';
import { keywordHubModule } from '../../src-main/upstreams/keyword-hub';
import { createRpaLogs, type RpaLogs } from '../../src-main/upstreams/rpa-logs';
import { startIoServer, startSseServer, startWsServer, type IoUpstream, type SseServer, type WsServer } from './hostile-servers';
import { testCores } from './test-cores';
import type { Link } from '../../src-main/core/lifecycle';
import { until } from './until';

/**
 * One fuzz suite per upstream wire: each real connector against a small hostile loopback server
 * (not our simulators), ≥ 2,000 inputs from a seeded PRNG (reproducible: the seed is in the
 * test name), bounded in time. Each asserts: the process and the connector survive (connected,
 * or reconnected after a cut), every bad input is counted exactly once, and valid messages sent
 * before, between and after arrive intact and in order.
 */

const INPUTS = 2_000;
const TIMEOUT = 90_000;
const HUGE = 4 * 1024 * 1024 + 16; // one string over the 4 Mi-character limit

const { boot: bootCore, servers } = testCores('ops-fuzz-');

async function boot(settings: Settings, secrets: Record<string, string>, modules: ModuleFactory[]): Promise<{ core: Core; ctx: CoreContext }> {
  const core = await bootCore({ settings, secrets, modules });
  return { core, ctx: core.ctx };
}

/** Random text without line breaks that starts with a non-space (one SSE `data:` line, one frame). */
function junk(r: Random, max = 200): string {
  const pool = '{}[]":,\\ abcxyz0129-+.eEtrufalsn\t\u00e9\u4e2d\u{1F600}\u0000\u001f\u2028\ufffd';
  const chars = [...pool];
  let s = r.pick(['{', '[', '"', 'x', '9', '\u00e9', 'n']);
  for (let i = r.int(0, max); i > 0; i--) s += r.pick(chars);
  return s;
}

const deepArray = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;
const deepObject = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
const wideObject = (n: number) => `{${Array.from({ length: n }, (_, i) => `"k${i}":0`).join(',')}}`;

/**
 * One bad input built around `valid` (a good message's JSON): each is refused at the edge or by
 * the schema, exactly once. `wrongType` is the good message with a field of the wrong type.
 */
function badInput(r: Random, i: number, valid: string, wrongType: string): string {
  if (i % 700 === 350) return `{"x":"${'y'.repeat(HUGE)}"}`; // huge string
  if (i % 700 === 351) return wideObject(10_001); // too many members
  switch (r.int(0, 7)) {
    case 0:
      return junk(r);
    case 1:
      return valid.slice(0, r.int(1, valid.length - 1)); // truncated
    case 2:
      return r.chance(0.5) ? deepArray(r.int(65, 3_000)) : `{"type":${deepObject(r.int(65, 3_000))}}`;
    case 3:
      return wrongType;
    case 4:
      return r.pick(['null', '[]', '42', '"text"', 'true', '{}', '[{}]']);
    case 5:
      return `${valid.slice(0, -1)},"deep":${deepArray(r.int(65, 20_000))}}`; // a good message with a deep field
    case 6:
      return `{"${junk(r, 20).replace(/["\\\u0000-\u001f]/g, '')}":${valid}`; // unbalanced
    default:
      return `${valid}${junk(r, 10)}`; // trailing garbage
  }
}

describe('fuzz: RPA log SSE wire (seed 000)', () => {
  it(`survives ${INPUTS} hostile events (seed 4242): each bad one counted, good ones intact`, { timeout: TIMEOUT }, async () => {
    const r = createRandom(4242);
    const sse: SseServer = await startSseServer();
    servers.push(sse);
    const settings = defaultSettings();
    settings.upstreams.rpaLogs.url = sse.url;
    let logs: RpaLogs | null = null;
    const { core } = await boot(settings, { 'rpaLogs.token': 'eyJ.t.s' }, [(ctx) => { const made = createRpaLogs(ctx, { backoff: { baseMs: 10, maxMs: 50 } }); logs = made.connector; return made.module; }]);
    const got: LogLine[] = [];
    core.hub.on('logs.lines', (l) => l.kind === 'log' && got.push(l));
    const open = () => until('log stream open', () => sse.clients === 1 && logs!.currentLink?.currentState === 'open', 15_000);
    await open();
    let id = 0;
    const sent: string[] = [];
    const good = (n: number) => JSON.stringify({ type: 'log', level: r.pick(['INFO', 'ERROR', 'DEBUG']), message: `linha ${n} <b>"ok"</b> \u00e9 \u{1F600}`, job_id: `job-${n % 7}`, operadora: 'VIVO', timestamp: '2025-11-05T01:53:35.123Z' });
    const sendGood = (n: number) => {
      const text = good(n);
      sent.push(JSON.parse(text).message);
      sse.write(`id: ${++id}\ndata: ${text}\n\n`);
    };
    const flushed = (what: string) => until(what, () => got.length === sent.length, 20_000);
    let bad = 0;
    const base = logs!.stats.invalid;
    sendGood(-1);
    for (let i = 0; i < INPUTS; i++) {
      if (r.chance(0.1)) sendGood(i);
      const wrongType = JSON.stringify({ type: 'log', level: 5, message: 'm', job_id: 'j' });
      const payload = badInput(r, i, good(i), wrongType);
      // Odd but valid framing around the bad data: comments, CRLF, an unknown field is not counted here.
      sse.write(`${r.chance(0.2) ? ': comment\r\n' : ''}data: ${payload}${r.pick(['\n\n', '\r\n\r\n', '\r\r'])}`);
      bad++;
      if (i === INPUTS / 2) {
        // A cut in the middle of an event: the partial event is dropped; the console reconnects.
        await flushed('first half');
        await until('first half counted', () => logs!.stats.invalid - base === bad, 20_000);
        sse.write('data: {"type":"log","level":"INFO","mess');
        const before = sse.connections;
        sse.drop();
        await until('reconnected', () => sse.connections > before && sse.clients === 1 && logs!.currentLink?.currentState === 'open', 15_000);
      }
    }
    sendGood(INPUTS);
    await flushed('good lines');
    await until('every bad input counted', () => logs!.stats.invalid - base === bad, 20_000);
    expect(logs!.stats.invalid - base).toBe(bad);
    expect(got.map((l) => l.message)).toEqual(sent);

    // Raw random bytes (line breaks and all): no exact count — framing is the bytes' to decide —
    // but the stream survives them, and a good line after a blank line arrives intact.
    for (let i = 0; i < 200; i++) sse.writeBytes(Uint8Array.from({ length: r.int(1, 300) }, () => r.int(0, 255)));
    sse.write('\n\n');
    sendGood(INPUTS + 1);
    await flushed('good line after random bytes');
    expect(got.at(-1)?.message).toBe(sent.at(-1));
    expect(logs!.currentLink!.status()).toMatchObject({ state: 'open', restarts: 0 });
    expect(() => logs!.book.save()).not.toThrow();
  });
});

/**
 * A WebSocket wire's run: `INPUTS` bad frames from `bad` (15% sent as binary frames), good
 * ones from `good` before, between (10%, 30% of those binary) and after, and a cut half-way
 * once the first half is counted. Resolves, once every bad frame is counted exactly once,
 * with the numbers of the good frames in the order sent.
 */
async function fuzzWebSocket(wire: { r: Random; ws: WsServer; link: () => Link; counted: () => number; good: (n: number) => string }, bad: (i: number) => string): Promise<number[]> {
  const { r, ws, link, counted, good } = wire;
  const sent: number[] = [];
  const sendGood = (n: number, binary = false) => {
    sent.push(n);
    if (binary) ws.sendBinary(Buffer.from(good(n)));
    else ws.send(good(n));
  };
  const base = counted();
  let sentBad = 0;
  sendGood(-1);
  for (let i = 0; i < INPUTS; i++) {
    if (r.chance(0.1)) sendGood(i, r.chance(0.3));
    const payload = bad(i);
    if (r.chance(0.15)) ws.sendBinary(Uint8Array.from(Buffer.from(payload)));
    else ws.send(payload);
    sentBad++;
    if (i === INPUTS / 2) {
      await until('first half counted', () => counted() - base === sentBad, 20_000);
      const before = ws.connections;
      ws.drop();
      await until('reconnected', () => ws.connections > before && ws.clients === 1 && link().currentState === 'open', 15_000);
    }
  }
  sendGood(INPUTS);
  await until('every bad frame counted', () => counted() - base === sentBad, 20_000);
  return sent;
}

describe('fuzz: keyword hub WebSocket wire (seed 001)', () => {
  it(`survives ${INPUTS} hostile frames (seed 1001): each bad one counted, good ones intact`, { timeout: TIMEOUT }, async () => {
    const r = createRandom(1001);
    const ws: WsServer = await startWsServer();
    servers.push(ws);
    const settings = defaultSettings();
    settings.upstreams.keywordHub.url = ws.url.replace(/\/$/, '');
    const { core, ctx } = await boot(settings, { 'keywordHub.token': 'eyJ.t.s' }, [keywordHubModule]);
    const got: HubNotification[] = [];
    let hub: HubStatus | null = null;
    core.hub.on('executions.notifications', (n) => got.push(n));
    core.hub.on('executions.hub', (s) => (hub = s));
    const link = () => ctx.links.get('keywordHub')!;
    await until('hub connected', () => ws.clients === 1 && link().currentState === 'open', 15_000);
    const counted = () => (hub ? hub.health.malformed + hub.health.unknownEvents : 0);
    const frame = (event: string, data: unknown) => JSON.stringify({ event, data, timestamp: '2025-11-05T01:53:35.123Z' });
    const good = (n: number) => frame('NOTIFICACAO_GERAL', { tipo: 'info', titulo: `aviso ${n} "ok" \u00e9`, mensagem: `corpo ${n} \u{1F600}` });
    await until('first snapshot', () => hub, 5_000).catch(() => undefined);
    const sent = (
      await fuzzWebSocket({ r, ws, link, counted, good }, (i) => {
        const kind = r.int(0, 9);
        if (kind === 0) return frame(`EVENTO_${junk(r, 8).replace(/[^A-Z]/gi, 'X')}`, {}); // unknown event name
        if (kind === 1) return frame('NOTIFICACAO_GERAL', r.pick([5, 'x', null, [1]])); // data not an object
        return badInput(r, i, good(i), frame('NOTIFICACAO_GERAL', { titulo: 5 }));
      })
    ).map((n) => `aviso ${n} "ok" \u00e9`);
    await until('good frames', () => got.length === sent.length, 20_000);
    expect(got.map((n) => n.title)).toEqual(sent);
    expect(got.every((n) => /^corpo -?\d+ \u{1F600}$/u.test(n.message))).toBe(true);
    expect(link().status()).toMatchObject({ state: 'open', restarts: 0 });
  });
});

describe('fuzz: dashboard WebSocket wire (seed 004)', () => {
  it(`survives ${INPUTS} hostile frames (seed 404): each bad one counted, good ones intact`, { timeout: TIMEOUT }, async () => {
    const r = createRandom(404);
    const ws: WsServer = await startWsServer();
    servers.push(ws);
    const settings = defaultSettings();
    settings.upstreams.dashboard.url = `${ws.url}ws/dashboard_control/`;
    const { core, ctx } = await boot(settings, {}, [dashboardModule]);
    const got: string[] = [];
    let health: DashboardHealth | null = null;
    core.hub.on('dashboard.remoteSwitch', (s) => got.push(s.target));
    core.hub.on('dashboard.health', (h) => (health = h));
    const link = () => ctx.links.get('dashboard')!;
    await until('dashboard connected', () => ws.clients === 1 && link().currentState === 'open', 15_000);
    const counted = () => (health ? health.malformed + health.unknown : 0);
    const good = (n: number) => JSON.stringify({ type: 'remote_switch', target: `tela-${n}-\u00e9`, timestamp: '2025-11-05T01:53:35.123Z' });
    const sent = (
      await fuzzWebSocket({ r, ws, link, counted, good }, (i) => {
        const kind = r.int(0, 9);
        if (kind === 0) return JSON.stringify({ type: `tipo_${i}`, data: {} }); // unknown type
        if (kind === 1) return JSON.stringify({ type: r.pick([5, null, ['remote_switch']]) });
        return badInput(r, i, good(i), JSON.stringify({ type: 'remote_switch', target: 5, timestamp: '2025-11-05T01:53:35.123Z' }));
      })
    ).map((n) => `tela-${n}-\u00e9`);
    await until('good frames', () => got.length === sent.length, 20_000);
    expect(got).toEqual(sent);
    expect(link().status()).toMatchObject({ state: 'open', restarts: 0 });
  });
});

describe('fuzz: Evolution socket.io wire (seed 002)', () => {
  it(`survives ${INPUTS} hostile events (seed 2002): each bad one counted, good ones intact`, { timeout: TIMEOUT }, async () => {
    const r = createRandom(2002);
    const io: IoUpstream = await startIoServer();
    servers.push(io);
    io.rest.set('/', { status: 200, message: 'Welcome to the Evolution API', version: '2.2.3' });
    io.rest.set('/instance/fetchInstances', [{ name: 'fz', connectionStatus: 'open' }]);
    const settings = defaultSettings();
    settings.upstreams.evolution.url = io.url;
    settings.upstreams.evolution.mode = 'global';
    settings.upstreams.evolution.displayRateLimitPerMin = 1_000_000;
    let evo: Evolution | null = null;
    const { core, ctx } = await boot(settings, { 'evolution.apiKey': 'k-123' }, [
      (c) => (evo = new Evolution(c, { backoff: { baseMs: 20, maxMs: 80, jitter: 0 }, namespaceBackoff: { baseMs: 20, maxMs: 80, jitter: 0 }, instancesMs: 20, metricsMs: 50, refreshMs: 0, historyFlushMs: 20, connectTimeoutMs: 3_000 })),
    ]);
    const got: WaEvent[] = [];
    core.hub.on('whatsapp.events', (e) => e.event === 'messages.upsert' && got.push(e));
    const link = () => ctx.links.list().find((s) => s.id === 'evolution' && s.state === 'open');
    await until('socket connected', () => io.clients === 1 && link(), 15_000);
    const envelope = (n: number) => ({ event: 'messages.upsert', instance: 'fz', data: { key: { id: `MSG${n}`, remoteJid: '5511999999999@s.whatsapp.net', fromMe: false }, message: { conversation: `olá ${n} "ok" \u{1F600}` } }, date_time: '2025-11-05T01:53:35.123Z', sender: '5511888888888@s.whatsapp.net' });
    const sent: string[] = [];
    const sendGood = (n: number) => {
      sent.push(`MSG${n}`);
      io.emit('messages.upsert', r.chance(0.3) ? JSON.stringify(envelope(n)) : envelope(n));
    };
    const base = evo!.stats.invalid;
    let bad = 0;
    sendGood(-1);
    for (let i = 0; i < INPUTS; i++) {
      if (r.chance(0.1)) sendGood(i);
      const name = r.chance(0.3) ? `evt.${junk(r, 6).replace(/[^a-z]/gi, 'q')}` : 'messages.upsert';
      const env = { ...envelope(i), data: { key: { id: `BAD${i}` } } };
      if (i % 700 === 7) {
        // Huge (4 MiB in one string), decoded by socket.io itself.
        io.emit(name, { ...env, event: name, data: { text: 'x'.repeat(HUGE) } });
        bad++;
        continue;
      }
      switch (r.int(0, 7)) {
        case 0: // the envelope names another event than the socket's
          io.emit(name === 'messages.upsert' ? 'messages.update' : name, env);
          break;
        case 1: // more than one argument
          io.emit(name, env, { extra: true });
          break;
        case 2: // a string payload that is not (good) JSON
          io.emit(name, badInput(r, i, JSON.stringify(env), JSON.stringify({ ...env, instance: 5 })));
          break;
        case 3: { // deep, decoded by socket.io itself
          let v: unknown = 1;
          for (let d = r.int(65, 2_000); d > 0; d--) v = [v];
          io.emit(name, { ...env, event: name, data: { v } });
          break;
        }
        case 4: // wrong types
          io.emit(name, { ...env, event: name, instance: r.pick([5, null, '', ['fz']]) });
          break;
        case 5: // not an object
          io.emit(name, r.pick([null, 42, true, [1, 2]]));
          break;
        case 6: // data of the wrong type
          io.emit(name, { ...env, event: name, data: r.pick([5, 'text', null]) });
          break;
        default: // no arguments
          io.emit(name);
      }
      bad++;
      if (i === INPUTS / 2) {
        await until('first half counted', () => evo!.stats.invalid - base === bad, 20_000);
        const before = io.connections;
        io.drop();
        await until('reconnected', () => io.connections > before && io.clients === 1 && link(), 15_000);
      }
    }
    sendGood(INPUTS);
    await until('good events', () => got.length === sent.length, 20_000);
    await until('every bad event counted', () => evo!.stats.invalid - base === bad, 20_000);
    expect(got.map((e) => (e.data as { key: { id: string } }).key.id)).toEqual(sent);
    expect(got.every((e, k) => (e.data as { message: { conversation: string } }).message.conversation === `olá ${sent[k]!.slice(3)} "ok" \u{1F600}`)).toBe(true);
    expect(link()).toMatchObject({ restarts: 0 });
  });
});
