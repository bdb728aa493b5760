import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { JournalEntry } from '../../src-main/contract';
import type { Alert } from '../../src-main/contract/alerts';
import type { JobSummary, LogLine } from '../../src-main/contract/logs';
import { defaultSettings, type Settings } from '../../src-main/contract/settings';
import { createCore, type Core } from '../../src-main/core/app-core';
import { startRpaLogSimulator, type RpaLogSimulator, type RpaLogSimulatorOptions } from '../../src-main/demo/rpa-logs-sim';
import { KeyFileCipher } from '../../src-main/secrets/cipher';
import { createRpaLogs, type RpaLogs, type RpaLogsOptions } from '../../src-main/upstreams/rpa-logs';
import { until } from './until';

const caller = { host: 'web' as const, trusted: true, session: 't' };
const TOKEN = 'eyJ.test-token.sig';
let cores: Core[] = [];
let sims: RpaLogSimulator[] = [];

afterEach(async () => {
  for (const core of cores) await core.close();
  await Promise.all(sims.map((s) => s.stop()));
  cores = [];
  sims = [];
});


async function sim(options: RpaLogSimulatorOptions = {}): Promise<RpaLogSimulator> {
  const s = await startRpaLogSimulator({ autoplay: false, token: TOKEN, retryMs: 10, seed: 7, ...options });
  sims.push(s);
  return s;
}

interface Boot {
  core: Core;
  logs: RpaLogs;
  dataDir: string;
  lines: LogLine[];
  journal: JournalEntry[];
  alerts: Alert[];
  call<T = unknown>(cmd: string, args?: object): Promise<T>;
  status(): ReturnType<NonNullable<RpaLogs['currentLink']>['status']>;
  open(): Promise<unknown>;
}

async function boot(
  url: string,
  options: { token?: string | null; dataDir?: string; settings?: (s: Settings) => void; module?: RpaLogsOptions } = {},
): Promise<Boot> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'ops-logs-'));
  const settings = defaultSettings();
  settings.upstreams.rpaLogs.url = url;
  options.settings?.(settings);
  const token = options.token === undefined ? TOKEN : options.token;
  let logs: RpaLogs | null = null;
  const core = await createCore({
    host: 'web',
    version: 'test',
    dataDir,
    cipher: new KeyFileCipher(join(dataDir, 'k')),
    demo: false,
    config: { settings, secrets: token ? { 'rpaLogs.token': token } : {} },
    modules: [(ctx) => { const made = createRpaLogs(ctx, { backoff: { baseMs: 10, maxMs: 50 }, summaryMs: 20, ...options.module }); logs = made.connector; return made.module; }],
  });
  cores.push(core);
  const b: Boot = {
    core,
    logs: logs!,
    dataDir,
    lines: [],
    journal: [],
    alerts: [],
    async call<T>(cmd: string, args: object = {}) {
      const r = await core.commands.dispatch(cmd, args, caller);
      if (!r.ok) throw Object.assign(new Error(r.error.message), { code: r.error.code });
      return r.value as T;
    },
    status: () => logs!.currentLink!.status(),
    open: () => until('link open', () => logs!.currentLink?.currentState === 'open'),
  };
  core.hub.on('logs.lines', (l) => b.lines.push(l));
  core.hub.on('inspector.entries', (e) => b.journal.push(e));
  core.hub.on('alerts.changed', (a) => b.alerts.push(a));
  return b;
}

const logFrame = (id: number | string | null, fields: Record<string, unknown>, eol = '\n') =>
  `${id === null ? '' : `id: ${id}${eol}`}data: ${JSON.stringify({ type: 'log', level: 'INFO', message: 'm', operadora: 'VIVO', job_id: 'frame', timestamp: '2025-11-05T01:53:35.123Z', service: 'rpa-api', logger: 'app.main', ...fields })}${eol}${eol}`;

/** A fetch whose response body is exactly these byte chunks (for BOM and splits the network could merge). */
function chunkedFetch(chunks: Uint8Array[]): typeof fetch {
  return (async () => {
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const next = chunks.shift();
        if (next) controller.enqueue(next);
        else await new Promise(() => undefined); // stay open like a live stream
      },
    });
    return new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream; charset=utf-8' } });
  }) as typeof fetch;
}

