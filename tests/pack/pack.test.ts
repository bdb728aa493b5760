import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { extractFile, listPackage, statFile } from '@electron/asar';
import { FuseV1Options, getCurrentFuseWire } from '@electron/fuses';
import type { AfterPackContext, Configuration, LinuxPackager } from 'app-builder-lib';
import { LinuxTargetHelper } from 'app-builder-lib/out/targets/LinuxTargetHelper';
import { Arch, build, Platform } from 'electron-builder';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appPaths } from '../../src-main/core/app-paths';
import { makeStandInElectron, SHIPPED_FUSE_WIRE, STAND_IN_LOCALES } from './stand-in-electron';

/**
 * Packs the built app (`out/`, from `npm run build`) the way `npm run dist` does, `dir` target
 * for Linux, against a stand-in Electron (tests/pack/stand-in-electron.ts) and an empty
 * electron-builder cache, then checks what an installed console would hold.
 */

/**
 * app.asar size budget. Measured 9.13 MB (9,130,811 bytes) on 2026-12-03 for 0.1.0 on main: out/ is
 * ~2 MB, the production dependencies the rest (zod 2.3 MB, socket.io, electron-updater and its
 * js-yaml…). The budget
 * leaves ~25 % for growth; crossing it means a dependency or a bundle grew a lot — look before
 * raising it (docs/decisions.md, decision 20).
 */
const ASAR_BUDGET_BYTES = 11_500_000;

