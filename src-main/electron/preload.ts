import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';

/**
 * The only thing the renderer gets: the contract's generic call and event batches.
 * No Node, no ipcRenderer, no channel names beyond these three.
 */
contextBridge.exposeInMainWorld('opsBridge', {
  call: (cmd: string, args: unknown): Promise<unknown> => ipcRenderer.invoke('bridge:call', cmd, args),
  subscribe: (channels: string[] | '*'): void => ipcRenderer.send('bridge:subscribe', channels),
  onBatch: (listener: (batch: unknown) => void): (() => void) => {
    const wrapped = (_event: IpcRendererEvent, batch: unknown) => listener(batch);
    ipcRenderer.on('bridge:batch', wrapped);
    return () => ipcRenderer.off('bridge:batch', wrapped);
  },
});
