/** Shared set-up of tests that run a core with only the modules under test. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { defaultSettings, type Settings } from '../../src-main/contract/settings';
import { createCore, type Core, type CoreOptions } from '../../src-main/core/app-core';
import type { ModuleFactory } from '../../src-main/core/context';
import { startDemo } from '../../src-main/demo';
import { KeyFileCipher } from '../../src-main/secrets/cipher';

export interface BootOptions extends Partial<Omit<CoreOptions, 'config' | 'modules'>> {
  settings?: Settings;
  secrets?: Record<string, string>;
  modules?: readonly ModuleFactory[];
}

/**
 * Cores on fresh data folders (a web host, no demo unless asked), closed after each test
 * together with the loopback servers the test registered in `servers`.
 */
export function testCores(prefix: string) {
  const cores: Core[] = [];
  const servers: Array<{ close(): Promise<void> }> = [];
  afterEach(async () => {
    for (const core of cores.splice(0)) await core.close();
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  const boot = async ({ settings = defaultSettings(), secrets = {}, modules = [], ...options }: BootOptions = {}): Promise<Core> => {
    const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), prefix));
    const core = await createCore({ host: 'web', version: 'test', cipher: new KeyFileCipher(join(dataDir, 'k')), demo: false, startDemo, ...options, dataDir, config: { settings, secrets }, modules });
    cores.push(core);
    return core;
  };
  return { boot, servers };
}
