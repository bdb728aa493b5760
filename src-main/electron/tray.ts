import { Menu, Tray, nativeImage } from 'electron';
import type { UpstreamStatus } from '../contract';
import type { Core } from '../core/app-core';

/** Tray icon whose tooltip and image say at a glance whether every upstream is up. */
export function createTray(core: Core, icons: { ok: string; alert: string }, showWindow: () => void, quit: () => void): Tray {
  const tray = new Tray(nativeImage.createFromPath(icons.ok));
  tray.setContextMenu(
    Menu.buildFromTemplate([
      { label: 'Show Ops Console', click: showWindow },
      { type: 'separator' },
      { label: 'Quit', click: quit },
    ]),
  );
  tray.on('click', showWindow);
  const latest = new Map<string, UpstreamStatus>();
  const refresh = () => {
    const down = [...latest.values()].filter((s) => s.state !== 'open' && s.state !== 'stopped' && s.state !== 'idle');
    tray.setImage(nativeImage.createFromPath(down.length ? icons.alert : icons.ok));
    tray.setToolTip(down.length ? `Ops Console — ${down.map((s) => `${s.id}: ${s.state}`).join(', ')}` : 'Ops Console — all connections up');
  };
  for (const status of core.ctx.links.list()) latest.set(`${status.id}/${status.link ?? ''}`, status);
  core.hub.on('connections.status', (status) => {
    latest.set(`${status.id}/${status.link ?? ''}`, status);
    refresh();
  });
  refresh();
  return tray;
}
