import { randomUUID } from 'node:crypto';
import type { RawData, WebSocket } from 'ws';
import { channels, ClientMessage, isChannelName, type CallResult, type ChannelName, type HostMessage } from '../contract';
import type { BridgeError } from '../contract/wire';
import type { Core } from '../core/app-core';
import { checkJsonText, describeJsonBreach, JSON_LIMITS } from '../core/json-limits';

/** Bytes queued on a socket before bounded channels start dropping for that client. */
const congestedBytes = 4 * 1024 * 1024;

export interface SessionCounters {
  /** A frame refused before dispatch (binary, too deep, too long, not JSON, not a ClientMessage). */
  badFrame(): void;
  /** Something threw where it never should: answered `internal`, counted, logged. */
  internal(where: string, error: unknown): void;
}

/**
 * One bridge client: frames in → dispatch → results out, hub batches out. Every frame is
 * checked (kind, nesting depth, string length, shape) before it is parsed into a
 * `ClientMessage`, and nothing a frame or a handler does escapes this function.
 */
export function openSession(core: Core, ws: WebSocket, trusted: boolean, counters: SessionCounters): void {
  const caller = { host: 'web' as const, trusted, session: randomUUID() };
  const send = (message: HostMessage) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
  };
  const outlet = core.hub.openOutlet({
    channels: [],
    send: (batch) => send({ t: 'batch', ...batch }),
    writable: () => ws.bufferedAmount < congestedBytes,
  });
  send({ t: 'hello', protocol: 1, channels: Object.keys(channels) });

  const refuse = (message: string, id?: number) => {
    counters.badFrame();
    const error: BridgeError = { code: 'invalid-argument', message: `bad bridge message: ${message}` };
    // A call with a usable id gets its answer, so the caller's promise settles.
    send(id === undefined ? { t: 'error', error } : { t: 'result', id, ok: false, error });
  };

  const handle = async (data: RawData, isBinary: boolean): Promise<void> => {
    if (isBinary) return refuse('binary frames are not accepted; send JSON text');
    const text = Array.isArray(data) ? Buffer.concat(data).toString() : Buffer.from(data as Buffer).toString();
    const breach = checkJsonText(text, JSON_LIMITS.bridge);
    if (breach) return refuse(describeJsonBreach(breach));
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      return refuse('not JSON');
    }
    const parsed = ClientMessage.safeParse(raw);
    if (!parsed.success) {
      const id = (raw as { t?: unknown; id?: unknown } | null)?.id;
      return refuse(parsed.error.issues[0]?.message ?? 'not a bridge message', (raw as { t?: unknown })?.t === 'call' && Number.isSafeInteger(id) ? (id as number) : undefined);
    }
    const message = parsed.data;
    if (message.t === 'sub') {
      const wanted = message.channels === '*' ? '*' : message.channels.filter(isChannelName);
      return outlet.subscribe(wanted as ChannelName[] | '*');
    }
    let result: CallResult;
    try {
      result = await core.commands.dispatch(message.cmd, message.args, caller);
    } catch (error) {
      counters.internal(`bridge command ${message.cmd.slice(0, 80)}`, error);
      result = { ok: false, error: { code: 'internal', message: 'the command failed inside the console; see the log' } };
    }
    send({ t: 'result', id: message.id, ...result });
  };

  ws.on('message', (data, isBinary) => {
    handle(data, isBinary).catch((error: unknown) => counters.internal('bridge frame', error));
  });
  ws.on('close', () => outlet.close());
  ws.on('error', () => outlet.close());
}
