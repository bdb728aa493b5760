import type { ModuleFactory } from './context';
import { adminModule } from '../admin';
import { alertsModule } from './alerts';
import { kioskModule } from './kiosk';
import { dashboardModule } from '../upstreams/dashboard';
import { rpaLogsModule } from '../upstreams/rpa-logs';
import { keywordHubModule } from '../upstreams/keyword-hub';
import { integrationsModule } from '../integrations/module';
import { evolutionModule } from '../upstreams/evolution';
import { updatesModule } from './updates';

/** Every upstream connector and integration, started in this order. */
export const allModules: readonly ModuleFactory[] = [adminModule, alertsModule, kioskModule, dashboardModule, rpaLogsModule, keywordHubModule, evolutionModule, integrationsModule, updatesModule];
