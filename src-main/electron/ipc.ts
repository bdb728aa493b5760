import { ipcMain, type IpcMainEvent, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { isChannelName, type ChannelName } from '../contract';
import type { Core } from '../core/app-core';
import { dispatchGuarded } from '../core/bridge-call';
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

  const internal = (where: string) => (error: unknown) => {
    console.error(`ipc ${where} failed:`, error);
    try {
      core.ctx.journal.record({ upstream: 'console', type: 'host-error', level: 'error', ids: {}, summary: `ipc ${where} failed: ${error instanceof Error ? error.message : String(error)}`.slice(0, 500), raw: null });
    } catch {
      // Recording must not turn one failed call into a crash.
    }
  };

  ipcMain.handle('bridge:call', (event, cmd: unknown, args: unknown) => {
    if (!trustedSender(event)) return { ok: false, error: { code: 'forbidden', message: 'untrusted sender' } };
    // Same edge limits as the web bridge; never rejects (docs/security.md).
    return dispatchGuarded(core.commands, cmd, args, { host: 'electron', trusted: true, session: `window-${event.sender.id}` }, internal(`bridge:call ${String(cmd).slice(0, 80)}`));
  });

  ipcMain.on('bridge:subscribe', (event, list: unknown) => {
    try {
      subscribe(event, list);
    } catch (error) {
      internal('bridge:subscribe')(error);
    }
  });

  const subscribe = (event: IpcMainEvent, list: unknown) => {
    if (!trustedSender(event)) return;
    if (Array.isArray(list) && list.length > 1_000) return;
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
  };
}