/** A fetch serving one body per connection, in order: each but the last ends (so the console reconnects). */
function scriptedFetch(bodies: string[]): typeof fetch & { lastEventIds: Array<string | null> } {
  const lastEventIds: Array<string | null> = [];
  const doFetch = (async (_url: string, init?: RequestInit) => {
    lastEventIds.push((init?.headers as Record<string, string> | undefined)?.['Last-Event-ID'] ?? null);
    const text = bodies.shift();
    const last = bodies.length === 0;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        if (text) controller.enqueue(new TextEncoder().encode(text));
        if (!last) controller.close();
      },
    });
    return new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } });
  }) as typeof fetch;
  return Object.assign(doFetch, { lastEventIds });
}

const jobLines = (b: Boot, job: string) => b.lines.filter((l) => l.jobId === job && l.kind === 'log');

describe('RPA logs connector: SSE framing (seed 000)', () => {
  it('parses LF, CR and CRLF line ends, multi-line data, comments and ids through the simulator', async () => {
    const s = await sim();
    const b = await boot(s.url);
    await b.open();
    await until('client', () => s.clientCount === 1);
    s.writeRaw(logFrame(101, { message: 'lf' }));
    s.writeRaw(logFrame(102, { message: 'cr' }, '\r'));
    s.writeRaw(logFrame(103, { message: 'crlf' }, '\r\n'));
    s.writeRaw(': keepalive\n\n: another comment\r\n\r\n');
    // Multi-line data: the lines are joined with \n, which is valid JSON whitespace here.
    s.writeRaw('id: 104\ndata: {"type":"log","level":"WARNING",\ndata: "message":"multi","job_id":"frame"}\n\n');
    s.writeRaw(logFrame(104, { message: 'duplicate of 104' }));
    s.writeRaw(logFrame(105, { message: '<img src=x onerror=alert(1)>', level: 'ERROR', extra_field: 42 }));
    const got = await until('five lines', () => (jobLines(b, 'frame').length >= 5 ? jobLines(b, 'frame') : null));
    await new Promise((r) => setTimeout(r, 50));
    expect(jobLines(b, 'frame').map((l) => [l.id, l.message])).toEqual([
      ['101', 'lf'],
      ['102', 'cr'],
      ['103', 'crlf'],
      ['104', 'multi'],
      ['105', '<img src=x onerror=alert(1)>'],
    ]);
    expect(got[3]).toMatchObject({ level: 'WARNING', carrier: '', service: '' });
    // Unknown fields are kept and shown; upstream text is stored verbatim (the view renders it as text).
    expect(got[4]!.extra).toEqual({ extra_field: 42 });
    expect(b.logs.stats.duplicates).toBe(1);
    expect(b.status().errors).toBe(0);
  });

  it('strips a BOM, joins a UTF-8 character split across chunks, and keeps the previous id for id-less events', async () => {
    const enc = new TextEncoder();
    const frame = enc.encode(logFrame(7, { message: 'Operação concluída — ção' }));
    const at = Buffer.from(frame).indexOf(Buffer.from('ç')) + 1; // inside the 2-byte ç
    const chunks = [
      new Uint8Array([0xef, 0xbb]),
      new Uint8Array([0xbf]),
      enc.encode('retry: 10\n\n'),
      enc.encode('data: {"type":"connection","message":"Conectado ao stream de logs","timestamp":""}\n\n'),
      frame.subarray(0, at),
      frame.subarray(at),
      enc.encode(logFrame(null, { message: 'no id' })),
    ];
    const b = await boot('http://127.0.0.1:9', { module: { fetch: chunkedFetch(chunks) } });
    await until('two lines', () => jobLines(b, 'frame').length === 2);
    expect(jobLines(b, 'frame').map((l) => [l.id, l.message])).toEqual([
      ['7', 'Operação concluída — ção'],
      [null, 'no id'],
    ]);
    expect(b.status().errors).toBe(0);
  });

  it('takes unknown fields, comments and a non-numeric retry: as valid SSE: lines arrive, no link error (WHATWG)', async () => {
    const enc = new TextEncoder();
    const chunks = [
      enc.encode(': a comment\n\n'),
      // Fields no EventSource knows (a server's own extras, a typo): ignored by the standard.
      enc.encode(`event_version: 2\nx-trace: abc\n${logFrame(1, { message: 'one' }).replace('data:', 'foo: bar\ndata:')}`),
      enc.encode('retry: soon\n\n'),
      enc.encode('retry\nbogus\n\n'),
      enc.encode(logFrame(2, { message: 'two' })),
    ];
    const b = await boot('http://127.0.0.1:9', { module: { fetch: chunkedFetch(chunks) } });
    await until('two lines', () => jobLines(b, 'frame').length === 2);
    expect(jobLines(b, 'frame').map((l) => l.message)).toEqual(['one', 'two']);
    expect(b.status().errors).toBe(0);
    expect(b.logs.stats.invalid).toBe(0);
    expect(b.status().state).toBe('open');
  });

  it('honours retry: and counts bad input without dropping the stream', async () => {
    const s = await sim();
    const b = await boot(s.url);
    await b.open();
    await until('client', () => s.clientCount === 1);
    s.writeRaw('data: not json\n\n');
    s.writeRaw('data: {"type":"log","message":"no job"}\n\n');
    s.writeRaw('data: {"type":"surprise","message":"x"}\n\n');
    await until('three errors', () => b.logs.stats.invalid === 3);
    expect(b.journal.filter((e) => e.upstream === 'rpaLogs' && e.type === 'invalid' && e.level === 'error')).toHaveLength(3);
    expect(b.logs.currentLink!.currentState).toBe('open');
    await until('errors shown on the link', () => b.status().errors === 3);

    s.writeRaw('retry: 1500\n\n');
    await new Promise((r) => setTimeout(r, 30));
    s.dropClients();
    // The backoff here is 10–50 ms; the server asked for 1.5 s and is obeyed.
    const st = await until('reconnecting', () => (b.status().state === 'reconnecting' ? b.status() : null));
    expect(st.message).toMatch(/retrying in 2 s/);
  });

  it('takes retry: as a hint of at most a minute (a huge value cannot keep the console away)', async () => {
    const s = await sim();
    const b = await boot(s.url);
    await b.open();
    await until('client', () => s.clientCount === 1);
    s.writeRaw('retry: 99999999999\n\n');
    s.emit({ job_id: 'marker' });
    await until('marker line', () => jobLines(b, 'marker').length === 1); // the retry: line was read before it
    s.dropClients();
    const st = await until('reconnecting', () => (b.status().state === 'reconnecting' ? b.status() : null));
    expect(st.message).toMatch(/retrying in 60 s/);
  });
});

