import { wallboardViews, type WallboardState } from '../../contract/dashboard';
import { CommandError, type CommandHandles } from '../../core/commands';
import type { CoreContext } from '../../core/context';
import type { DashboardChannel } from './channel';
import type { DashboardMessages } from './messages';

/** The dashboard's commands; the channel's "not connected" becomes the caller's `unavailable` here. */
export function registerDashboardCommands(
  commands: CommandHandles,
  deps: { ctx: Pick<CoreContext, 'journal'>; channel: DashboardChannel; messages: DashboardMessages; state(): WallboardState; setClientId(id: string): void },
): void {
  const send = (message: object) => {
    if (!deps.channel.send(message)) throw new CommandError('unavailable', 'the dashboard channel is not connected');
  };
  commands.handle('dashboard.state', () => deps.state());
  commands.handle('dashboard.requestData', ({ view }) => {
    for (const v of view === 'all' ? wallboardViews : [view]) send({ type: 'request_data', view: v });
    return { ok: true as const };
  });
  commands.handle('dashboard.remoteSwitch', ({ target }) => {
    send({ type: 'remote_switch', target });
    deps.ctx.journal.record({ upstream: 'dashboard', type: 'remote_switch.sent', level: 'info', ids: {}, summary: `remote switch sent → ${target}`, raw: { target } });
    return { ok: true as const };
  });
  commands.handle('dashboard.setClientId', ({ clientId }) => (deps.setClientId(clientId), { clientId }));
  commands.handle('dashboard.simulate', ({ message }) => (deps.messages.ingest(message, 'simulated'), { ok: true as const }));
}
