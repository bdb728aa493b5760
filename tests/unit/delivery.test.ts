import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import type { Delivery, Webhook, WebhookInput } from '../../src-main/contract/integrations';
import { Storage } from '../../src-main/core/storage';
import { startWebhookSink } from '../../src-main/demo/webhooks-sim';
import { Outbound, RETRY_SCHEDULE_MS, TransportError, type SendRequest, type SendResponse } from '../../src-main/integrations/outbound';
import { generateSecret } from '../../src-main/integrations/signing';

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

const input = (over: Partial<WebhookInput> = {}): WebhookInput => ({
  name: 'ERP',
  url: 'http://127.0.0.1:9/hook',
  events: ['job.error', 'alert.raised'],
  headers: {},
  timeoutMs: 5_000,
  enabled: true,
  signing: 'standard',
  simpleSignature: 'sha256',
  template: 'standard',
  allowLinkLocal: false,
  ...over,
});

type Script = (req: SendRequest, n: number) => SendResponse | Error;

/** An Outbound over a scripted transport; every call is recorded with the (fake) time. */
function harness(script: Script, opts: { random?: () => number; disableAfterHours?: number } = {}) {
  const storage = Storage.open(join(mkdtempSync(join(tmpdir(), 'ops-dlv-')), 'q.db'));
  const calls: Array<{ at: number; req: SendRequest }> = [];
  const disabled: Array<{ hook: Webhook; reason: string }> = [];
  const updates: Delivery[] = [];
  const outbound = new Outbound({
    storage,
    secretOf: () => 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    secretStatus: () => ({ present: true, masked: 'whse…LaSw' }),
    random: opts.random ?? (() => 0.5),
    settings: () => ({ disableAfterHours: opts.disableAfterHours ?? 120, concurrency: 4 }),
    transport: async (req) => {
      calls.push({ at: Date.now(), req });
      const answer = script(req, calls.length);
      if (answer instanceof Error) throw answer;
      return answer;
    },
    onDisabled: (hook, reason) => disabled.push({ hook, reason }),
    onDelivery: (d) => updates.push(d),
  });
  cleanup.push(async () => {
    await outbound.stop();
    storage.close();
  });
  outbound.start();
  return { outbound, calls, disabled, updates, storage };
}

const ok: SendResponse = { status: 200, retryAfter: null, excerpt: 'ok' };
const status = (n: number, retryAfter: string | null = null): SendResponse => ({ status: n, retryAfter, excerpt: `status ${n}` });