const root = resolve(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { main: string; desktopName: string; dependencies: Record<string, string>; devDependencies: Record<string, string> };

let work: string;
let cache: string;
let unpacked: string;
let asarPath: string;
let entries: string[];
let desktop: { file: string; entry: Record<string, string> };
let effective: Configuration;
let iconSizes: number[];

beforeAll(async () => {
  if (!existsSync(join(root, 'out/main/index.js'))) throw new Error('out/ is missing: run `npm run build` before the pack test');
  work = mkdtempSync(join(tmpdir(), 'ops-pack-'));
  // Empty caches: anything electron-builder downloaded would land here (checked below).
  cache = join(work, 'cache');
  mkdirSync(cache);
  process.env.ELECTRON_BUILDER_CACHE = cache;
  process.env.ELECTRON_CACHE = cache;
  process.env.ELECTRON_SKIP_BINARY_DOWNLOAD = '1';
  const electronDist = makeStandInElectron(join(work, 'electron-dist'));
  await build({
    projectDir: root,
    targets: Platform.LINUX.createTarget('dir', Arch.x64),
    publish: 'never',
    config: {
      extends: join(root, 'electron-builder.yml'),
      electronDist,
      directories: { output: join(work, 'dist') },
      afterPack: async (context: AfterPackContext) => {
        const packager = context.packager as LinuxPackager;
        effective = packager.config;
        // The .desktop entry exactly as the deb target writes it (AppImage changes only Exec).
        const helper = new LinuxTargetHelper(packager);
        const text = await helper.computeDesktopEntry(packager.platformSpecificBuildOptions);
        const entry = Object.fromEntries(text.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
        desktop = { file: `${helper.getDesktopFileName()}.desktop`, entry };
        iconSizes = (await helper.icons).map((i) => i.size);
      },
    } as Configuration,
  });
  unpacked = join(work, 'dist', 'linux-unpacked');
  asarPath = join(unpacked, 'resources', 'app.asar');
  entries = listPackage(asarPath, { isPack: false }).map((p) => p.replace(/^\//, ''));
}, 120_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

const inAsar = (path: string): boolean => {
  try {
    return statFile(asarPath, path) !== undefined;
  } catch {
    return false;
  }
};
const asarText = (path: string): string => extractFile(asarPath, path).toString('utf8');

describe('packaged app (linux dir target, stand-in Electron)', () => {
  it('needed nothing from the network: the caches stayed empty', () => {
    expect(readdirSync(cache)).toEqual([]);
  });

  it('has the executable under its Linux name and only the locales the UI speaks', () => {
    expect(statSync(join(unpacked, 'ops-console')).mode & 0o111).not.toBe(0);
    expect(readdirSync(join(unpacked, 'locales')).sort()).toEqual(STAND_IN_LOCALES.filter((l) => ['en-US', 'pt-BR'].includes(l)).map((l) => `${l}.pak`).sort());
  });

  it('app.asar holds package.json whose main resolves inside it, and no dev fields', () => {
    const packed = JSON.parse(asarText('package.json')) as Record<string, unknown>;
    expect(packed.main).toBe(pkg.main);
    expect(inAsar(pkg.main)).toBe(true);
    expect(packed).not.toHaveProperty('devDependencies');
    expect(packed).not.toHaveProperty('scripts');
    expect(packed.desktopName).toBe(pkg.desktopName);
  });

  it('app.asar holds every file the app loads: main and its chunks, preload, renderer and its assets', () => {
    const main = asarText('out/main/index.js');
    for (const [, chunk] of main.matchAll(/from "\.\/(chunks\/[^"]+)"/g)) expect(inAsar(`out/main/${chunk}`), chunk).toBe(true);
    // Bare imports of the main bundle and its chunks resolve to a production dependency in the asar.
    const mainFiles = entries.filter((e) => e.startsWith('out/main/') && e.endsWith('.js'));
    const bare = new Set(mainFiles.flatMap((f) => [...asarText(f).matchAll(/^import\s(?:[^"]*?\sfrom\s)?"([^"]+)"/gm)].map((m) => m[1]!)));
    expect(bare).toContain('ws');
    for (const spec of bare) {
      if (spec.startsWith('.') || spec.startsWith('node:') || spec === 'electron') continue;
      const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
      expect(inAsar(`node_modules/${name}/package.json`), spec).toBe(true);
    }
    expect(inAsar('out/preload/index.cjs')).toBe(true);
    const html = asarText('out/renderer/index.html');
    const assets = [...html.matchAll(/(?:src|href)="\.?\/?(assets\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThan(0);
    for (const asset of assets) expect(inAsar(`out/renderer/${asset}`), asset).toBe(true);
    // Lazily loaded route chunks are there too: every built renderer file made it in.
    const built = readdirSync(join(root, 'out/renderer/assets')).filter((f) => !f.endsWith('.map'));
    for (const file of built) expect(inAsar(`out/renderer/assets/${file}`), file).toBe(true);
  });

  it('app.asar holds nothing else: no sources, tests, docs, maps, type files, web host or devDependencies', () => {
    expect(new Set(entries.map((e) => e.split('/')[0]))).toEqual(new Set(['out', 'node_modules', 'package.json']));
    expect(new Set(entries.filter((e) => e.startsWith('out/')).map((e) => e.split('/')[1]))).toEqual(new Set(['main', 'preload', 'renderer']));
    expect(entries.filter((e) => /(^|\/)(src-main|src-renderer|tests)(\/|$)|\.map$|\.(ts|mts|cts|vue)$/.test(e))).toEqual([]);
    expect(inAsar('out/main/serve.js')).toBe(false);
    const modules = new Set(entries.filter((e) => /(^|\/)node_modules\/(@[^/]+\/)?[^/@]+$/.test(e)).map((e) => e.replace(/^.*node_modules\//, '')));
    for (const dep of Object.keys(pkg.dependencies)) expect(modules.has(dep), dep).toBe(true);
    expect(Object.keys(pkg.devDependencies).filter((dev) => modules.has(dev))).toEqual([]);
  });

  it(`app.asar stays within its size budget (${ASAR_BUDGET_BYTES} bytes)`, () => {
    const size = statSync(asarPath).size;
    console.log(`app.asar: ${size} bytes (budget ${ASAR_BUDGET_BYTES})`);
    expect(size).toBeLessThanOrEqual(ASAR_BUDGET_BYTES);
  });

  it('sounds, icon and tray images sit outside the asar where the packaged app looks for them', () => {
    const extra = join(unpacked, 'resources', 'resources');
    expect(readdirSync(extra, { recursive: true }).map(String).sort()).toEqual(['icon.png', 'sounds', ...readdirSync(join(root, 'resources/sounds')).map((s) => `sounds/${s}`), 'tray-alert.png', 'tray.png'].sort());
    for (const file of ['icon.png', 'tray.png', 'sounds/critical.wav']) expect(readFileSync(join(extra, file)).equals(readFileSync(join(root, 'resources', file))), file).toBe(true);

    // The paths the desktop host computes when packaged point at files of this package.
    const paths = appPaths({ packaged: true, platform: 'linux', resourcesPath: join(unpacked, 'resources'), mainDir: join(asarPath, 'out', 'main') });
    const asarRelative = (p: string): string => p.slice(asarPath.length + 1);
    expect(inAsar(asarRelative(paths.preload))).toBe(true);
    expect(inAsar(`${asarRelative(paths.renderer)}/index.html`)).toBe(true);
    for (const file of [paths.icon, paths.tray.ok, paths.tray.alert, join(paths.resources, 'sounds', 'critical.wav')]) expect(existsSync(file), file).toBe(true);
  });

  it('the .desktop entry names the app, its icon, categories and the WM class Electron gives its windows', () => {
    expect(desktop.file).toBe(pkg.desktopName);
    expect(desktop.entry).toMatchObject({
      Name: 'Ops Console',
      Type: 'Application',
      Terminal: 'false',
      Icon: 'ops-console',
      Exec: '"/opt/Ops Console/ops-console" %U',
      // Electron takes its Linux app id / WM class from package.json desktopName.
      StartupWMClass: pkg.desktopName.replace(/\.desktop$/, ''),
    });
    expect(desktop.entry.Categories!.split(';')).toEqual(expect.arrayContaining(['Network', 'Monitor']));
    expect(iconSizes).toEqual(expect.arrayContaining([16, 24, 32, 48, 64, 128, 256, 512]));
  });

  it('the fuses are configured, and electron-builder flipped them in the executable', async () => {
    const wanted = {
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableCookieEncryption: true,
      onlyLoadAppFromAsar: true,
      enableEmbeddedAsarIntegrityValidation: true,
      grantFileProtocolExtraPrivileges: false,
    };
    expect(effective.electronFuses).toEqual(wanted);
    const wire = await getCurrentFuseWire(join(unpacked, 'ops-console'));
    const on = 49;
    const off = 48;
    expect({
      runAsNode: wire[FuseV1Options.RunAsNode],
      enableNodeOptionsEnvironmentVariable: wire[FuseV1Options.EnableNodeOptionsEnvironmentVariable],
      enableNodeCliInspectArguments: wire[FuseV1Options.EnableNodeCliInspectArguments],
      enableCookieEncryption: wire[FuseV1Options.EnableCookieEncryption],
      onlyLoadAppFromAsar: wire[FuseV1Options.OnlyLoadAppFromAsar],
      enableEmbeddedAsarIntegrityValidation: wire[FuseV1Options.EnableEmbeddedAsarIntegrityValidation],
      grantFileProtocolExtraPrivileges: wire[FuseV1Options.GrantFileProtocolExtraPrivileges],
    }).toEqual(Object.fromEntries(Object.entries(wanted).map(([k, v]) => [k, v ? on : off])));
    // The fuse it does not set keeps Electron's value.
    expect(wire[FuseV1Options.LoadBrowserProcessSpecificV8Snapshot]).toBe(SHIPPED_FUSE_WIRE.charCodeAt(FuseV1Options.LoadBrowserProcessSpecificV8Snapshot));
  });

  it('the installers: AppImage, deb and tar.gz; per-machine NSIS; dmg (and the zip updates use); asar on', () => {
    const targets = (t: unknown): string[] => (Array.isArray(t) ? t.map((x) => (typeof x === 'string' ? x : (x as { target: string }).target)) : []);
    expect(targets(effective.linux?.target)).toEqual(['AppImage', 'deb', 'tar.gz']);
    expect(targets(effective.win?.target)).toEqual(['nsis']);
    expect(effective.nsis?.perMachine).toBe(true);
    expect(targets(effective.mac?.target)).toEqual(['dmg', 'zip']);
    expect(effective.asar).toBe(true);
    expect(effective.appId).toBe('br.noc.opsconsole');
  });
});
