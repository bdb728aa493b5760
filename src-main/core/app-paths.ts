import { posix, win32 } from 'node:path';

/**
 * Where the desktop host finds its files, as a host-free decision (unit-tested; the pack test in
 * tests/pack/ checks a packaged build has a file at every path this returns).
 *
 * Packaged (electron-builder.yml): the bundles live inside `<resourcesPath>/app.asar/out/`, so
 * they are found next to the running main bundle; sounds, icons and tray images are
 * `extraResources` outside the asar, in `<resourcesPath>/resources/` (the OS reads tray and
 * window icons from real files, and the app:// protocol serves the sounds from there).
 * In development (`npm start`, the Electron e2e suite) everything sits in the checkout:
 * `out/{main,preload,renderer}` and `resources/` next to `out/`.
 */
export interface AppPathsInput {
  /** `app.isPackaged`. */
  packaged: boolean;
  /** `process.platform`: decides the path flavour (a Windows install uses `\`). */
  platform: NodeJS.Platform;
  /** `process.resourcesPath` (Electron's, e.g. `/opt/Ops Console/resources`). */
  resourcesPath: string;
  /** The folder of the running main bundle (`out/main`, inside the asar when packaged). */
  mainDir: string;
}

export interface AppPaths {
  /** Folder with icon.png, tray.png, tray-alert.png and sounds/. */
  resources: string;
  /** Folder the app:// protocol serves the renderer from (holds index.html). */
  renderer: string;
  /** The sandboxed preload script. */
  preload: string;
  icon: string;
  tray: { ok: string; alert: string };
}

export function appPaths(input: AppPathsInput): AppPaths {
  const path = input.platform === 'win32' ? win32 : posix;
  const outDir = path.join(input.mainDir, '..');
  const resources = input.packaged ? path.join(input.resourcesPath, 'resources') : path.join(outDir, '..', 'resources');
  return {
    resources,
    renderer: path.join(outDir, 'renderer'),
    preload: path.join(outDir, 'preload', 'index.cjs'),
    icon: path.join(resources, 'icon.png'),
    tray: { ok: path.join(resources, 'tray.png'), alert: path.join(resources, 'tray-alert.png') },
  };
}
