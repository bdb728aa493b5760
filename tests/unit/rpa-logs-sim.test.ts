import { afterEach, describe, expect, it } from 'vitest';
import { startRpaLogSimulator, type RpaLogSimulator, type RpaLogSimulatorOptions } from '../../src-main/demo/rpa-logs-sim';

/** Minimal SSE client over fetch: the simulator is tested without any console code. */
interface SseEvent { id: string | undefined; data: string; json: Record<string, unknown> }
interface SseStream {
  status: number;
  headers: Headers;
  raw: string;
  events: SseEvent[];
  comments: string[];
  retry: number | undefined;
  ended: boolean;
  waitFor(pred: (s: SseStream) => boolean, timeoutMs?: number): Promise<void>;
  close(): void;
}

async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseStream> {
  const abort = new AbortController();
  const res = await fetch(url, { headers: { Accept: 'text/event-stream', ...headers }, signal: abort.signal });
  const stream: SseStream = {
    status: res.status,
    headers: res.headers,
    raw: '',
    events: [],
    comments: [],
    retry: undefined,
    ended: false,
    async waitFor(pred, timeoutMs = 2_000) {
      const deadline = Date.now() + timeoutMs;
      while (!pred(stream)) {
        if (Date.now() > deadline) throw new Error(`SSE wait timed out; got ${stream.events.length} events`);
        await new Promise((r) => setTimeout(r, 5));
      }
    },
    close: () => abort.abort(),
  };
  let pending = '';
  let id: string | undefined;
  let data: string[] = [];
  const onLine = (line: string) => {
    if (line === '') {
      if (data.length) stream.events.push({ id, data: data.join('\n'), json: JSON.parse(data.join('\n')) });
      data = [];
      return;
    }
    if (line.startsWith(':')) return void stream.comments.push(line.slice(1).trim());
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'id') id = value;
    else if (field === 'data') data.push(value);
    else if (field === 'retry') stream.retry = Number(value);
  };
  void (async () => {
    const decoder = new TextDecoder();
    try {
      const reader = res.body!.getReader();
      for (let r = await reader.read(); !r.done; r = await reader.read()) {
        const text = decoder.decode(r.value, { stream: true });
        stream.raw += text;
        pending += text;
        let nl: number;
        while ((nl = pending.indexOf('\n')) !== -1) {
          onLine(pending.slice(0, nl));
          pending = pending.slice(nl + 1);
        }
      }
    } catch {
      // aborted or cut by the simulator: both are expected in these tests
    }
    stream.ended = true;
  })();
  return stream;
}

const logs = (s: SseStream) => s.events.filter((e) => e.json.type === 'log');
const LOG_KEYS = ['job_id', 'level', 'logger', 'message', 'operadora', 'service', 'timestamp', 'type'];

let sims: RpaLogSimulator[] = [];
let streams: SseStream[] = [];
async function sim(opts: RpaLogSimulatorOptions = {}) {
  const s = await startRpaLogSimulator({ autoplay: false, seed: 7, ...opts });
  sims.push(s);
  return s;
}
async function sse(url: string, headers?: Record<string, string>) {
  const s = await openSse(url, headers);
  streams.push(s);
  return s;
}
afterEach(async () => {
  for (const s of streams) s.close();
  await Promise.all(sims.map((s) => s.stop()));
  sims = [];
  streams = [];
});

