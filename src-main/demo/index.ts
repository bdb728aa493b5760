import { createHmac, randomBytes } from 'node:crypto';
import { startDashboardSimulator } from './dashboard-sim';
import { startEvolutionSimulator } from './evolution-sim';
import { startKeywordHubSimulator } from './keyword-hub-sim';
import { startRpaLogSimulator } from './rpa-logs-sim';
import type { DemoSimulators, DemoTarget } from '../core/context';
import type { Simulator } from './types';
import { startWebhookSender, startWebhookSink } from './webhooks-sim';

export type { DemoTarget };

/** A real-looking HS256 JWT (sub, iat, exp) so token screens show claims in demo mode too. */
export function makeDemoJwt(sub: string, lifetimeSec: number, now = Date.now()): string {
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const iat = Math.floor(now / 1000);
  const body = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub, iat, exp: iat + lifetimeSec })}`;
  return `${body}.${createHmac('sha256', randomBytes(32)).update(body).digest('base64url')}`;
}

export const toWs = (httpUrl: string, path: string) => `${httpUrl.replace(/^http/, 'ws')}${path}`;

export interface DemoOptions {
  autoplay?: boolean;
  /** Credentials the simulators must accept (e.g. given by `--config`); fresh ones otherwise. */
  secrets?: Record<string, string | undefined>;
  /** Each simulator speaks exactly what its seed documents (no resume ids, REST extras, …). */
  seedOnly?: boolean;
}

/** Each simulator's start function, bound to its credentials, so it can be stopped and started again on its port. */
function starters(secrets: Record<string, string>, autoplay: boolean, seedOnly: boolean) {
  return {
    rpaLogs: (port = 0) => startRpaLogSimulator({ port, token: secrets['rpaLogs.token']!, autoplay, seedOnly }),
    // OPS_DEMO_SPEED: pace multiplier of the keyword hub simulator (e2e runs use a fast pace).
    keywordHub: (port = 0) => startKeywordHubSimulator({ port, token: secrets['keywordHub.token']!, autoplay, speed: Number(process.env.OPS_DEMO_SPEED) || 1, seedOnly }),
    evolution: (port = 0) => startEvolutionSimulator({ port, apiKey: secrets['evolution.apiKey']!, autoplay, globalEvents: true, seedOnly }),
    dashboard: (port = 0) => startDashboardSimulator({ port, autoplay, updateEveryMs: 10_000, alertEveryMs: 45_000, seedOnly }),
  } satisfies Record<DemoTarget, (port?: number) => Promise<Simulator>>;
}

/** All simulators on loopback (free ports), reachable by the same URLs across stop/start. */
export async function startDemo(options: DemoOptions = {}): Promise<DemoSimulators & { simulators: Record<DemoTarget, Simulator> }> {
  const autoplay = options.autoplay ?? true;
  const secrets: Record<string, string> = {
    'rpaLogs.token': options.secrets?.['rpaLogs.token'] ?? makeDemoJwt('demo-admin', 12 * 3600),
    'keywordHub.token': options.secrets?.['keywordHub.token'] ?? makeDemoJwt('demo-operator', 12 * 3600),
    'evolution.apiKey': options.secrets?.['evolution.apiKey'] ?? `demo-${randomBytes(12).toString('hex')}`,
  };
  const seedOnly = options.seedOnly ?? false;
  const start = starters(secrets, autoplay, seedOnly);
  const [rpaLogs, keywordHub, evolution, dashboard] = await Promise.all([start.rpaLogs(), start.keywordHub(), start.evolution(), start.dashboard()]);
  const simulators = { rpaLogs, keywordHub, evolution, dashboard };
  const ports = Object.fromEntries(Object.entries(simulators).map(([k, s]) => [k, s.port])) as Record<DemoTarget, number>;
  const running = new Set<DemoTarget>(['rpaLogs', 'keywordHub', 'evolution', 'dashboard']);
  return {
    seedOnly,
    urls: {
      rpaLogs: rpaLogs.url,
      keywordHub: toWs(keywordHub.url, '/ws'),
      evolution: evolution.url,
      dashboard: toWs(dashboard.url, '/ws/dashboard_control/'),
    },
    secrets,
    simulators,
    webhooks: { startSink: startWebhookSink, startSender: startWebhookSender },
    /** Stop one simulator (an upstream outage), start it again on the same port, or cut its clients. */
    async control(target: DemoTarget, action: 'stop' | 'start' | 'restart' | 'drop'): Promise<void> {
      const sim = simulators[target];
      if (action === 'drop') return sim.dropClients();
      if (action === 'restart') return sim.restart();
      if (action === 'stop' && running.delete(target)) return sim.stop();
      if (action === 'start' && !running.has(target)) {
        (simulators as Record<DemoTarget, Simulator>)[target] = await start[target](ports[target]);
        running.add(target);
      }
    },
    async stop() {
      await Promise.allSettled([...running].map((t) => simulators[t].stop()));
      running.clear();
    },
  };
}

export type Demo = Awaited<ReturnType<typeof startDemo>>;
