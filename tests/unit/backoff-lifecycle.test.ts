import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { UpstreamStatus } from '../../src-main/contract';
import { Backoff } from '../../src-main/core/backoff';
import { AuthError, connectDecision, Link, type ConnectInput, type LinkSession } from '../../src-main/core/lifecycle';

describe('Backoff', () => {
  it('grows exponentially up to the cap', () => {
    const b = new Backoff({ baseMs: 100, maxMs: 1_000, jitter: 0 });
    expect([b.next(), b.next(), b.next(), b.next(), b.next(), b.next()]).toEqual([100, 200, 400, 800, 1_000, 1_000]);
    b.reset();
    expect(b.next()).toBe(100);
  });

  it('jitters within [delay*(1-j), delay]', () => {
    const low = new Backoff({ baseMs: 1_000, jitter: 0.5, random: () => 0 });
    const high = new Backoff({ baseMs: 1_000, jitter: 0.5, random: () => 0.999999 });
    expect(low.next()).toBe(500);
    expect(high.next()).toBe(1_000);
  });
});

describe('Link lifecycle', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  function harness(open: (s: LinkSession) => Promise<void>, extra: { idleTimeoutMs?: number } = {}) {
    const statuses: UpstreamStatus[] = [];
    const sessions: LinkSession[] = [];
    const link = new Link({
      id: 'rpaLogs',
      url: () => 'http://127.0.0.1:1',
      open: (s) => (sessions.push(s), open(s)),
      close: () => undefined,
      test: async () => ({ success: true, message: 'ok', status_code: 200, token_status: 'ok' }),
      onStatus: (s) => statuses.push(s),
      backoff: { baseMs: 1_000, maxMs: 8_000, jitter: 0 },
      statusThrottleMs: 10,
      ...extra,
    });
    return { link, statuses, sessions, states: () => statuses.map((s) => s.state) };
  }

  it('connects, counts events and reconnects with growing delays after losses', async () => {
    const h = harness(async () => undefined);
    h.link.connect();
    await vi.advanceTimersByTimeAsync(0);
    expect(h.link.currentState).toBe('open');
    h.sessions[0]!.event();
    h.sessions[0]!.event();
    expect(h.link.status()).toMatchObject({ note: 'connected', reason: null, attempt: 0, retryAt: null });
    h.sessions[0]!.lost('socket closed');
    expect(h.link.currentState).toBe('reconnecting');
    // What the screen words in its language: waiting to retry, when, and the cause as given.
    expect(h.link.status()).toMatchObject({ events: 2, reconnects: 1, note: 'retrying', reason: 'socket closed', retryAt: Date.now() + 1_000 });
    expect(h.link.status().message).toBe('socket closed — retrying in 1 s');
    await vi.advanceTimersByTimeAsync(999);
    expect(h.sessions).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(h.sessions).toHaveLength(2);
    expect(h.statuses.some((st) => st.note === 'reconnecting' && st.attempt === 1 && st.reason === 'socket closed' && st.retryAt === null)).toBe(true);
    expect(h.link.currentState).toBe('open');
    expect(h.link.status()).toMatchObject({ note: 'connected', reason: null, attempt: 0, retryAt: null });
  });

  it('backs off 1 s, 2 s, 4 s, 8 s, 8 s while the upstream is down', async () => {
    const h = harness(async () => {
      throw new Error('ECONNREFUSED');
    });
    h.link.connect();
    const times: number[] = [];
    const start = Date.now();
    for (let i = 0; i < 5; i++) {
      const before = h.sessions.length;
      while (h.sessions.length === before) await vi.advanceTimersByTimeAsync(100);
      times.push(Date.now() - start);
    }
    expect(times).toEqual([1_000, 3_000, 7_000, 15_000, 23_000]);
    expect(h.link.status().errors).toBe(6);
  });

  it('stops on an auth failure (no reconnect storm) until new credentials arrive', async () => {
    let accept = false;
    const h = harness(async () => {
      if (!accept) throw new AuthError('Token JWT não configurado');
    });
    h.link.connect();
    await vi.advanceTimersByTimeAsync(0);
    expect(h.link.currentState).toBe('auth-failed');
    expect(h.link.status().message).toBe('Token JWT não configurado');
    await vi.advanceTimersByTimeAsync(600_000);
    expect(h.sessions).toHaveLength(1);
    accept = true;
    h.link.retryAuth();
    await vi.advanceTimersByTimeAsync(0);
    expect(h.link.currentState).toBe('open');
  });

  it('treats a silent link as dead after the idle timeout', async () => {
    const h = harness(async () => undefined, { idleTimeoutMs: 5_000 });
    h.link.connect();
    await vi.advanceTimersByTimeAsync(4_000);
    h.sessions[0]!.activity();
    await vi.advanceTimersByTimeAsync(4_000);
    expect(h.link.currentState).toBe('open');
    await vi.advanceTimersByTimeAsync(1_001);
    expect(h.link.currentState).toBe('reconnecting');
    expect(h.link.status().reconnects).toBe(1);
  });

  it('manual disconnect stays down; late reports from the old session are ignored', async () => {
    const h = harness(async () => undefined);
    h.link.connect();
    await vi.advanceTimersByTimeAsync(0);
    const old = h.sessions[0]!;
    h.link.disconnect();
    expect(h.link.currentState).toBe('stopped');
    expect(h.link.status()).toMatchObject({ note: 'operator', message: 'disconnected by operator' });
    expect(old.signal.aborted).toBe(true);
    old.lost('late close');
    old.event();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(h.link.currentState).toBe('stopped');
    expect(h.link.status().events).toBe(0);
    h.link.connect();
    await vi.advanceTimersByTimeAsync(0);
    expect(h.states().at(-1)).toBe('open');
  });

  it('honours a retry-after hint longer than the backoff (rate limits)', async () => {
    const h = harness(async () => undefined);
    h.link.connect();
    await vi.advanceTimersByTimeAsync(0);
    h.sessions[0]!.lost('RATE_LIMIT_ERROR', { retryAfterMs: 30_000 });
    await vi.advanceTimersByTimeAsync(29_000);
    expect(h.sessions).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(h.sessions).toHaveLength(2);
  });
});

