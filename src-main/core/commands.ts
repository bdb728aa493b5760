import { z } from 'zod';
import {
  commands,
  isCommandName,
  type BridgeError,
  type CallResult,
  type CommandArgs,
  type CommandName,
  type CommandOutput,
} from '../contract';
import { toDisposable, type Disposable, type DisposableStore } from './disposable';

/** Who is calling: enough for main to decide, whatever the renderer claims. */
export interface CallerContext {
  host: 'electron' | 'web';
  /** A web client on a loopback address, or an authenticated bridge token, or an Electron window we created. */
  trusted: boolean;
  /** Stable id of the window or socket, for per-session state such as the admin unlock. */
  session: string;
}

export type Handler<N extends CommandName> = (args: CommandArgs<N>, caller: CallerContext) => Promise<CommandOutput<N>> | CommandOutput<N>;

/** Where a module registers its handlers (`CommandRegistry.ownedBy(store)`). */
export interface CommandHandles {
  handle<N extends CommandName>(name: N, handler: Handler<N>): Disposable;
}

/** Decides privileged commands; issue-level admin lock plugs in here. */
export type Gate = (name: CommandName, caller: CallerContext) => BridgeError | null;

export class CommandError extends Error {
  constructor(
    readonly code: BridgeError['code'],
    message: string,
    readonly issues?: BridgeError['issues'],
  ) {
    super(message);
  }
}

export const issuesOf = (error: z.ZodError): NonNullable<BridgeError['issues']> =>
  error.issues.map((issue) => ({ path: issue.path.join('.') || '(root)', message: issue.message }));

/**
 * Generic dispatch of the contract: validate input, gate privileged commands, run the
 * handler, validate output. Both hosts call `dispatch`; no host knows any command.
 */
export class CommandRegistry {
  private readonly handlers = new Map<CommandName, Handler<never>>();
  gate: Gate = (name, caller) =>
    commands[name].privileged && !caller.trusted ? { code: 'forbidden', message: `${name} needs an admin session` } : null;
  /**
   * Whether this caller could run privileged commands now (the admin module installs the PIN
   * rule), for handlers that answer admins more than others (`alerts.resolveSound`'s reasons).
   */
  isAdmin: (caller: CallerContext) => boolean = (caller) => caller.trusted;
  /** Whether any admin session is unlocked now (the admin module knows; updates wait while one is). */
  anyAdminUnlocked: () => boolean = () => false;

  /** Register the one handler of `name`; disposing the result unregisters it (its module stopped). */
  handle<N extends CommandName>(name: N, handler: Handler<N>): Disposable {
    if (this.handlers.has(name)) throw new Error(`command ${name} already has a handler`);
    const entry = handler as unknown as Handler<never>;
    this.handlers.set(name, entry);
    return toDisposable(() => {
      if (this.handlers.get(name) === entry) this.handlers.delete(name);
    });
  }

  /** A registrar whose handlers belong to `owner`: disposing the owner unregisters them. */
  ownedBy(owner: DisposableStore): CommandHandles {
    return { handle: (name, handler) => owner.add(this.handle(name, handler)) };
  }

  /** How many commands have a handler now (tests: none left after the core stops). */
  get size(): number {
    return this.handlers.size;
  }

  has(name: CommandName): boolean {
    return this.handlers.has(name);
  }

  async dispatch(name: string, rawArgs: unknown, caller: CallerContext): Promise<CallResult> {
    if (!isCommandName(name)) return fail({ code: 'unknown-command', message: `unknown command: ${String(name).slice(0, 80)}` });
    const handler = this.handlers.get(name);
    if (!handler) return fail({ code: 'unavailable', message: `${name} is not available in this host` });
    const spec = commands[name];
    const parsed = spec.input.safeParse(rawArgs ?? {});
    if (!parsed.success) {
      return fail({ code: 'invalid-argument', message: `invalid arguments for ${name}`, issues: issuesOf(parsed.error) });
    }
    const refused = this.gate(name, caller);
    if (refused) return fail(refused);
    try {
      const value = await (handler as unknown as Handler<typeof name>)(parsed.data as never, caller);
      const checked = spec.output.safeParse(value);
      if (!checked.success) {
        console.error(`command ${name} returned a value outside its contract`, checked.error.issues);
        return fail({ code: 'internal', message: `${name} produced an invalid result` });
      }
      return { ok: true, value: checked.data };
    } catch (error) {
      if (error instanceof CommandError) return fail({ code: error.code, message: error.message, ...(error.issues ? { issues: error.issues } : {}) });
      if (error instanceof z.ZodError) return fail({ code: 'invalid-argument', message: error.issues[0]?.message ?? 'invalid', issues: issuesOf(error) });
      console.error(`command ${name} failed:`, error);
      return fail({ code: 'internal', message: error instanceof Error ? error.message : String(error) });
    }
  }
}

const fail = (error: BridgeError): CallResult => ({ ok: false, error });