describe('RPA logs connector: duplicates and id restarts', () => {
  const frames = (ids: Array<number | string>) => ids.map((id) => logFrame(id, { message: `m${id}` })).join('');
  // From main's ring: the first connection can deliver before boot() subscribes to the hub.
  const filed = (b: Boot) => b.logs.book.page('frame', undefined, 100).lines.filter((l) => l.kind === 'log');
  const ids = (b: Boot) => filed(b).map((l) => l.id);

  it('drops a replayed overlap after a reconnect and says nothing about a restart', async () => {
    const fetch = scriptedFetch([frames([1, 2, 3]), frames([2, 3, 4])]);
    const b = await boot('http://127.0.0.1:9', { module: { fetch } });
    await until('four lines', () => ids(b).length === 4);
    await new Promise((r) => setTimeout(r, 30));
    expect(ids(b)).toEqual(['1', '2', '3', '4']);
    expect(fetch.lastEventIds).toEqual([null, '3']);
    expect(b.logs.stats.duplicates).toBe(2);
    expect(b.journal.some((e) => e.type === 'ids-restarted')).toBe(false);
  });

  it('takes ids that went back to unseen numbers as an upstream restart, then dedupes from there', async () => {
    const fetch = scriptedFetch([frames([5, 6, 7]), frames([1, 2]), frames([2, 3])]);
    const b = await boot('http://127.0.0.1:9', { module: { fetch } });
    await until('six lines', () => ids(b).length === 6);
    await new Promise((r) => setTimeout(r, 30));
    expect(ids(b)).toEqual(['5', '6', '7', '1', '2', '3']);
    expect(b.journal.filter((e) => e.type === 'ids-restarted').map((e) => e.summary)).toEqual(['upstream event ids restarted (7 → 1)']);
    expect(b.logs.stats.duplicates).toBe(1);
  });

  it('dedupes non-numeric ids, and keeps unknown fields except __proto__', async () => {
    const polluted = 'id: p\ndata: {"type":"log","level":"INFO","message":"mp","job_id":"frame","__proto__":{"polluted":1},"x":2}\n\n';
    const fetch = scriptedFetch([frames(['a', 'b']), frames(['b', 'c']) + polluted]);
    const b = await boot('http://127.0.0.1:9', { module: { fetch } });
    await until('four lines', () => ids(b).length === 4);
    expect(ids(b)).toEqual(['a', 'b', 'c', 'p']);
    expect(b.logs.stats.duplicates).toBe(1);
    const extra = filed(b).at(-1)!.extra;
    expect(extra).toEqual({ x: 2 });
    expect(Object.getPrototypeOf(extra)).toBe(Object.prototype);
  });
});

