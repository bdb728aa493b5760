import { ipcMain, type IpcMainEvent, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { isChannelName, type ChannelName } from '../contract';
import type { Core } from '../core/app-core';
import type { Outlet } from '../core/hub';
import { APP_ORIGIN } from './app-protocol';

/**
 * Electron's half of the bridge: the same generic dispatch as the web host, over IPC.
 * Every message is checked to come from a window of ours showing our own renderer.
 */
export function bindIpc(core: Core, isOurWindow: (contents: WebContents) => boolean): void {
  const outlets = new Map<number, Outlet>();
  const trustedSender = (event: IpcMainEvent | IpcMainInvokeEvent): boolean => {
    const frameUrl = event.senderFrame?.url ?? '';
    const devUrl = process.env.ELECTRON_RENDERER_URL;
    return isOurWindow(event.sender) && (frameUrl.startsWith(APP_ORIGIN) || (!!devUrl && frameUrl.startsWith(devUrl)));
  };

  ipcMain.handle('bridge:call', (event, cmd: unknown, args: unknown) => {
    if (!trustedSender(event)) return { ok: false, error: { code: 'forbidden', message: 'untrusted sender' } };
    return core.commands.dispatch(String(cmd), args, { host: 'electron', trusted: true, session: `window-${event.sender.id}` });
  });

  ipcMain.on('bridge:subscribe', (event, list: unknown) => {
    if (!trustedSender(event)) return;
    const contents = event.sender;
    const wanted = list === '*' ? '*' : Array.isArray(list) ? (list.filter((c) => typeof c === 'string' && isChannelName(c)) as ChannelName[]) : [];
    let outlet = outlets.get(contents.id);
    if (!outlet) {
      outlet = core.hub.openOutlet({
        channels: wanted,
        send: (batch) => !contents.isDestroyed() && contents.send('bridge:batch', batch),
      });
      outlets.set(contents.id, outlet);
      contents.once('destroyed', () => {
        outlets.get(contents.id)?.close();
        outlets.delete(contents.id);
      });
    } else outlet.subscribe(wanted);
  });
}
