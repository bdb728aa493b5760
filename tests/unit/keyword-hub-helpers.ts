/** Shared set-up of the keyword hub connector tests: a simulator and a core with only this module. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocketServer } from 'ws';
import type { ExecutionsState } from '../../src-main/contract/keyword-hub';
import { defaultSettings, type Settings } from '../../src-main/contract/settings';
import { createCore, type Core } from '../../src-main/core/app-core';
import { startKeywordHubSimulator, type KeywordHubSimulator, type KeywordHubSimulatorOptions } from '../../src-main/demo/keyword-hub-sim';
import { KeyFileCipher } from '../../src-main/secrets/cipher';
import { keywordHubModule } from '../../src-main/upstreams/keyword-hub';
import { until } from './until';
export { until };

export const caller = { host: 'web' as const, trusted: true, session: 't' };
export const TOKEN = 'kh-test-token';
export const cores: Core[] = [];
export const sims: KeywordHubSimulator[] = [];
export const servers: WebSocketServer[] = [];

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startSim(o: KeywordHubSimulatorOptions = {}) {
  const sim = await startKeywordHubSimulator({ autoplay: false, seed: 11, token: TOKEN, speed: 60, ...o });
  sims.push(sim);
  return sim;
}

export async function boot(options: { sim?: KeywordHubSimulator; url?: string; dataDir?: string; token?: string; settings?: (s: Settings) => void } = {}) {
  const sim = options.sim ?? (options.url ? null : await startSim());
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'ops-kh-'));
  const settings = defaultSettings();
  settings.upstreams.keywordHub.url = options.url ?? `${sim!.url.replace(/^http/, 'ws')}/ws`;
  settings.upstreams.keywordHub.requestTimeoutMs = 2_000;
  options.settings?.(settings);
  const core = await createCore({
    host: 'web',
    version: 'test',
    dataDir,
    cipher: new KeyFileCipher(join(dataDir, 'k')),
    demo: false,
    config: { settings, secrets: { 'keywordHub.token': options.token ?? TOKEN } },
    modules: [keywordHubModule],
  });
  cores.push(core);
  const call = async <T = unknown>(cmd: string, args: object = {}): Promise<T> => {
    const r = await core.commands.dispatch(cmd, args, caller);
    if (!r.ok) throw Object.assign(new Error(r.error.message), { code: r.error.code });
    return r.value as T;
  };
  const state = () => call<ExecutionsState>('executions.state');
  const exec = async (id: string) => (await state()).executions.find((e) => e.id === id);
  const link = () => core.ctx.links.get('keywordHub')!.status();
  const open = () => until('link open', () => link().state === 'open');
  const failure = async (cmd: string, args: object) => {
    try {
      await call(cmd, args);
    } catch (error) {
      return error as Error & { code: string };
    }
    throw new Error(`${cmd} succeeded`);
  };
  return { sim: sim!, core, dataDir, call, state, exec, link, open, failure };
}

export const closeAll = async () => {
  for (const core of cores) await core.close();
  await Promise.all(sims.map((s) => s.stop()));
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
  cores.length = 0;
  sims.length = 0;
};