describe('RPA logs connector: resume, auth, filtering', () => {
  it('resumes with Last-Event-ID across ten server restarts: zero loss, zero duplicates', async () => {
    const s = await sim({ jobs: ['job-a', 'job-b'] });
    const b = await boot(s.url);
    await b.open();
    await until('client', () => s.clientCount === 1);
    const received = () => b.lines.filter((x) => x.kind === 'log').length;
    for (let round = 0; round < 10; round++) {
      for (let i = 0; i < 30; i++) s.emit({ job_id: i % 2 ? 'job-a' : 'job-b' });
      // The console holds an id before the cut, so Last-Event-ID can resume (an id-less client cannot).
      await until(`round ${round} live lines`, () => received() >= s.lastEventId - 0 || null);
      // Written just before the cut (destroyed with the socket) and while the server is down: replayed.
      for (let i = 0; i < 10; i++) s.emit({ job_id: 'job-b' });
      const restarting = s.restart();
      for (let i = 0; i < 20; i++) s.emit({ job_id: 'job-a' });
      await restarting;
      for (let i = 0; i < 10; i++) s.emit({ job_id: 'job-b' });
      await until(`round ${round} reconnected`, () => s.clientCount === 1 && b.logs.currentLink!.currentState === 'open');
    }
    const total = s.lastEventId;
    expect(total).toBe(700);
    const logs = await until('all lines', () => {
      const l = b.lines.filter((x) => x.kind === 'log');
      return l.length >= total ? l : null;
    });
    await new Promise((r) => setTimeout(r, 100));
    const ids = b.lines.filter((x) => x.kind === 'log').map((l) => Number(l.id));
    expect(ids).toHaveLength(total);
    expect(ids).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(logs.every((l) => l.jobId === 'job-a' || l.jobId === 'job-b')).toBe(true);
    expect(b.status().reconnects).toBeGreaterThanOrEqual(10);
  });

  it('goes auth-failed with the seed message, no reconnect storm, alerts the admin, and resumes when a token is saved', async () => {
    const s = await sim();
    const b = await boot(s.url, { token: 'wrong' });
    const st = await until('auth-failed', () => (b.status().state === 'auth-failed' ? b.status() : null));
    expect(st.message).toBe('Token JWT expirado ou inválido');
    expect(b.alerts.find((a) => a.key === 'rpaLogs:auth' && a.state === 'active')).toMatchObject({ severity: 'high', source: 'rpaLogs' });
    await new Promise((r) => setTimeout(r, 300));
    expect(b.status()).toMatchObject({ state: 'auth-failed', reconnects: 0 });
    expect(s.clientCount).toBe(0);

    b.core.ctx.secrets.set('rpaLogs.token', TOKEN);
    await b.open();
    s.emit({ job_id: 'after-auth', message: 'voltou' });
    await until('line after auth', () => jobLines(b, 'after-auth').length === 1);
    expect(b.alerts.filter((a) => a.key === 'rpaLogs:auth').at(-1)!.state).toBe('resolved');
  });

  it('without a token says so (a code the screen words) and does not connect', async () => {
    const s = await sim();
    const b = await boot(s.url, { token: null });
    const st = await until('auth-failed', () => (b.status().state === 'auth-failed' ? b.status() : null));
    expect(st).toMatchObject({ message: 'global JWT not configured', note: 'auth-failed' });
    expect(s.clientCount).toBe(0);
    const test = await b.call<{ success: boolean; token_status: string }>('connections.test', { id: 'rpaLogs' });
    expect(test).toMatchObject({ success: false, text: [{ key: 'noToken', params: {} }], tokenText: { key: 'tokenMissing', params: {} } });
    expect(b.core.ctx.alerts.list(false, 100).find((a) => a.key === 'rpaLogs:auth')?.text).toEqual({ key: 'logsNoToken', params: {} });
  });

  it('files interleaved lines of many jobs under their job_id, with summaries and pages', async () => {
    const jobs = Array.from({ length: 20 }, (_, i) => `job-${i}`);
    const s = await sim({ jobs });
    const b = await boot(s.url);
    await b.open();
    await until('client', () => s.clientCount === 1);
    const sent = new Map<string, number[]>();
    for (let i = 0; i < 4_000; i++) {
      const job = jobs[(i * 7 + (i >> 3)) % jobs.length]!;
      const id = s.emit({ job_id: job, level: i % 50 === 0 ? 'ERROR' : 'INFO' });
      sent.set(job, [...(sent.get(job) ?? []), id]);
    }
    await until('all', () => b.lines.filter((l) => l.kind === 'log').length === 4_000);
    for (const job of jobs) {
      const page = await b.call<{ lines: LogLine[] }>('logs.page', { jobId: job, limit: 20_000 });
      const logs = page.lines.filter((l) => l.kind === 'log');
      expect(logs.map((l) => Number(l.id))).toEqual(sent.get(job));
      expect(logs.every((l) => l.jobId === job)).toBe(true);
    }
    const summaries = await b.call<JobSummary[]>('logs.jobs');
    expect(summaries).toHaveLength(20);
    expect(summaries.reduce((n, j) => n + j.lines, 0)).toBe(4_000);
    expect(summaries.reduce((n, j) => n + j.errors, 0)).toBe(80);
    // Older pages: seq-based paging gives contiguous, non-overlapping slices.
    const job = jobs[3]!;
    const last = await b.call<{ lines: LogLine[]; hasMore: boolean }>('logs.page', { jobId: job, limit: 50 });
    const before = await b.call<{ lines: LogLine[] }>('logs.page', { jobId: job, beforeSeq: last.lines[0]!.seq, limit: 50 });
    expect(before.lines.at(-1)!.seq).toBe(last.lines[0]!.seq - 1);
    expect(last.hasMore).toBe(true);
  });

  it('proxy mode: one stream per watched/pinned job, no auth header, greeting as a system line, teste-conexao', async () => {
    const s = await sim({ token: 'only-direct-needs-this' });
    const b = await boot(s.url, { token: null, settings: (x) => ((x.upstreams.rpaLogs.mode = 'proxy'), (x.upstreams.rpaLogs.pinnedJobs = ['p-1'])) });
    await b.open();
    await until('one stream', () => s.clientCount === 1);
    await b.call('logs.watch', { jobIds: ['p-2'] });
    await until('two streams', () => s.clientCount === 2 && b.logs.currentLink!.currentState === 'open');
    for (const job of ['p-1', 'p-2', 'p-3', 'p-1']) s.emit({ job_id: job });
    s.emit({ type: 'error', message: 'Erro de conexão: Connection timeout' });
    await until('lines', () => jobLines(b, 'p-1').length === 2 && jobLines(b, 'p-2').length === 1);
    await until('upstream error on both streams', () => b.lines.filter((l) => l.kind === 'error').length === 2);
    await new Promise((r) => setTimeout(r, 50));
    expect(jobLines(b, 'p-3')).toHaveLength(0);
    const greetings = b.lines.filter((l) => l.kind === 'connection');
    expect(greetings.map((g) => g.jobId).sort()).toEqual(expect.arrayContaining(['p-1', 'p-2']));
    expect(greetings.find((g) => g.jobId === 'p-2')!.message).toBe('Conectado ao stream de logs para job p-2');
    // The same upstream error (one id) arrives on both job streams; each job shows it once.
    expect(b.lines.filter((l) => l.kind === 'error').map((l) => l.jobId).sort()).toEqual(['p-1', 'p-2']);
    const test = await b.call('connections.test', { id: 'rpaLogs' });
    expect(test).toEqual({ success: true, message: 'Conexão com API externa de logs estabelecida com sucesso', status_code: 200, token_status: 'Token JWT global válido' });
  });
});