describe('retry schedule (fake timers)', () => {
  it('retries a failing endpoint at 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, then gives up', async () => {
    vi.useFakeTimers({ now: new Date('2025-03-10T12:00:00Z') });
    const { outbound, calls } = harness(() => status(500));
    const hook = outbound.create(input());
    const [delivery] = outbound.emit('job.error', { job: 'j1' });
    const total = RETRY_SCHEDULE_MS.reduce((a: number, b: number) => a + b, 0);
    await vi.advanceTimersByTimeAsync(total + 60_000);
    expect(calls).toHaveLength(RETRY_SCHEDULE_MS.length);
    const gaps = calls.slice(1).map((c, i) => c.at - calls[i]!.at);
    expect(gaps).toEqual([5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000]);
    // Every attempt carries the event's id: receivers can de-duplicate.
    expect(new Set(calls.map((c) => c.req.headers['webhook-id']))).toEqual(new Set([delivery!.eventId]));
    const [final] = outbound.deliveries({ webhookId: hook.id, limit: 1 });
    expect(final).toMatchObject({ state: 'failed', attempts: 8, lastStatus: 500 });
    expect(outbound.queue.attempts(final!.id)).toHaveLength(8);
  });

  it('adds at most ±10 % jitter', async () => {
    vi.useFakeTimers({ now: new Date('2025-03-10T12:00:00Z') });
    let r = 0;
    const { outbound, calls } = harness(() => status(503), { random: () => [0, 1][r++ % 2]! });
    outbound.create(input());
    outbound.emit('job.error', {});
    await vi.advanceTimersByTimeAsync(6_000_000);
    const gaps = calls.slice(1).map((c, i) => c.at - calls[i]!.at);
    expect(gaps.slice(0, 3)).toEqual([4_500, 330_000, 1_620_000]);
  });

  it('honours Retry-After on 429 and holds the whole endpoint meanwhile', async () => {
    vi.useFakeTimers({ now: new Date('2025-03-10T12:00:00Z') });
    const { outbound, calls } = harness((_req, n) => (n === 1 ? status(429, '120') : ok));
    outbound.create(input());
    outbound.emit('job.error', { n: 1 });
    await vi.advanceTimersByTimeAsync(10);
    expect(calls).toHaveLength(1);
    outbound.emit('job.error', { n: 2 }); // queued behind the slow-down
    await vi.advanceTimersByTimeAsync(100_000);
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(21_000);
    expect(calls).toHaveLength(3);
    expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(120_000);
    expect(outbound.deliveries({ limit: 10 }).every((d) => d.state === 'succeeded')).toBe(true);
  });

  it('treats a redirect as a failure (not followed) and 502/504 as slow-down', async () => {
    vi.useFakeTimers({ now: new Date('2025-03-10T12:00:00Z') });
    const answers = [status(302), status(504), ok];
    const { outbound, calls } = harness((_r, n) => answers[n - 1]!);
    outbound.create(input());
    outbound.emit('job.error', {});
    await vi.advanceTimersByTimeAsync(10);
    expect(outbound.deliveries({ limit: 1 })[0]).toMatchObject({ state: 'pending', lastStatus: 302, lastError: expect.stringContaining('redirect') });
    await vi.advanceTimersByTimeAsync(5_000);
    expect(calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(300_000);
    expect(calls).toHaveLength(3);
    expect(outbound.deliveries({ limit: 1 })[0]).toMatchObject({ state: 'succeeded', attempts: 3 });
  });

  it('disables the endpoint on 410 and parks its deliveries until it is enabled again', async () => {
    vi.useFakeTimers({ now: new Date('2025-03-10T12:00:00Z') });
    let gone = true;
    const { outbound, calls, disabled } = harness(() => (gone ? status(410) : ok));
    const hook = outbound.create(input());
    outbound.emit('job.error', { a: 1 });
    await vi.advanceTimersByTimeAsync(10);
    expect(disabled).toHaveLength(1);
    expect(disabled[0]!.reason).toMatch(/410/);
    expect(outbound.get(hook.id)).toMatchObject({ enabled: false, disabledReason: expect.stringMatching(/410/) });
    expect(outbound.emit('job.error', { a: 2 })).toEqual([]); // a disabled endpoint gets no new events
    gone = false;
    const replay = outbound.replay(outbound.deliveries({ limit: 1 })[0]!.id)!;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls).toHaveLength(1); // parked while disabled
    outbound.update(hook.id, input({ enabled: true }));
    await vi.advanceTimersByTimeAsync(10);
    expect(calls).toHaveLength(2);
    expect(outbound.queue.get(replay.id)).toMatchObject({ state: 'succeeded' });
  });

  it('disables an endpoint failing longer than the configured span', async () => {
    vi.useFakeTimers({ now: new Date('2025-03-10T12:00:00Z') });
    const { outbound, disabled } = harness(() => status(500), { disableAfterHours: 0.1 }); // 6 min
    const hook = outbound.create(input());
    outbound.emit('job.error', {});
    await vi.advanceTimersByTimeAsync(5_000 + 300_000 + 10);
    expect(disabled).toHaveLength(0);
    outbound.emit('job.error', {});
    await vi.advanceTimersByTimeAsync(400_000);
    expect(disabled).toHaveLength(1);
    expect(outbound.get(hook.id)!.enabled).toBe(false);
  });

  it('offline: waits without spending the schedule and sends everything when the network returns', async () => {
    vi.useFakeTimers({ now: new Date('2025-03-10T12:00:00Z') });
    let online = false;
    const { outbound, calls } = harness(() => (online ? ok : new TransportError('network', 'ECONNREFUSED')));
    const hook = outbound.create(input());
    for (let i = 0; i < 5; i++) outbound.emit('job.error', { i });
    await vi.advanceTimersByTimeAsync(30 * 60_000);
    expect(outbound.get(hook.id)!.unreachable).toBe(true);
    const waiting = outbound.deliveries({ limit: 10 });
    expect(waiting.every((d) => d.state === 'pending')).toBe(true);
    // Probing at most once a minute per endpoint, not once per delivery per schedule step.
    expect(calls.length).toBeLessThan(60);
    online = true;
    await vi.advanceTimersByTimeAsync(61_000);
    expect(outbound.deliveries({ limit: 10 }).map((d) => d.state)).toEqual(Array(5).fill('succeeded'));
    expect(outbound.get(hook.id)!.unreachable).toBe(false);
  });
});