describe('RPA log simulator — /events/logs', () => {
  it('rejects missing and wrong bearer tokens with the seed messages', async () => {
    const s = await sim({ token: 'secret-jwt' });
    const missing = await fetch(`${s.url}/events/logs`);
    expect(missing.status).toBe(401);
    expect(await missing.json()).toEqual({ error: 'Token JWT não configurado' });
    const wrong = await fetch(`${s.url}/events/logs`, { headers: { Authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({ error: 'Token JWT expirado ou inválido' });

    s.setToken('rotated');
    const stale = await fetch(`${s.url}/events/logs`, { headers: { Authorization: 'Bearer secret-jwt' } });
    expect(stale.status).toBe(401);
    await stale.body?.cancel();
    const ok = await sse(`${s.url}/events/logs`, { Authorization: 'Bearer rotated' });
    expect(ok.status).toBe(200);
  });

  it('streams retry, a connection greeting, then seed-shaped events with increasing ids', async () => {
    const s = await sim({ token: 't', retryMs: 1234 });
    const stream = await sse(`${s.url}/events/logs`, { Authorization: 'Bearer t' });
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(stream.headers.get('cache-control')).toBe('no-cache');
    await stream.waitFor((x) => x.events.length === 1);
    expect(stream.raw.startsWith('retry: 1234\n')).toBe(true);
    expect(stream.retry).toBe(1234);
    const greeting = stream.events[0]!;
    expect(greeting.json).toMatchObject({ type: 'connection', message: 'Conectado ao stream de logs' });
    expect(typeof greeting.json.timestamp).toBe('string');
    expect(greeting.id).toBeUndefined(); // never moves the client's resume point

    const a = s.emit({ job_id: 'abc-123-def-456', level: 'INFO', message: 'Processando RPA da operadora VIVO' });
    s.emit();
    const e = s.emit({ type: 'error', message: 'Erro de conexão: Connection timeout' });
    s.emit({ level: 'ERROR' });
    expect(s.lastEventId).toBe(e + 1);
    await stream.waitFor((x) => x.events.length === 5);

    const ids = stream.events.slice(1).map((ev) => Number(ev.id));
    expect(ids).toEqual([a, a + 1, a + 2, a + 3]);
    for (const ev of logs(stream)) {
      expect(Object.keys(ev.json).sort()).toEqual(LOG_KEYS);
      expect(['DEBUG', 'INFO', 'WARNING', 'ERROR']).toContain(ev.json.level);
      expect(['VIVO', 'CLARO', 'TIM', 'OI']).toContain(ev.json.operadora);
      expect(['rpa-api', 'rpa-worker']).toContain(ev.json.service);
      expect(String(ev.json.logger)).toMatch(/^app\./);
      expect(Number.isNaN(Date.parse(String(ev.json.timestamp)))).toBe(false);
    }
    expect(stream.events[1]!.json).toMatchObject({ job_id: 'abc-123-def-456', operadora: 'VIVO', level: 'INFO' });
    expect(stream.events[3]!.json).toEqual({ type: 'error', message: 'Erro de conexão: Connection timeout', timestamp: expect.any(String) });
    expect(stream.events[4]!.json.level).toBe('ERROR');
  });

  it('autoplay generates a realistic interleaved feed', async () => {
    const s = await sim({ autoplay: true, ratePerSec: 400 });
    const stream = await sse(`${s.url}/events/logs`);
    await stream.waitFor((x) => logs(x).length >= 40);
    const ids = stream.events.slice(1).map((ev) => Number(ev.id));
    expect(ids.every((id, i) => i === 0 || id === ids[i - 1]! + 1)).toBe(true);
    expect(new Set(logs(stream).map((ev) => ev.json.job_id)).size).toBeGreaterThan(1);
    for (const ev of logs(stream)) expect(s.jobs).toContain(ev.json.job_id);
  });

  it('replays after Last-Event-ID across restart() with no loss and no duplicates', async () => {
    const s = await sim();
    const first = await sse(`${s.url}/events/logs`);
    await first.waitFor((x) => x.events.length === 1);
    s.emitBurst(3);
    await first.waitFor((x) => logs(x).length === 3);
    const lastSeen = first.events.at(-1)!.id!;

    await s.restart();
    await first.waitFor((x) => x.ended);
    expect(s.clientCount).toBe(0);
    s.emitBurst(2); // produced while the client was away

    const second = await sse(`${s.url}/events/logs`, { 'Last-Event-ID': lastSeen });
    await second.waitFor((x) => logs(x).length === 2);
    s.emit();
    await second.waitFor((x) => logs(x).length === 3);
    const all = [...logs(first), ...logs(second)].map((ev) => Number(ev.id));
    expect(all).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('keeps the last 50,000 events and replays from the oldest when the client is too far behind', async () => {
    const s = await sim();
    expect(s.emitBurst(50_010)).toBe(50_010);
    const near = await sse(`${s.url}/events/logs`, { 'Last-Event-ID': '50000' });
    await near.waitFor((x) => logs(x).length === 10);
    expect(logs(near)[0]!.id).toBe('50001');
    const far = await sse(`${s.url}/events/logs`, { 'Last-Event-ID': '3' });
    await far.waitFor((x) => logs(x).length >= 1);
    expect(logs(far)[0]!.id).toBe('11');
  });

  it('writes raw bytes and heartbeats to every stream; dropClients cuts them', async () => {
    const s = await sim({ heartbeatMs: 30 });
    const stream = await sse(`${s.url}/events/logs`);
    await stream.waitFor((x) => x.comments.includes('keepalive'));
    s.writeRaw('data: {"type":"log","message":"multi"}\r\n\r\n');
    await stream.waitFor((x) => x.raw.includes('"multi"}\r\n\r\n'));
    expect(s.clientCount).toBe(1);
    s.dropClients();
    await stream.waitFor((x) => x.ended);
    expect(s.clientCount).toBe(0);
  });
});

describe('RPA log simulator — Flask proxy form', () => {
  it('streams only the requested job, without auth, using the global ids', async () => {
    const s = await sim({ token: 'required-upstream-only' });
    const job = s.jobs[1]!;
    const stream = await sse(`${s.url}/api/v2/logs-tempo-real/stream/${job}`);
    expect(stream.status).toBe(200);
    await stream.waitFor((x) => x.events.length === 1);
    expect(stream.events[0]!.json).toMatchObject({ type: 'connection', message: `Conectado ao stream de logs para job ${job}` });

    s.emitBurst(200);
    s.emitBurst(5, job);
    // Bursts pick jobs at random, so read everything back unfiltered to know what was sent.
    const all = await sse(`${s.url}/events/logs`, { Authorization: 'Bearer required-upstream-only', 'Last-Event-ID': '0' });
    await all.waitFor((x) => logs(x).length === 205);
    const mine = logs(all).filter((ev) => ev.json.job_id === job);
    expect(mine.length).toBeGreaterThan(5);

    await stream.waitFor((x) => logs(x).length === mine.length);
    expect(logs(stream).every((ev) => ev.json.job_id === job)).toBe(true);
    expect(logs(stream).map((ev) => ev.id)).toEqual(mine.map((ev) => ev.id));
  });

  it('answers teste-conexao with the seed shape', async () => {
    const s = await sim({ token: 'x' });
    const res = await fetch(`${s.url}/api/v2/logs-tempo-real/teste-conexao`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      success: true,
      message: 'Conexão com API externa de logs estabelecida com sucesso',
      status_code: 200,
      token_status: 'Token JWT global válido',
    });
  });
});

describe('RPA log simulator — seed-only mode (seed 000 and nothing more)', () => {
  it('sends no id:, retry: or keepalive comment, an empty timestamp on system events, and ignores Last-Event-ID and ?job_id=', async () => {
    const s = await sim({ token: 't', seedOnly: true, heartbeatMs: 20 });
    s.emit({ job_id: 'j-1', message: 'antes' });
    const stream = await sse(`${s.url}/events/logs?job_id=j-1`, { Authorization: 'Bearer t', 'Last-Event-ID': '0' });
    await stream.waitFor((x) => x.events.length === 1);
    s.emit({ job_id: 'j-2', message: 'outro job' });
    s.emit({ type: 'error', message: 'Erro de conexão: Connection timeout' });
    await stream.waitFor((x) => x.events.length === 3);
    // Long enough for several heartbeats of the full mode.
    await new Promise((r) => setTimeout(r, 100));
    expect(stream.events.map((e) => e.json.type)).toEqual(['connection', 'log', 'error']);
    expect(stream.events[1]!.json).toMatchObject({ job_id: 'j-2', message: 'outro job' });
    expect(Object.keys(stream.events[1]!.json).sort()).toEqual(LOG_KEYS);
    expect(stream.events[0]!.json.timestamp).toBe('');
    expect(stream.events[2]!.json.timestamp).toBe('');
    expect(stream.raw).not.toMatch(/^(id|retry|event):/m);
    expect(stream.comments).toEqual([]);
  });
});