describe.each([
  ['full simulator', false],
  ['seed-only simulator', true],
])('RPA logs connector against the %s', (_name, seedOnly) => {
  it('direct mode: lines of several jobs stream live under their job, greeting and no link error; back after a cut', async () => {
    const s = await sim({ seedOnly });
    const b = await boot(s.url);
    await b.open();
    await until('client', () => s.clientCount === 1);
    for (let i = 0; i < 30; i++) s.emit({ job_id: `job-${i % 3}`, message: `linha ${i}` });
    await until('30 lines', () => b.lines.filter((l) => l.kind === 'log').length === 30);
    for (const job of ['job-0', 'job-1', 'job-2']) expect(jobLines(b, job).map((l) => l.message)).toEqual(Array.from({ length: 10 }, (_, k) => `linha ${3 * k + Number(job.at(-1))}`));
    expect(b.status().errors).toBe(0);
    expect(b.logs.stats.invalid).toBe(0);

    s.dropClients();
    await until('reconnected', () => s.clientCount === 1 && b.logs.currentLink!.currentState === 'open');
    s.emit({ job_id: 'job-0', message: 'depois do corte' });
    await until('line after the cut', () => jobLines(b, 'job-0').at(-1)?.message === 'depois do corte');
    expect(b.logs.stats.invalid).toBe(0);
  });

  it('proxy mode: one stream per pinned job with its greeting, and teste-conexao', async () => {
    const s = await sim({ seedOnly });
    const b = await boot(s.url, { token: null, settings: (x) => ((x.upstreams.rpaLogs.mode = 'proxy'), (x.upstreams.rpaLogs.pinnedJobs = ['p-1', 'p-2'])) });
    await b.open();
    await until('two streams', () => s.clientCount === 2);
    for (const job of ['p-1', 'p-2', 'p-3']) s.emit({ job_id: job, message: `m ${job}` });
    await until('lines', () => jobLines(b, 'p-1').length === 1 && jobLines(b, 'p-2').length === 1);
    expect(jobLines(b, 'p-3')).toHaveLength(0);
    const greetings = await until('greetings', () => {
      const g = b.logs.book.page('p-2', undefined, 10).lines.filter((l) => l.kind === 'connection');
      return g.length ? g : null;
    });
    expect(greetings[0]!.message).toBe('Conectado ao stream de logs para job p-2');
    expect(b.status().errors).toBe(0);
    expect(await b.call('connections.test', { id: 'rpaLogs' })).toMatchObject({ success: true, status_code: 200 });
  });
});