describe('the connect policy (one implementation, every connector)', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('decides from enabled and URL: disabled, not configured, or connect', () => {
    expect(connectDecision({ enabled: false, url: 'ws://x' })).toBe('disabled');
    expect(connectDecision({ enabled: false, url: '' })).toBe('disabled');
    expect(connectDecision({ enabled: true, url: '' })).toBe('unconfigured');
    expect(connectDecision({ enabled: true, url: '  ' })).toBe('unconfigured');
    expect(connectDecision({ enabled: true, url: 'ws://x' })).toBe('connect');
  });

  function policyHarness(input: ConnectInput, open: () => Promise<void> = async () => undefined) {
    let opens = 0;
    const link = new Link({
      id: 'dashboard',
      url: () => input.url,
      policy: () => input,
      open: () => (opens++, open()),
      close: () => undefined,
      test: async () => ({ success: true, message: 'ok', status_code: 200, token_status: 'ok' }),
      onStatus: () => undefined,
      backoff: { baseMs: 1_000, maxMs: 8_000, jitter: 0 },
    });
    return { link, input, opens: () => opens };
  }

  it('stops a link switched on without a URL as not configured, with no retry ever scheduled', async () => {
    const h = policyHarness({ enabled: true, url: '' });
    h.link.apply();
    expect(h.link.status()).toMatchObject({ state: 'stopped', note: 'unconfigured', retryAt: null });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(h.opens()).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('connects when switched on with a URL, stops as disabled when switched off', async () => {
    const h = policyHarness({ enabled: true, url: 'ws://127.0.0.1:1' });
    h.link.apply();
    await vi.advanceTimersByTimeAsync(0);
    expect(h.link.currentState).toBe('open');
    h.input.enabled = false;
    h.link.apply();
    expect(h.link.status()).toMatchObject({ state: 'stopped', note: 'disabled' });
  });

  it('new credentials: a disabled, unconfigured or operator-stopped link stays stopped', async () => {
    for (const [input, why] of [
      [{ enabled: false, url: 'ws://127.0.0.1:1' }, 'disabled'],
      [{ enabled: true, url: '' }, 'unconfigured'],
    ] as const) {
      const h = policyHarness({ ...input });
      h.link.apply();
      h.link.credentialsChanged();
      await vi.advanceTimersByTimeAsync(10_000);
      expect(h.link.status()).toMatchObject({ state: 'stopped', note: why });
      expect(h.opens()).toBe(0);
    }
    const manual = policyHarness({ enabled: true, url: 'ws://127.0.0.1:1' });
    manual.link.apply();
    await vi.advanceTimersByTimeAsync(0);
    manual.link.disconnect('operator');
    manual.link.credentialsChanged();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(manual.link.status()).toMatchObject({ state: 'stopped', note: 'operator' });
    expect(manual.opens()).toBe(1);
  });

  it('new credentials: an auth-failed link tries again at once, an open one reconnects with them', async () => {
    let refuse = true;
    const h = policyHarness({ enabled: true, url: 'ws://127.0.0.1:1' }, async () => {
      if (refuse) throw new AuthError('401');
    });
    h.link.apply();
    await vi.advanceTimersByTimeAsync(0);
    expect(h.link.currentState).toBe('auth-failed');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(h.opens()).toBe(1);
    refuse = false;
    h.link.credentialsChanged();
    await vi.advanceTimersByTimeAsync(0);
    expect(h.link.currentState).toBe('open');
    h.link.credentialsChanged();
    await vi.advanceTimersByTimeAsync(0);
    expect(h.opens()).toBe(3);
    expect(h.link.currentState).toBe('open');
  });
});
