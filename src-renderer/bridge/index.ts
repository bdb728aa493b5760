import { createBridge, type Bridge } from './client';

let instance: Bridge | null = null;

/** The app-wide bridge, created on first use. */
export function useBridge(): Bridge {
  return (instance ??= createBridge());
}

export { BridgeCallError } from './client';
export type { Bridge } from './client';
