/// <reference types="vite/client" />

declare module '*.vue' {
  import type { DefineComponent } from 'vue';
  const component: DefineComponent<object, object, unknown>;
  export default component;
}

/** What the Electron preload exposes; absent in a browser (the web host's bridge socket is used). */
interface OpsBridgeIpc {
  call(cmd: string, args: unknown): Promise<unknown>;
  subscribe(channels: string[] | '*'): void;
  onBatch(listener: (batch: unknown) => void): () => void;
}

interface Window {
  opsBridge?: OpsBridgeIpc;
}
