import { randomInt } from 'node:crypto';
import type { WallboardState } from '../../contract/dashboard';
import type { CoreContext, ModuleFactory } from '../../core/context';
import { DisposableStore } from '../../core/disposable';
import { linkGuard } from '../../core/lifecycle';
import { BoardStore } from './boards';
import { DASHBOARD_TOKEN, DashboardChannel } from './channel';
import { registerDashboardCommands } from './commands';
import { HealthCounters } from './health';
import { DashboardMessages, type Origin } from './messages';

/**
 * Seed 004's dashboard channel (Django Channels, `ws/dashboard_control/`). This file only
 * wires the parts together (the connector template, docs/architecture.md): the socket under
 * the shared lifecycle (`channel.ts`), validation and handling of each message
 * (`messages.ts`, wire schemas in `wire.ts`, alert mapping in `alerts.ts`), the latest board
 * of each view with its persistence (`boards.ts`), the bad-input counters (`health.ts`) and
 * the commands (`commands.ts`).
 */

export { alertViews } from './alerts';
export { computeCounters } from './wire';

export const makeClientId = (): string => `Kiosk-${Array.from({ length: 5 }, () => 'ABCDEFGHIJKLMNPQRSTUVWXYZ'[randomInt(25)]).join('')}`;

export interface DashboardConnector {
  state(): WallboardState;
  /** Run a parsed message through validation and handling (the socket, the test panel, tests). */
  ingest(raw: unknown, origin?: Origin): void;
}

export const dashboardModule: ModuleFactory = (ctx) => createDashboardConnector(ctx).module;

export function createDashboardConnector(ctx: CoreContext) {
  const owned = new DisposableStore();
  const settings = () => ctx.effective().upstreams.dashboard;
  const clientId = () => ctx.settings.get().upstreams.dashboard.clientId;
  const setClientId = (id: string) => ctx.settings.patch((s) => ({ ...s, upstreams: { ...s.upstreams, dashboard: { ...s.upstreams.dashboard, clientId: id } } }));
  const ensureClientId = () => void (clientId() || setClientId(makeClientId()));
  // A throw in a part's timer restarts the link and is alerted, never ends the process.
  const guard = linkGuard(() => ctx.links.get('dashboard'));

  const boards = new BoardStore({ storage: ctx.storage, guard });
  const health = new HealthCounters({ guard, publish: (h) => ctx.hub.publish('dashboard.health', h) });
  // The two call each other only once running (a frame in, a count out), never while built.
  const messages = new DashboardMessages({ ctx, boards, health, link: { event: () => channel.event(), error: (m) => channel.error(m) }, url: () => settings().url });
  const channel = new DashboardChannel({ ctx, settings, clientId, onText: (text) => messages.receive(text) });

  const state = (): WallboardState => ({ clientId: clientId(), ...boards.current(), health: health.snapshot(), lastSwitch: messages.lastRemoteSwitch });

  const module = {
    name: 'dashboard',
    start() {
      ensureClientId();
      // Disposed newest first on stop: listeners, commands, then the link, counters and boards (written once more).
      owned.add(boards);
      owned.add(health);
      owned.add(channel.link);
      registerDashboardCommands(ctx.commands.ownedBy(owned), { ctx, channel, messages, state, setClientId });
      owned.defer(
        ctx.settings.onChange((next, previous) => {
          const a = next.upstreams.dashboard;
          const b = previous.upstreams.dashboard;
          if (a.url === b.url && a.enabled === b.enabled && a.clientId === b.clientId) return;
          if (!a.clientId) return ensureClientId();
          channel.link.apply();
        }),
      );
      owned.defer(ctx.secrets.onChange((name) => name === DASHBOARD_TOKEN && channel.link.credentialsChanged()));
      channel.link.apply();
    },
    stop() {
      owned.dispose();
    },
  };
  return { module, connector: { state, ingest: (raw, origin) => messages.ingest(raw, origin) } satisfies DashboardConnector };
}
