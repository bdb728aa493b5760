import type { ModuleFactory } from './context';

/** Every upstream connector and integration, started in this order. */
export const allModules: readonly ModuleFactory[] = [];
