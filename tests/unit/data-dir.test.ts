import { chmodSync, existsSync, mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../src-main/core/app-core';
import { Storage } from '../../src-main/core/storage';
import { KeyFileCipher } from '../../src-main/secrets/cipher';

const modeOf = (path: string) => statSync(path).mode & 0o777;
const start = (dataDir: string) =>
  createCore({ host: 'web', version: 'test', dataDir, cipher: new KeyFileCipher(join(dataDir, 'secret.key')), demo: false, modules: [] });

describe.skipIf(process.platform === 'win32')('data folder modes', () => {
  let core: Core | undefined;
  afterEach(async () => {
    await core?.close();
    core = undefined;
  });

  it('a fresh start writes the database, its WAL and SHM owner-only (0600), whatever the umask gives', async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'ops-modes-')), 'data');
    mkdirSync(dataDir); // as a host may create it: 0777 minus the umask
    core = await start(dataDir);
    core.ctx.storage.putJson('probe', { pin: 'hash' }); // the WAL and SHM exist once something is written
    expect(modeOf(dataDir)).toBe(0o700);
    for (const file of ['console.db', 'console.db-wal', 'console.db-shm']) {
      expect(existsSync(join(dataDir, file)), file).toBe(true);
      expect(modeOf(join(dataDir, file)), file).toBe(0o600);
    }
  });

  it('a data folder an older build left open is tightened at start: folder 0700, every file 0600, with a warning', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ops-modes-'));
    const old = Storage.open(join(dataDir, 'console.db'));
    old.putJson('admin.pin', { hash: 'x' });
    old.close();
    writeFileSync(join(dataDir, 'settings.json'), '{}');
    mkdirSync(join(dataDir, 'media'));
    writeFileSync(join(dataDir, 'media', 'sound.mp3'), 'x');
    for (const file of ['console.db', 'settings.json']) chmodSync(join(dataDir, file), 0o644);
    chmodSync(join(dataDir, 'media'), 0o755);
    chmodSync(dataDir, 0o755);

    core = await start(dataDir);
    core.ctx.storage.putJson('probe', 1);
    expect(modeOf(dataDir)).toBe(0o700);
    expect(modeOf(join(dataDir, 'media'))).toBe(0o700);
    for (const file of ['console.db', 'console.db-wal', 'console.db-shm', 'settings.json', 'secret.key']) expect(modeOf(join(dataDir, file)), file).toBe(0o600);
    const info = await core.commands.dispatch('system.info', {}, { host: 'web', trusted: true, session: 's' });
    expect(JSON.stringify(info)).toMatch(/had items others could read \(\., console\.db, media\/, settings\.json\); they are now owner-only/);
  });
});
