import { createHmac, randomBytes } from 'node:crypto';
import { startDashboardSimulator, type DashboardSimulator } from './dashboard-sim';
import { startEvolutionSimulator, type EvolutionSimulator } from './evolution-sim';
import { startKeywordHubSimulator, type KeywordHubSimulator } from './keyword-hub-sim';
import { startRpaLogSimulator, type RpaLogSimulator } from './rpa-logs-sim';

export interface Demo {
  /** Where each connector should point (what an admin would type in settings). */
  urls: { rpaLogs: string; keywordHub: string; evolution: string; dashboard: string };
  /** Credentials the simulators accept; kept in memory only. */
  secrets: Record<string, string>;
  simulators: { rpaLogs: RpaLogSimulator; keywordHub: KeywordHubSimulator; evolution: EvolutionSimulator; dashboard: DashboardSimulator };
  stop(): Promise<void>;
}

/** A real-looking HS256 JWT (sub, iat, exp) so token screens show claims in demo mode too. */
export function makeDemoJwt(sub: string, lifetimeSec: number, now = Date.now()): string {
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const iat = Math.floor(now / 1000);
  const body = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub, iat, exp: iat + lifetimeSec })}`;
  return `${body}.${createHmac('sha256', randomBytes(32)).update(body).digest('base64url')}`;
}

export const toWs = (httpUrl: string, path: string) => `${httpUrl.replace(/^http/, 'ws')}${path}`;

/** Start every simulator on loopback (free ports) with fresh credentials. */
export async function startDemo(options: { autoplay?: boolean } = {}): Promise<Demo> {
  const autoplay = options.autoplay ?? true;
  const secrets = {
    'rpaLogs.token': makeDemoJwt('demo-admin', 12 * 3600),
    'keywordHub.token': makeDemoJwt('demo-operator', 12 * 3600),
    'evolution.apiKey': `demo-${randomBytes(12).toString('hex')}`,
  };
  const [rpaLogs, keywordHub, evolution, dashboard] = await Promise.all([
    startRpaLogSimulator({ token: secrets['rpaLogs.token'], autoplay }),
    startKeywordHubSimulator({ token: secrets['keywordHub.token'], autoplay }),
    startEvolutionSimulator({ apiKey: secrets['evolution.apiKey'], autoplay, globalEvents: true }),
    startDashboardSimulator({ autoplay, updateEveryMs: 10_000, alertEveryMs: 45_000 }),
  ]);
  return {
    urls: {
      rpaLogs: rpaLogs.url,
      keywordHub: toWs(keywordHub.url, '/ws'),
      evolution: evolution.url,
      dashboard: toWs(dashboard.url, '/ws/dashboard_control/'),
    },
    secrets,
    simulators: { rpaLogs, keywordHub, evolution, dashboard },
    async stop() {
      await Promise.allSettled([rpaLogs.stop(), keywordHub.stop(), evolution.stop(), dashboard.stop()]);
    },
  };
}
