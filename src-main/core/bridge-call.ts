import type { CallResult } from '../contract';
import type { CallerContext, CommandRegistry } from './commands';
import { checkJsonValue, describeJsonBreach, JSON_LIMITS } from './json-limits';

/**
 * A bridge call from a host that receives values, not text (Electron IPC): the same edge
 * limits as the web bridge's frames, and a dispatch that cannot reject — anything thrown
 * answers `internal` and is reported, never an unhandled rejection.
 */
export async function dispatchGuarded(commands: Pick<CommandRegistry, 'dispatch'>, cmd: unknown, args: unknown, caller: CallerContext, onInternal: (error: unknown) => void): Promise<CallResult> {
  if (typeof cmd !== 'string' || cmd.length > 200) return { ok: false, error: { code: 'invalid-argument', message: 'command name must be a string of at most 200 characters' } };
  const breach = checkJsonValue(args, JSON_LIMITS.bridge);
  if (breach) return { ok: false, error: { code: 'invalid-argument', message: `arguments over the bridge limits: ${describeJsonBreach(breach)}` } };
  try {
    return await commands.dispatch(cmd, args, caller);
  } catch (error) {
    onInternal(error);
    return { ok: false, error: { code: 'internal', message: 'the command failed inside the console; see the log' } };
  }
}