describe('at-least-once across a kill', () => {
  const root = resolve(import.meta.dirname, '../..');
  const child = (args: string[]) => {
    const proc: ChildProcess = spawn(process.execPath, ['--import', 'tsx', join(root, 'tests/unit/fixtures/webhook-queue-child.ts'), ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    proc.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    proc.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    cleanup.push(() => proc.exitCode === null && proc.kill('SIGKILL'));
    const waitFor = (pred: (text: string) => boolean, ms = 15_000) =>
      new Promise<void>((done, fail) => {
        const t0 = Date.now();
        const check = () => {
          if (pred(out)) return done();
          if (proc.exitCode !== null || Date.now() - t0 > ms) return fail(new Error(`child: ${out.slice(-300)}\n${err.slice(-1000)}`));
          setTimeout(check, 20);
        };
        check();
      });
    return { proc, out: () => out, waitFor };
  };

  it('every accepted event arrives at least once with its original id after SIGKILL mid-burst', async () => {
    const secret = generateSecret();
    const sink = await startWebhookSink({ secret });
    cleanup.push(() => sink.stop());
    // Slow answers keep deliveries in flight when the kill lands.
    for (let i = 0; i < 400; i++) sink.respondWith({ status: 200, delayMs: 5 });
    const db = join(mkdtempSync(join(tmpdir(), 'ops-kill-')), 'console.db');

    const first = child([db, `${sink.url}/in`, secret, 'burst', '3000']);
    await first.waitFor((t) => (t.match(/^accepted /gm)?.length ?? 0) >= 300 && sink.requests.length >= 20);
    first.proc.kill('SIGKILL');
    await new Promise((r) => first.proc.once('exit', r));
    const accepted = [...first.out().matchAll(/^accepted (\S+)$/gm)].map((m) => m[1]!);
    expect(accepted.length).toBeGreaterThanOrEqual(300);
    expect(first.out()).not.toContain('burst-done'); // really killed mid-burst
    const before = new Set(sink.requests.map((r) => r.headers['webhook-id']));
    expect(accepted.some((id) => !before.has(id))).toBe(true); // something was still undelivered

    const second = child([db, `${sink.url}/in`, secret, 'drain', '0']);
    await second.waitFor((t) => t.includes('idle'), 20_000);
    second.proc.kill('SIGKILL');
    const received = new Set(sink.requests.map((r) => r.headers['webhook-id']));
    const missing = accepted.filter((id) => !received.has(id));
    expect(missing).toEqual([]);
    // Each request is a valid Standard Webhooks delivery, checked by the reference library.
    const verifier = new StandardWebhook(secret);
    const sample = sink.requests.at(-1)!;
    expect(() => verifier.verify(sample.body, sample.headers)).not.toThrow();
    expect(sink.requests.every((r) => r.verified)).toBe(true);
  }, 60_000);
});
