import type { CoreContext } from './context';

/** The part of `process` the handler needs (a fake in tests). */
export interface ProcessEvents {
  on(event: 'uncaughtException' | 'unhandledRejection', listener: (error: unknown) => void): unknown;
}

/**
 * Last resort for both hosts: an exception or rejection nothing caught is recorded in the
 * journal as an error, raised as a console alert, and the process keeps running — a kiosk
 * that goes dark is worse than one running with a logged bug. Every ingress catches its own
 * errors; reaching this is a bug to fix, so no test relies on it.
 */
export function installLastResort(proc: ProcessEvents, ctx: Pick<CoreContext, 'journal' | 'alerts'>, log: (message: string, error: unknown) => void = console.error): void {
  const report = (kind: 'uncaughtException' | 'unhandledRejection') => (error: unknown) => {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    log(`ops-console: ${kind} (kept running):`, error);
    try {
      ctx.journal.record({ upstream: 'console', type: kind, level: 'error', ids: {}, summary: `${kind}: ${message}`.slice(0, 500), raw: error instanceof Error ? { stack: (error.stack ?? '').slice(0, 4_000) } : null });
      ctx.alerts.raise({ source: 'console', severity: 'high', key: `console:${kind}`, title: 'Internal error in the console (kept running)', text: { key: 'internalError', params: {} }, detail: message.slice(0, 500) });
    } catch (inner) {
      log('ops-console: could not record the error:', inner);
    }
  };
  proc.on('uncaughtException', report('uncaughtException'));
  proc.on('unhandledRejection', report('unhandledRejection'));
}
