import { ref, type Ref } from 'vue';
import type { CallResult, ChannelData, ChannelName, CommandInput, CommandName, CommandOutput, EventBatch, HostMessage } from '../../src-main/contract';
import type { BridgeError } from '../../src-main/contract/wire';

/** A command failed: the typed error main sent back (code, message, field issues). */
export class BridgeCallError extends Error {
  constructor(readonly error: BridgeError) {
    super(error.message);
  }
}

type BatchListener = (items: unknown[]) => void;

/** What the renderer's stores use; the renderer never knows which host it talks to. */
export interface Bridge {
  call<N extends CommandName>(cmd: N, args?: CommandInput<N>): Promise<CommandOutput<N>>;
  /** Items arrive in arrays: one call per channel per batch (stores update in bulk). */
  on<C extends ChannelName>(ch: C, listener: (items: ChannelData<C>[]) => void): () => void;
  /** Called after the bridge (re)connects, so stores can fetch fresh snapshots. */
  onConnect(listener: () => void): () => void;
  readonly connected: Ref<boolean>;
  /** Events dropped on bounded channels (counted in main, shown in the status bar). */
  readonly drops: Ref<Record<string, number>>;
  readonly transport: 'ipc' | 'websocket';
  /** Every failed call, whoever made it (the admin store offers the first-run PIN on `pin-required`). */
  onCallError(listener: (cmd: CommandName, error: BridgeError) => void): () => void;
}

interface Transport {
  call(cmd: string, args: unknown): Promise<CallResult>;
  subscribe(channels: string[]): void;
}

export function createBridge(): Bridge {
  const listeners = new Map<string, Set<BatchListener>>();
  const connectListeners = new Set<() => void>();
  const errorListeners = new Set<(cmd: CommandName, error: BridgeError) => void>();
  const connected = ref(false);
  const drops = ref<Record<string, number>>({});

  const deliver = (batch: EventBatch) => {
    const grouped = new Map<string, unknown[]>();
    for (const { ch, data } of batch.events) {
      let list = grouped.get(ch);
      if (!list) grouped.set(ch, (list = []));
      list.push(data);
    }
    for (const [ch, items] of grouped) for (const listener of listeners.get(ch) ?? []) listener(items);
    if (batch.drops) {
      const next = { ...drops.value };
      for (const [ch, n] of Object.entries(batch.drops)) next[ch] = (next[ch] ?? 0) + n;
      drops.value = next;
    }
  };
  const onConnected = () => {
    connected.value = true;
    transport.subscribe([...listeners.keys()]);
    for (const listener of connectListeners) listener();
  };

  const ipc = window.opsBridge;
  const transport: Transport = ipc ? ipcTransport(ipc, deliver, onConnected) : socketTransport(deliver, onConnected, () => (connected.value = false));

  return {
    transport: ipc ? 'ipc' : 'websocket',
    connected,
    drops,
    async call(cmd, args) {
      const result = await transport.call(cmd, args ?? {});
      if (!result.ok) {
        for (const listener of errorListeners) listener(cmd, result.error);
        throw new BridgeCallError(result.error);
      }
      return result.value as never;
    },
    on(ch, listener) {
      let set = listeners.get(ch);
      const isNew = !set;
      if (!set) listeners.set(ch, (set = new Set()));
      set.add(listener as BatchListener);
      if (isNew && connected.value) transport.subscribe([...listeners.keys()]);
      return () => set.delete(listener as BatchListener);
    },
    onConnect(listener) {
      connectListeners.add(listener);
      if (connected.value) listener();
      return () => connectListeners.delete(listener);
    },
    onCallError(listener) {
      errorListeners.add(listener);
      return () => errorListeners.delete(listener);
    },
  };
}

function ipcTransport(ipc: OpsBridgeIpc, deliver: (b: EventBatch) => void, onConnected: () => void): Transport {
  ipc.onBatch((batch) => deliver(batch as EventBatch));
  queueMicrotask(onConnected);
  return {
    call: (cmd, args) => ipc.call(cmd, args) as Promise<CallResult>,
    subscribe: (channels) => ipc.subscribe(channels),
  };
}

/** The web host's `/bridge` socket, reconnecting with backoff; calls wait for the socket. */
function socketTransport(deliver: (b: EventBatch) => void, onConnected: () => void, onDisconnected: () => void): Transport {
  let ws: WebSocket | null = null;
  let nextId = 1;
  let attempt = 0;
  const pending = new Map<number, (r: CallResult) => void>();
  const queued: string[] = [];
  const url = new URL('bridge', location.href);
  url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  // Off loopback the host's HttpOnly cookie (set when the page traded its `?token=`) authorizes the socket.

  const open = () => {
    const socket = new WebSocket(url);
    ws = socket;
    socket.onopen = () => {
      attempt = 0;
      for (const message of queued.splice(0)) socket.send(message);
    };
    socket.onmessage = (event) => {
      const message = JSON.parse(String(event.data)) as HostMessage;
      if (message.t === 'hello') onConnected();
      else if (message.t === 'batch') deliver(message);
      else if (message.t === 'result') {
        const { t: _t, id, ...result } = message;
        pending.get(id)?.(result as CallResult);
        pending.delete(id);
      } else console.warn('bridge error', message.error);
    };
    socket.onclose = () => {
      ws = null;
      onDisconnected();
      for (const resolve of pending.values()) resolve({ ok: false, error: { code: 'unavailable', message: 'connection to the console host was lost' } });
      pending.clear();
      const delay = Math.min(10_000, 500 * 2 ** attempt++) * (0.5 + Math.random() / 2);
      setTimeout(open, delay);
    };
  };
  const send = (message: object) => {
    const text = JSON.stringify(message);
    if (ws?.readyState === WebSocket.OPEN) ws.send(text);
    else queued.push(text);
  };
  open();
  return {
    call: (cmd, args) =>
      new Promise((resolve) => {
        const id = nextId++;
        pending.set(id, resolve);
        send({ t: 'call', id, cmd, args });
      }),
    subscribe: (channels) => send({ t: 'sub', channels }),
  };
}
