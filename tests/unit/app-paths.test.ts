import { describe, expect, it } from 'vitest';
import { appPaths } from '../../src-main/core/app-paths';

// Where an installed console finds its preload, renderer, icons and sounds: the layout
// electron-builder.yml produces (tests/pack/ checks a real pack has a file at each of these).
describe('app paths', () => {
  it('packaged on Linux (/opt install or AppImage mount): bundles in the asar, resources next to it', () => {
    const paths = appPaths({ packaged: true, platform: 'linux', resourcesPath: '/opt/Ops Console/resources', mainDir: '/opt/Ops Console/resources/app.asar/out/main' });
    expect(paths).toEqual({
      resources: '/opt/Ops Console/resources/resources',
      renderer: '/opt/Ops Console/resources/app.asar/out/renderer',
      preload: '/opt/Ops Console/resources/app.asar/out/preload/index.cjs',
      icon: '/opt/Ops Console/resources/resources/icon.png',
      tray: { ok: '/opt/Ops Console/resources/resources/tray.png', alert: '/opt/Ops Console/resources/resources/tray-alert.png' },
    });
  });

  it('packaged on Windows (per-machine NSIS install): Windows paths, resources under resources\\resources', () => {
    const base = 'C:\\Program Files\\Ops Console\\resources';
    const paths = appPaths({ packaged: true, platform: 'win32', resourcesPath: base, mainDir: `${base}\\app.asar\\out\\main` });
    expect(paths.resources).toBe(`${base}\\resources`);
    expect(paths.renderer).toBe(`${base}\\app.asar\\out\\renderer`);
    expect(paths.preload).toBe(`${base}\\app.asar\\out\\preload\\index.cjs`);
    expect(paths.tray.alert).toBe(`${base}\\resources\\tray-alert.png`);
  });

  it('packaged on macOS: inside the bundle\'s Contents/Resources', () => {
    const base = '/Applications/Ops Console.app/Contents/Resources';
    const paths = appPaths({ packaged: true, platform: 'darwin', resourcesPath: base, mainDir: `${base}/app.asar/out/main` });
    expect(paths.resources).toBe(`${base}/resources`);
    expect(paths.preload).toBe(`${base}/app.asar/out/preload/index.cjs`);
    expect(paths.icon).toBe(`${base}/resources/icon.png`);
  });

  it('in development the resources are the checkout\'s, not Electron\'s own resources folder', () => {
    // process.resourcesPath then points into node_modules/electron/dist: never used.
    const paths = appPaths({ packaged: false, platform: 'linux', resourcesPath: '/src/node_modules/electron/dist/resources', mainDir: '/src/out/main' });
    expect(paths).toEqual({
      resources: '/src/resources',
      renderer: '/src/out/renderer',
      preload: '/src/out/preload/index.cjs',
      icon: '/src/resources/icon.png',
      tray: { ok: '/src/resources/tray.png', alert: '/src/resources/tray-alert.png' },
    });
  });

  it('in development on Windows', () => {
    const paths = appPaths({ packaged: false, platform: 'win32', resourcesPath: 'C:\\src\\node_modules\\electron\\dist\\resources', mainDir: 'C:\\src\\out\\main' });
    expect(paths.resources).toBe('C:\\src\\resources');
    expect(paths.preload).toBe('C:\\src\\out\\preload\\index.cjs');
  });
});
