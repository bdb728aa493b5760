import { app, powerSaveBlocker, screen, type BrowserWindow } from 'electron';
import type { Core } from '../core/app-core';
import { writeXdgAutostart } from '../core/kiosk';
import { createConsoleWindow } from './windows';

/**
 * Kiosk mode in the desktop host: one full-screen window per display (each with its own
 * playlist, `/kiosk?display=N`), cursor hidden, screen kept awake, re-laid out when displays
 * come and go. Leaving needs the admin PIN (checked in main by `kiosk.exit`).
 */
export interface KioskHost {
  stop(): void;
}

export const wantsKiosk = (core: Core): boolean => process.argv.includes('--kiosk') || core.ctx.settings.get().kiosk.enabled;

export function startKiosk(core: Core, options: { preload: string; icon: string; onExit(): void }): KioskHost {
  let windows: BrowserWindow[] = [];
  const blocker = powerSaveBlocker.start('prevent-display-sleep');
  const open = () => {
    for (const win of windows) if (!win.isDestroyed()) win.destroy();
    windows = screen.getAllDisplays().map((display, i) => {
      const win = createConsoleWindow({ preload: options.preload, icon: options.icon, route: `/kiosk?display=${i}`, kiosk: true, bounds: display.bounds });
      win.webContents.on('did-finish-load', () => void win.webContents.insertCSS('*, *::before, *::after { cursor: none !important; }'));
      return win;
    });
  };
  let relayout: NodeJS.Timeout | null = null;
  const onDisplays = () => {
    if (relayout) clearTimeout(relayout);
    relayout = setTimeout(open, 1_500);
  };
  screen.on('display-added', onDisplays);
  screen.on('display-removed', onDisplays);
  const stop = () => {
    if (relayout) clearTimeout(relayout);
    screen.off('display-added', onDisplays);
    screen.off('display-removed', onDisplays);
    if (powerSaveBlocker.isStarted(blocker)) powerSaveBlocker.stop(blocker);
    for (const win of windows) if (!win.isDestroyed()) win.destroy();
    windows = [];
    offExit();
  };
  const offExit = core.hub.on('kiosk.exited', () => {
    stop();
    options.onExit();
  });
  open();
  return { stop };
}

/** Start at login: login items on Windows/macOS, an XDG autostart entry on Linux. */
export function applyAutostart(core: Core): void {
  const apply = () => {
    const enabled = core.ctx.settings.get().kiosk.autostart;
    try {
      if (process.platform === 'win32' || process.platform === 'darwin') {
        app.setLoginItemSettings({ openAtLogin: enabled, args: ['--kiosk'] });
      } else {
        const exec = app.isPackaged ? [process.env.APPIMAGE ?? process.execPath, '--kiosk'] : [process.execPath, app.getAppPath(), '--kiosk'];
        writeXdgAutostart({ enabled, exec });
      }
    } catch (error) {
      core.ctx.warn(`autostart could not be ${enabled ? 'enabled' : 'disabled'}: ${(error as Error).message}`);
    }
  };
  apply();
  core.ctx.settings.onChange((next, previous) => next.kiosk.autostart !== previous.kiosk.autostart && apply());
}
