import { app, Menu, Tray, nativeImage } from 'electron';
import type { UpstreamStatus } from '../contract';
import type { Core } from '../core/app-core';
import { trayLocale, trayText } from '../core/tray-text';

/** Tray icon whose tooltip and image say at a glance whether every upstream is up. */
export function createTray(core: Core, icons: { ok: string; alert: string }, showWindow: () => void, quit: () => void): Tray {
  const tray = new Tray(nativeImage.createFromPath(icons.ok));
  tray.on('click', showWindow);
  const latest = new Map<string, UpstreamStatus>();
  let menuLocale = '';
  const refresh = () => {
    const locale = trayLocale(core.ctx.settings.get().language, app.getLocale());
    const text = trayText(locale, latest.values());
    if (locale !== menuLocale) {
      menuLocale = locale;
      tray.setContextMenu(Menu.buildFromTemplate([{ label: text.show, click: showWindow }, { type: 'separator' }, { label: text.quit, click: quit }]));
    }
    tray.setImage(nativeImage.createFromPath(text.alert ? icons.alert : icons.ok));
    tray.setToolTip(text.tooltip);
  };
  for (const status of core.ctx.links.list()) latest.set(`${status.id}/${status.link ?? ''}`, status);
  core.hub.on('connections.status', (status) => {
    latest.set(`${status.id}/${status.link ?? ''}`, status);
    refresh();
  });
  core.hub.on('settings.changed', refresh);
  refresh();
  return tray;
}
