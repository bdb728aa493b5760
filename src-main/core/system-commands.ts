import { SettingsError } from '../settings/settings-store';
import { CommandError } from './commands';
import type { CoreContext } from './context';
import type { DisposableStore } from './disposable';

/** Handlers for the foundation's commands: system info, connections, inspector, settings, secrets. */
export function registerSystemCommands(
  ctx: CoreContext,
  owner: DisposableStore,
  info: { version: string; demo: boolean; warnings: string[]; knownSecrets: readonly string[] },
): void {
  const { links, journal, settings, secrets } = ctx;
  const commands = ctx.commands.ownedBy(owner);
  commands.handle('system.info', () => ({
    version: info.version,
    host: ctx.host,
    demo: info.demo,
    platform: process.platform,
    secretBackend: secrets.backend,
    warnings: info.warnings,
  }));
  commands.handle('connections.list', () => links.list());
  commands.handle('connections.connect', ({ id, link }) => (links.require(id, link).connect(), { ok: true as const }));
  commands.handle('connections.disconnect', ({ id, link }) => (links.require(id, link).disconnect(), { ok: true as const }));
  commands.handle('connections.test', ({ id, link }) => links.test(id, link));
  commands.handle('inspector.recent', (filter) => journal.recent(filter));
  commands.handle('alerts.list', ({ includeClosed, limit }) => ctx.alerts.list(includeClosed, limit));
  commands.handle('alerts.acknowledge', ({ id, by }) => ctx.alerts.acknowledge(id, by));
  commands.handle('alerts.snooze', ({ id, minutes }) => ctx.alerts.snooze(id, minutes));
  commands.handle('alerts.mute', ({ minutes }) => ctx.alerts.mute(minutes));
  commands.handle('settings.get', () => settings.get());
  owner.defer(settings.onChange((next) => ctx.hub.publish('settings.changed', next)));
  commands.handle('settings.update', ({ settings: next }) => {
    try {
      return settings.update(next);
    } catch (error) {
      // Field-level problems go back as typed `invalid-argument` issues, not `internal`.
      if (error instanceof SettingsError) throw new CommandError('invalid-argument', error.message, error.issues);
      throw error;
    }
  });
  commands.handle('secrets.status', () => secrets.status(info.knownSecrets));
  commands.handle('secrets.set', ({ name, value }) => {
    if (!/^[a-zA-Z][\w.-]{1,80}$/.test(name)) throw new CommandError('invalid-argument', `bad secret name: ${name}`);
    const status = secrets.set(name, value.trim());
    journal.record({ upstream: 'console', type: 'secret.set', level: 'info', ids: {}, summary: `secret ${name} updated`, raw: { name } });
    return status;
  });
  commands.handle('secrets.clear', ({ name }) => {
    secrets.clear(name);
    journal.record({ upstream: 'console', type: 'secret.clear', level: 'info', ids: {}, summary: `secret ${name} removed`, raw: { name } });
    return { ok: true as const };
  });
}
