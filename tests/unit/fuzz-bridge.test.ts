import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commands } from '../../src-main/contract';
import { createRandom, type Random } from '../../src-main/demo/random';
import { healthy, openBridge, startTestHost, type TestHost } from './web-host-helpers';
import { until } from './until';

/**
 * Bridge-frame fuzz (issue 12): ≥2,000 seeded frames — random bytes, truncated JSON, deep
 * nesting, huge strings, wrong types, unknown commands, junk arguments to real commands —
 * into a real core + web host. Every frame gets exactly one answer (`error`, or a `result`
 * for a call with a usable id), bad frames are counted, the host stays up, and a valid
 * command answers the same before and after. Reproduce with FUZZ_SEED.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 0xb41d9e);
const FRAMES = Number(process.env.FUZZ_FRAMES ?? 2_000);
const BUDGET_MS = 30_000;

// Commands that change state the "before and after" check reads, or the host's life, are left out of the junk calls.
const commandNames = Object.keys(commands).filter((c) => !/^(demo\.|admin\.import|settings\.|secrets\.|kiosk\.)/.test(c));

function junk(r: Random, depth = 0): unknown {
  const roll = r.int(0, depth > 3 ? 5 : 8);
  switch (roll) {
    case 0: return null;
    case 1: return r.int(-1e9, 1e9) / r.pick([1, 3, 0.001]);
    case 2: return r.chance(0.5);
    case 3: return r.pick(['', 'x', '☃', '\u0000', '%E0%A4%A', '__proto__', 'constructor', 'a'.repeat(r.int(0, 3_000))]);
    case 4: return r.pick([Number.MAX_SAFE_INTEGER, -0, 1e308]);
    case 5: return r.pick(['*', 'rpaLogs', 'keywordHub', 'connections.status']);
    case 6: return Array.from({ length: r.int(0, 5) }, () => junk(r, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      for (let i = r.int(0, 5); i > 0; i--) o[r.pick(['id', 'link', 'limit', 'pin', 'args', 't', 'cmd', '__proto__', 'x'])] = junk(r, depth + 1);
      return o;
    }
  }
}

interface Frame {
  data: string | Buffer;
  binary: boolean;
  /** The call id whose `result` answers it; null: an `error` answers it. */
  answeredBy: number | null;
}

function makeFrame(r: Random, id: number): Frame {
  const valid = JSON.stringify({ t: 'call', id, cmd: r.pick(commandNames), args: junk(r) });
  const kind = r.int(0, 9);
  switch (kind) {
    case 0: // random bytes, as a binary frame
      return { data: Buffer.from(Array.from({ length: r.int(0, 300) }, () => r.int(0, 255))), binary: true, answeredBy: null };
    case 1: // random printable text
      return { data: Array.from({ length: r.int(1, 200) }, () => String.fromCharCode(r.int(32, 0x2fff))).join(''), binary: false, answeredBy: null };
    case 2: // truncated JSON
      return { data: valid.slice(0, r.int(1, valid.length - 1)), binary: false, answeredBy: null };
    case 3: { // deep nesting, in arrays or objects, inside or outside args
      const n = r.int(65, r.chance(0.1) ? 100_000 : 3_000);
      const [open, close] = r.chance(0.5) ? ['[', ']'] : ['{"a":', '}'];
      const deep = open.repeat(n) + '1' + close.repeat(n);
      return { data: r.chance(0.5) ? deep : `{"t":"call","id":${id},"cmd":"system.info","args":${deep}}`, binary: false, answeredBy: null };
    }
    case 4: // a huge string over the limit
      return { data: JSON.stringify({ t: 'call', id, cmd: 'inspector.recent', args: { id: 'q'.repeat(r.int(524_289, 900_000)) } }), binary: false, answeredBy: null };
    case 5: { // wrong types for the envelope
      const bad = r.pick<unknown>([null, 1, 'call', [], { t: 'call' }, { t: 'call', id: 'x', cmd: 'system.info' }, { t: 'call', id: 1.5, cmd: 'system.info' }, { t: 'sub', channels: 7 }, { t: 'nope' }, { t: 'call', id, cmd: 42 }, { t: 'call', id, cmd: ['system.info'] }]);
      const isCallWithId = typeof bad === 'object' && bad !== null && (bad as { t?: unknown }).t === 'call' && Number.isSafeInteger((bad as { id?: unknown }).id);
      return { data: JSON.stringify(bad), binary: false, answeredBy: isCallWithId ? (bad as { id: number }).id : null };
    }
    case 6: // unknown commands
      return { data: JSON.stringify({ t: 'call', id, cmd: r.pick(['nope', 'system.info.x', '__proto__', 'constructor', 'x'.repeat(500), '']), args: junk(r) }), binary: false, answeredBy: id };
    default: // junk arguments to real commands: a typed result either way
      return { data: valid, binary: false, answeredBy: id };
  }
}

