import { adminModule } from './admin';
import { createCore, type Core, type CoreOptions } from './core/app-core';
import { alertsModule } from './core/alerts';
import type { ModuleFactory } from './core/context';
import { kioskModule } from './core/kiosk';
import { updatesModule } from './core/updates';
import { startDemo } from './demo';
import { integrationsModule } from './integrations/module';
import { dashboardModule } from './upstreams/dashboard';
import { evolutionModule } from './upstreams/evolution';
import { keywordHubModule } from './upstreams/keyword-hub';
import { rpaLogsModule } from './upstreams/rpa-logs';

/**
 * The composition: the one file (with the two hosts) that knows every module and the demo
 * simulators. Layers point one way — contract ← core ← upstreams / integrations / admin ←
 * composition and hosts — and `npm run lint` enforces it (eslint-rules/layers.js).
 */

/** Every upstream connector and integration, started in this order (stopped in reverse). */
export const allModules: readonly ModuleFactory[] = [adminModule, alertsModule, kioskModule, dashboardModule, rpaLogsModule, keywordHubModule, evolutionModule, integrationsModule, updatesModule];

/** The console's core with every module and, when demo mode is wanted, the simulators. */
export function createConsole(options: Omit<CoreOptions, 'modules' | 'startDemo'> & { modules?: readonly ModuleFactory[] }): Promise<Core> {
  return createCore({ modules: allModules, ...options, startDemo });
}
