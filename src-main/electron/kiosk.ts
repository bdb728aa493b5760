import { app, powerSaveBlocker, screen } from 'electron';
import type { Core } from '../core/app-core';
import { autostartPlan, writeXdgAutostart } from '../core/kiosk';
import { KioskScreens, type KioskPlatform } from '../core/kiosk-screens';
import { createConsoleWindow } from './windows';

/**
 * Kiosk mode in the desktop host: Electron's displays, power blocker and windows plugged into
 * `core/kiosk-screens.ts`. The renderer hides an idle cursor (KioskView); leaving needs the
 * admin PIN (checked in main by `kiosk.exit`).
 */
export interface KioskHost {
  stop(): void;
}

export const wantsKiosk = (core: Core): boolean => process.argv.includes('--kiosk') || core.ctx.settings.get().kiosk.enabled;

interface KioskWindowOptions {
  preload: string;
  icon: string;
  externalHosts: () => ReadonlySet<string>;
  /** Alt+F4 or the window manager closing a kiosk window: false prevents it (the PIN prompt opens instead). */
  mayClose(): boolean;
}

function electronKioskPlatform(options: KioskWindowOptions): KioskPlatform {
  return {
    displays: () => screen.getAllDisplays().map((d) => ({ id: d.id, bounds: d.bounds })),
    onDisplaysChanged(listener) {
      const events = ['display-added', 'display-removed', 'display-metrics-changed'] as const;
      for (const e of events) screen.on(e as 'display-added', listener);
      return () => {
        for (const e of events) screen.off(e as 'display-added', listener);
      };
    },
    keepAwake() {
      const id = powerSaveBlocker.start('prevent-display-sleep');
      return () => powerSaveBlocker.isStarted(id) && powerSaveBlocker.stop(id);
    },
    openWindow(display, route) {
      const win = createConsoleWindow({ preload: options.preload, icon: options.icon, externalHosts: options.externalHosts, route, kiosk: true, bounds: display.bounds });
      // `destroy()` (below, when kiosk mode ends) emits no `close`: only a user's close lands here.
      win.on('close', (event) => !options.mayClose() && event.preventDefault());
      return { close: () => !win.isDestroyed() && win.destroy() };
    },
  };
}

export function startKiosk(core: Core, options: KioskWindowOptions & { onExit(): void }): KioskHost {
  const screens = new KioskScreens(electronKioskPlatform(options));
  const stop = () => {
    offExit();
    screens.stop();
  };
  const offExit = core.hub.on('kiosk.exited', () => {
    stop();
    options.onExit();
  });
  screens.start();
  return { stop };
}

/** Start at login, following the `kiosk.autostart` setting as an admin changes it. */
export function applyAutostart(core: Core): void {
  const apply = () => {
    const enabled = core.ctx.settings.get().kiosk.autostart;
    const plan = autostartPlan({ platform: process.platform, packaged: app.isPackaged, execPath: process.execPath, appPath: app.getAppPath(), appImage: process.env.APPIMAGE }, enabled);
    try {
      if (plan.kind === 'login-item') app.setLoginItemSettings({ openAtLogin: plan.openAtLogin, args: plan.args });
      else writeXdgAutostart({ enabled: plan.enabled, exec: plan.exec });
    } catch (error) {
      core.ctx.warn(`autostart could not be ${enabled ? 'enabled' : 'disabled'}: ${(error as Error).message}`);
    }
  };
  apply();
  core.ctx.settings.onChange((next, previous) => next.kiosk.autostart !== previous.kiosk.autostart && apply());
}
