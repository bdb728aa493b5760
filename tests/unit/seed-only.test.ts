import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultSettings } from '../../src-main/contract/settings';
import { createCore, type Core } from '../../src-main/core/app-core';
import { KeyFileCipher } from '../../src-main/secrets/cipher';

let cores: Core[] = [];
afterEach(async () => {
  for (const core of cores) await core.close();
  cores = [];
});

async function demoCore(options: { setting?: boolean; flag?: boolean }) {
  const dataDir = mkdtempSync(join(tmpdir(), 'ops-seed-only-'));
  const settings = defaultSettings();
  settings.demo.seedOnly = options.setting ?? false;
  const core = await createCore({
    host: 'web',
    version: 'test',
    dataDir,
    cipher: new KeyFileCipher(join(dataDir, 'k')),
    demo: true,
    ...(options.flag ? { seedOnly: true } : {}),
    config: { settings, secrets: {} },
    modules: [],
  });
  cores.push(core);
  return core;
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
