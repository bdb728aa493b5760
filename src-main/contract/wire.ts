import { z } from 'zod';

/** Typed failure of a command, identical over IPC and the web bridge. */
/**
 * `pin-required`: a privileged command while no admin PIN is set yet — the caller should offer
 * to set the first PIN (`admin.setPin`, the only privileged command allowed then).
 */
export const errorCodes = ['invalid-argument', 'unknown-command', 'forbidden', 'pin-required', 'unavailable', 'timeout', 'conflict', 'internal'] as const;
export const BridgeError = z.object({
  code: z.enum(errorCodes),
  message: z.string(),
  /** Field-level problems for `invalid-argument`: path → message. */
  issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});
export type BridgeError = z.infer<typeof BridgeError>;

export type CallResult<T = unknown> = { ok: true; value: T } | { ok: false; error: BridgeError };

/** Events cross the bridge in batches: per channel, in publish order, plus what was dropped. */
export interface EventBatch {
  events: Array<{ ch: string; data: unknown }>;
  /** Events dropped on bounded channels since the previous batch. */
  drops?: Record<string, number>;
}

/** Web bridge messages (client → host). */
export const ClientMessage = z.discriminatedUnion('t', [
  z.object({ t: z.literal('call'), id: z.number().int(), cmd: z.string(), args: z.unknown().optional() }),
  z.object({ t: z.literal('sub'), channels: z.array(z.string()).or(z.literal('*')) }),
]);
export type ClientMessage = z.infer<typeof ClientMessage>;

/** Web bridge messages (host → client). */
export type HostMessage =
  | { t: 'hello'; protocol: 1; channels: string[] }
  | ({ t: 'result'; id: number } & CallResult)
  | ({ t: 'batch' } & EventBatch)
  | { t: 'error'; error: BridgeError };
