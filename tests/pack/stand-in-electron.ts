import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A folder shaped like an unpacked Electron for Linux (what `node_modules/electron/dist` holds),
 * for electron-builder's `electronDist` option: it copies the folder as is, renames `electron`
 * to `linux.executableName`, drops the locales `electronLanguages` does not keep, writes
 * `resources/app.asar` and the extra resources, and flips the fuses in the executable. No
 * Electron binary is needed, nothing is downloaded.
 *
 * The executable is a shell script that carries Electron's fuse wire the way the real binary
 * does — the sentinel, the wire version (1), the wire length, one ASCII '0'/'1' per fuse — set
 * to what Electron ships, so the test sees exactly what electron-builder changed.
 */
export const FUSE_SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
/**
 * Electron's shipped wire, in FuseV1Options order: RunAsNode on, EnableCookieEncryption off,
 * EnableNodeOptionsEnvironmentVariable on, EnableNodeCliInspectArguments on,
 * EnableEmbeddedAsarIntegrityValidation off, OnlyLoadAppFromAsar off,
 * LoadBrowserProcessSpecificV8Snapshot off, GrantFileProtocolExtraPrivileges on.
 */
export const SHIPPED_FUSE_WIRE = '10110001';
/** Locales of the stand-in: the two the app speaks and two it does not. */
export const STAND_IN_LOCALES = ['en-US', 'pt-BR', 'de', 'fr'];

export function makeStandInElectron(dir: string): string {
  mkdirSync(join(dir, 'locales'), { recursive: true });
  mkdirSync(join(dir, 'resources'), { recursive: true });
  const script = '#!/bin/sh\necho "stand-in Electron for the pack test: not runnable" >&2\nexit 1\n# ';
  writeFileSync(join(dir, 'electron'), Buffer.concat([Buffer.from(script), Buffer.from(FUSE_SENTINEL), Buffer.from([1, SHIPPED_FUSE_WIRE.length]), Buffer.from(`${SHIPPED_FUSE_WIRE}\n`)]));
  chmodSync(join(dir, 'electron'), 0o755);
  for (const locale of STAND_IN_LOCALES) writeFileSync(join(dir, 'locales', `${locale}.pak`), locale);
  // Placeholders for the rest of a real dist, so the copy step sees a familiar shape.
  for (const file of ['LICENSE', 'LICENSES.chromium.html', 'chrome-sandbox', 'chrome_crashpad_handler', 'icudtl.dat', 'libffmpeg.so', 'resources.pak', 'snapshot_blob.bin', 'v8_context_snapshot.bin']) {
    writeFileSync(join(dir, file), '');
  }
  writeFileSync(join(dir, 'version'), '45.4.1');
  return dir;
}