describe('RPA logs: buffers, persistence, alerts, pins', () => {
  it('keeps a bounded ring per job and the newest lines on disk across a restart', async () => {
    const s = await sim({ jobs: ['big', 'small'] });
    const b = await boot(s.url, { settings: (x) => ((x.upstreams.rpaLogs.bufferLines = 1_000), (x.extra = { logs: { persistLines: 300 } })), module: { saveMs: 20 } });
    await b.open();
    await until('client', () => s.clientCount === 1);
    s.emitBurst(2_500, 'big');
    s.emit({ job_id: 'small', message: 'única linha' });
    await until('all', () => b.lines.filter((l) => l.kind === 'log').length === 2_501);
    const page = await b.call<{ lines: LogLine[]; hasMore: boolean }>('logs.page', { jobId: 'big', limit: 20_000 });
    expect(page.lines.filter((l) => l.kind === 'log')).toHaveLength(1_000 - page.lines.filter((l) => l.kind !== 'log').length);
    expect(Number(page.lines.at(-1)!.id)).toBe(2_500);
    const dataDir = b.dataDir;
    await b.core.close();
    cores = cores.filter((c) => c !== b.core);
    await s.stop();

    // Offline restart: upstream gone, the operator still reads the last lines.
    const again = await boot('http://127.0.0.1:9', { dataDir });
    const jobs = await again.call<JobSummary[]>('logs.jobs');
    expect(jobs.find((j) => j.jobId === 'big')).toMatchObject({ lines: 2_500 });
    const kept = await again.call<{ lines: LogLine[] }>('logs.page', { jobId: 'big', limit: 20_000 });
    expect(kept.lines).toHaveLength(300);
    expect(Number(kept.lines.at(-1)!.id)).toBe(2_500);
    const small = await again.call<{ lines: LogLine[] }>('logs.page', { jobId: 'small' });
    expect(small.lines.filter((l) => l.kind === 'log').map((l) => l.message)).toEqual(['única linha']);
  });

  it('raises one deduped alert per job for ERROR lines, and one for a pinned job gone silent', async () => {
    const s = await sim();
    const b = await boot(s.url, { settings: (x) => ((x.upstreams.rpaLogs.pinnedJobs = ['quiet']), (x.extra = { logs: { silentMinutes: 1 } })) });
    await b.open();
    await until('client', () => s.clientCount === 1);
    for (let i = 0; i < 5; i++) s.emit({ job_id: 'job-x', level: 'ERROR', message: `Falha ${i}` });
    s.emit({ job_id: 'job-y', level: 'ERROR', message: 'Falha y' });
    s.emit({ job_id: 'job-y', level: 'WARNING', message: 'só aviso' });
    s.emit({ job_id: 'quiet', message: 'ainda vivo' });
    await until('lines', () => b.lines.length >= 8);
    const active = await b.call<Alert[]>('alerts.list');
    const jobAlerts = active.filter((a) => a.key.startsWith('rpaLogs:job-error:'));
    expect(jobAlerts.map((a) => a.ids.job).sort()).toEqual(['job-x', 'job-y']);
    expect(active.some((a) => a.key.includes('warning'))).toBe(false);

    b.logs.checkSilence(Date.now() + 2 * 60_000);
    const silent = (await b.call<Alert[]>('alerts.list')).find((a) => a.key === 'rpaLogs:job-silent:quiet');
    expect(silent).toMatchObject({ ids: { job: 'quiet' } });
    await until('summary says silent', () => (b.logs.book.summary('quiet').silent ? true : null));
    s.emit({ job_id: 'quiet', message: 'voltou' });
    await until('line', () => jobLines(b, 'quiet').length === 2);
    b.logs.checkSilence();
    expect((await b.call<Alert[]>('alerts.list')).some((a) => a.key === 'rpaLogs:job-silent:quiet')).toBe(false);
  });

  it('pins a job typed by hand before it has logs, and unpins it (kept in settings)', async () => {
    const s = await sim();
    const b = await boot(s.url);
    await b.call('logs.pin', { jobId: '  futuro-42 ' });
    expect(b.core.ctx.settings.get().upstreams.rpaLogs.pinnedJobs).toEqual(['futuro-42']);
    const jobs = await b.call<JobSummary[]>('logs.jobs');
    expect(jobs[0]).toMatchObject({ jobId: 'futuro-42', pinned: true, lines: 0 });
    await b.call('logs.unpin', { jobId: 'futuro-42' });
    expect(await b.call<JobSummary[]>('logs.jobs')).toEqual([]);
    const err = await b.call('logs.pin', { jobId: '' }).catch((e: { code: string }) => e.code);
    expect(err).toBe('invalid-argument');
  });
});