describe('bridge frame fuzz', () => {
  let t: TestHost;
  beforeAll(async () => {
    t = await startTestHost();
  });
  afterAll(() => t.close());

  it(`answers each of ${FRAMES} hostile frames and keeps serving (seed ${SEED})`, { timeout: BUDGET_MS + 20_000 }, async () => {
    const c = await openBridge(t);
    const before = await c.call(1, 'system.info');
    const listBefore = await c.call(2, 'connections.list');
    expect(before.ok).toBe(true);

    const r = createRandom(SEED);
    const started = Date.now();
    const expectedIds = new Set<number>();
    let expectedErrors = 0;
    let sent = 0;
    for (let i = 0; i < FRAMES && Date.now() - started < BUDGET_MS; i++) {
      const frame = makeFrame(r, 1_000 + i);
      if (frame.answeredBy === null) expectedErrors++;
      else expectedIds.add(frame.answeredBy);
      c.ws.send(frame.data, { binary: frame.binary });
      sent++;
      // Keep the socket's queue short, so the budget measures the host and not our buffer.
      if (c.ws.bufferedAmount > 4 * 1024 * 1024) await until('client buffer drained', () => c.ws.bufferedAmount < 1024 * 1024);
    }
    expect(sent).toBe(FRAMES);
    // Every frame answered: each message is looked at once, as it arrives.
    const unanswered = new Set(expectedIds);
    let errors = 0;
    await c.next((m) => {
      if (m.t === 'result') unanswered.delete(m.id as number);
      if (m.t === 'error') errors++;
      return unanswered.size === 0 && errors >= expectedErrors;
    }, BUDGET_MS);
    expect(c.messages.filter((m) => m.t === 'error').length).toBe(expectedErrors);
    expect(c.messages.filter((m) => m.t === 'result' && (m.error as { code?: string } | undefined)?.code === 'internal')).toEqual([]);
    expect(t.host.stats.badFrames).toBeGreaterThanOrEqual(expectedErrors);
    expect(t.host.stats.errors).toBe(0);

    expect((await c.call(3, 'system.info')).value).toEqual(before.value);
    expect((await c.call(4, 'connections.list')).value).toEqual(listBefore.value);
    c.close();
    expect(await healthy(t)).toBe(true);
  });

  it('a frame over 1 MiB or invalid UTF-8 closes only that socket; the host goes on', async () => {
    for (const [data, code] of [
      ['x'.repeat(1024 * 1024 + 1), 1009],
      [Buffer.from([0x22, 0xff, 0xfe, 0x22]), 1007],
    ] as const) {
      const c = await openBridge(t);
      const closed = new Promise<number>((resolve) => c.ws.on('close', (closeCode) => resolve(closeCode)));
      c.ws.send(data, { binary: false });
      expect(await closed).toBe(code);
    }
    expect(await healthy(t)).toBe(true);
    const c = await openBridge(t);
    expect((await c.call(1, 'system.info')).ok).toBe(true);
    c.close();
    expect(WebSocket.OPEN).toBe(1);
  });
});
