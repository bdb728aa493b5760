import { describe, expect, it } from 'vitest';
import type { LogLine } from '../../src-main/contract/logs';
import { defaultSettings } from '../../src-main/contract/settings';
import { createRandom } from '../../src-main/demo/random';
import { createRpaLogs, type RpaLogs } from '../../src-main/upstreams/rpa-logs';
import { dashboardModule } from '../../src-main/upstreams/dashboard';
import type { DashboardHealth } from '../../src-main/contract/dashboard';
import { jsonTextProblem, jsonValueProblem, parseJson, UPSTREAM_LIMITS } from '../../src-main/upstreams/validate';
import { startSseServer } from './hostile-servers';
import { testCores } from './test-cores';
import { until } from './until';

const deep = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;
const small = { maxChars: 10_000, maxDepth: 8, maxString: 50, maxMembers: 5 };

describe('upstream JSON limits (validate.ts)', () => {
  it('refuses depth, long strings, wide objects and size before parsing; accepts what is within', () => {
    expect(jsonTextProblem(deep(8), small)).toBeNull();
    expect(jsonTextProblem(deep(9), small)).toMatch(/nested deeper than 8/);
    expect(jsonTextProblem(`{"a":${deep(7)}}`, small)).toBeNull();
    expect(jsonTextProblem(`{"a":${deep(8)}}`, small)).toMatch(/nested/);
    // Brackets inside strings are text, not nesting; escaped quotes do not end a string.
    expect(jsonTextProblem(JSON.stringify({ s: '[[[[[[[[[[[[{{{{{{{{{' }), small)).toBeNull();
    expect(jsonTextProblem(JSON.stringify({ s: 'a\\"[[[[[[[[[[[[[', t: '\\' }), small)).toBeNull();
    expect(jsonTextProblem(JSON.stringify({ s: 'x'.repeat(50) }), small)).toBeNull();
    expect(jsonTextProblem(JSON.stringify({ s: 'x'.repeat(51) }), small)).toMatch(/string too long/);
    expect(jsonTextProblem(JSON.stringify({ a: 1, b: 2, c: 3, d: 4, e: 5 }), small)).toBeNull();
    expect(jsonTextProblem(JSON.stringify({ a: 1, b: 2, c: 3, d: 4, e: 5, f: 6 }), small)).toMatch(/more than 5 members/);
    // Arrays count elements as size, not members: a long list of tickets is fine.
    expect(jsonTextProblem(JSON.stringify(Array.from({ length: 1_000 }, (_, i) => i)), small)).toBeNull();
    expect(jsonTextProblem('x'.repeat(10_001), small)).toMatch(/too large/);
    expect(parseJson(`{"a":${deep(200)}}`)).toMatchObject({ ok: false, message: expect.stringMatching(/nested deeper than 64/) });
    expect(parseJson('{"a": tru')).toMatchObject({ ok: false, message: expect.stringMatching(/^not JSON/) });
    expect(parseJson('{"a":[1,{"b":"c"}]}')).toEqual({ ok: true, value: { a: [1, { b: 'c' }] } });
  });

  it('the text scan agrees with a check of the parsed value on 3,000 random documents', () => {
    const r = createRandom(12);
    const value = (d: number): unknown => {
      const k = r.int(0, d > 10 ? 3 : 6);
      if (k === 0) return r.int(-5, 5);
      if (k === 1) return 'é"\\[{'.repeat(r.int(0, 14));
      if (k === 2) return r.chance(0.5) ? null : true;
      if (k <= 4) return Array.from({ length: r.int(0, 3) }, () => value(d + 1));
      return Object.fromEntries(Array.from({ length: r.int(0, 7) }, (_, i) => [`k${i}"[`, value(d + 1)]));
    };
    for (let i = 0; i < 3_000; i++) {
      const v = value(0);
      const text = JSON.stringify(v);
      // The scan counts a string as sent (escapes included), so compare with escapes undone only where both agree.
      const a = jsonTextProblem(text, { ...small, maxString: 1_000 }) === null;
      const b = jsonValueProblem(v, { ...small, maxString: 1_000, maxChars: 1e9 }) === null;
      expect(a, text).toBe(b);
    }
  });

  it('checks values decoded elsewhere (socket.io) without recursion', () => {
    let v: unknown = 1;
    for (let i = 0; i < 20_000; i++) v = [v];
    expect(jsonValueProblem(v)).toMatch(/nested deeper than 64/);
    expect(jsonValueProblem({ a: 'x'.repeat(UPSTREAM_LIMITS.maxString + 1) })).toMatch(/string too long/);
    expect(jsonValueProblem({ a: [1, 2, { b: 'c' }] })).toBeNull();
  });
});

const { boot, servers } = testCores('ops-limits-');

describe('a hostile log event (issue 12, item 4)', () => {
  it('one event nested 20,000 levels deep is counted as an error, and the job book still saves', async () => {
    const sse = await startSseServer();
    servers.push(sse);
    const settings = defaultSettings();
    settings.upstreams.rpaLogs.url = sse.url;
    let logs: RpaLogs | null = null;
    const core = await boot({
      settings,
      secrets: { 'rpaLogs.token': 'eyJ.t.s' },
      // No save timer of its own here: the test saves by hand, where a throw would show.
      modules: [(ctx) => { const made = createRpaLogs(ctx, { backoff: { baseMs: 10, maxMs: 50 }, saveMs: 3_600_000 }); logs = made.connector; return made.module; }],
    });
    const lines: LogLine[] = [];
    core.hub.on('logs.lines', (l) => lines.push(l));
    await until('stream open', () => sse.clients === 1 && logs!.currentLink?.currentState === 'open');
    const line = (id: number, message: string, extra = '') => `id: ${id}\ndata: {"type":"log","level":"INFO","message":"${message}","job_id":"deep"${extra}}\n\n`;
    sse.write(line(1, 'before'));
    const hostile = line(2, 'hostile', `,"extra":${deep(20_000)}`);
    expect(hostile.length).toBeGreaterThan(40_000);
    sse.write(hostile);
    sse.write(line(3, 'after'));
    await until('the line after', () => lines.some((l) => l.message === 'after'));
    expect(lines.map((l) => l.message)).toEqual(['before', 'after']);
    const status = logs!.currentLink!.status();
    expect(status.errors).toBe(1);
    expect(status.message).toMatch(/nested deeper than 64 levels/);
    expect(status.state).toBe('open');
    expect(() => logs!.book.save()).not.toThrow();
  });
});

describe('a deep test-panel message (dashboard.simulate arrives as a value, not text)', () => {
  it('is counted as malformed, the command answers, and later messages work', async () => {
    const core = await boot({ modules: [dashboardModule] });
    let health: DashboardHealth | null = null;
    const switches: string[] = [];
    core.hub.on('dashboard.health', (h) => (health = h));
    core.hub.on('dashboard.remoteSwitch', (s) => switches.push(s.target));
    let v: unknown = 1;
    for (let i = 0; i < 20_000; i++) v = [v];
    const caller = { host: 'web' as const, trusted: true, session: 'admin' };
    const deepOne = await core.commands.dispatch('dashboard.simulate', { message: { type: 'remote_switch', target: 'tickets', extra: v } }, caller);
    expect(deepOne.ok).toBe(true);
    await until('counted', () => health?.malformed === 1);
    const fine = await core.commands.dispatch('dashboard.simulate', { message: { type: 'remote_switch', target: 'projects' } }, caller);
    expect(fine.ok).toBe(true);
    expect(switches).toEqual(['projects']);
  });
});
