import { describe, expect, it } from 'vitest';
import { defaultSettings } from '../../src-main/contract/settings';
import { testCores } from './test-cores';
import { type Core } from '../../src-main/core/app-core';

const { boot } = testCores('ops-seed-only-');

async function demoCore(options: { setting?: boolean; flag?: boolean }) {
  const settings = defaultSettings();
  settings.demo.seedOnly = options.setting ?? false;
  return boot({ settings, demo: true, ...(options.flag ? { seedOnly: true } : {}) });
}

/** The Evolution simulator answers its REST listing only outside seed-only mode. */
async function listingStatus(core: Core): Promise<number> {
  const url = core.ctx.effective().upstreams.evolution.url;
  const apikey = core.ctx.secrets.get('evolution.apiKey')!;
  return (await fetch(`${url}/instance/fetchInstances`, { headers: { apikey } })).status;
}

describe('seed-only demo mode: the flag and the setting reach the simulators', () => {
  it('off by default; on with the demo.seedOnly setting; on with --seed-only (CoreOptions.seedOnly)', async () => {
    expect(defaultSettings().demo.seedOnly).toBe(false);
    expect(await listingStatus(await demoCore({}))).toBe(200);
    expect(await listingStatus(await demoCore({ setting: true }))).toBe(404);
    expect(await listingStatus(await demoCore({ flag: true }))).toBe(404);
  });
});
