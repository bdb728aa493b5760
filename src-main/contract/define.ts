import type { z } from 'zod';

/** A request → response call from the renderer (or any bridge client) to main. */
export interface CommandSpec<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  readonly input: I;
  readonly output: O;
  /** Refused unless an admin session is unlocked (see docs/bridge.md). */
  readonly privileged?: boolean;
  readonly summary: string;
}

/**
 * How a channel crosses the bridge. `lossless` never drops (state, alerts, command results);
 * `bounded` keeps the newest `capacity` events per flush window and counts what it dropped.
 */
export type DeliveryPolicy = { readonly kind: 'lossless' } | { readonly kind: 'bounded'; readonly capacity: number };

export interface ChannelSpec<S extends z.ZodType = z.ZodType> {
  readonly schema: S;
  readonly policy: DeliveryPolicy;
  readonly summary: string;
}

export const command = <I extends z.ZodType, O extends z.ZodType>(spec: CommandSpec<I, O>): CommandSpec<I, O> => spec;
export const channel = <S extends z.ZodType>(spec: ChannelSpec<S>): ChannelSpec<S> => spec;
export const lossless: DeliveryPolicy = { kind: 'lossless' };
export const bounded = (capacity: number): DeliveryPolicy => ({ kind: 'bounded', capacity });
