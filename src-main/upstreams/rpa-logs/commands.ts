import type { LogsConfig } from '../../contract/logs';
import { CommandError, type CommandHandles } from '../../core/commands';
import type { CoreContext } from '../../core/context';
import type { Link } from '../../core/lifecycle';
import type { JobBook } from './jobs';
import type { LogStreams } from './streams';

/** The `logs.*` command handlers: job list and pages, pins, watched jobs, alert configuration. */
export function registerLogCommands(commands: CommandHandles, parts: { ctx: CoreContext; book: JobBook; streams: LogStreams; config: () => LogsConfig; link: () => Link | null }): void {
  const { ctx, book, streams } = parts;
  const { settings } = ctx;
  commands.handle('logs.jobs', () => book.list());
  commands.handle('logs.page', ({ jobId, beforeSeq, limit }) => book.page(jobId, beforeSeq, limit));
  const setPins = (change: (pins: string[]) => string[]) => {
    settings.patch((current) => {
      const pins = change(current.upstreams.rpaLogs.pinnedJobs);
      if (pins.length > 100) throw new CommandError('invalid-argument', 'at most 100 pinned jobs');
      current.upstreams.rpaLogs.pinnedJobs = pins;
      return current;
    });
    return { ok: true as const };
  };
  commands.handle('logs.pin', ({ jobId }) => setPins((pins) => [...new Set([...pins, jobId])]));
  commands.handle('logs.unpin', ({ jobId }) => setPins((pins) => pins.filter((p) => p !== jobId)));
  commands.handle('logs.watch', ({ jobIds }, caller) => {
    const changed = streams.watch(caller.session, jobIds);
    const link = parts.link();
    if (ctx.effective().upstreams.rpaLogs.mode === 'proxy' && changed && link?.currentState !== 'stopped') link?.connect();
    return { ok: true as const };
  });
  commands.handle('logs.config', () => parts.config());
  commands.handle('logs.configure', (next) => {
    settings.patch((current) => ({ ...current, extra: { ...current.extra, logs: next } }));
    return parts.config();
  });
}
