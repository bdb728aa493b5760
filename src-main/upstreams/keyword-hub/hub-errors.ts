import type { z } from 'zod';
import { CommandError } from '../../core/commands';
import type { CoreContext } from '../../core/context';
import type { HubConnection } from './connection';
import type { HubStatusBoard } from './hub-status';
import type { ExecutionStore } from './store';
import type { Requests } from './requests';
import type { ExecutionReports } from './reports';
import { hubErrorOf } from './reports';
import type { Pending } from './requests';
import type { ErroBody } from './wire';

/** The bridge error for an ERRO code; `control` for pause/resume/cancel. */
const codeFor = (codigo: string, control: boolean): CommandError['code'] => {
  switch (codigo) {
    case 'VALIDATION_ERROR':
      return control ? 'conflict' : 'invalid-argument';
    case 'PERMISSION_ERROR':
    case 'AUTHENTICATION_ERROR':
      return 'forbidden';
    case 'TIMEOUT_ERROR':
      return 'timeout';
    default:
      return 'unavailable';
  }
};

export interface HubErrorsDeps {
  ctx: CoreContext;
  /** Clock for timestamps and queue expiry (tests replace it). */
  now: () => number;
  conn: HubConnection;
  status: HubStatusBoard;
  store: ExecutionStore;
  requests: Requests;
  reports: ExecutionReports;
}

/** The execution an ERRO names: the one our refused request was about, else `detalhes.execucao_id` or `execucao_id`. */
const namedExecution = (d: z.output<typeof ErroBody>, mine: Pending | undefined, raw: unknown): string | null => {
  if (mine?.executionId) return mine.executionId;
  const det = (d.detalhes ?? {}) as Record<string, unknown>;
  const top = ((raw as { data?: Record<string, unknown> } | null)?.data ?? {}).execucao_id;
  const id = det.execucao_id ?? top;
  return typeof id === 'string' || typeof id === 'number' ? String(id) : null;
};

/**
 * The hub's ERRO event (see docs/keyword-hub.md "ERRO codes"): a refusal of one of our requests
 * fails it (and is kept on its execution); RATE_LIMIT_ERROR holds every send for the window and
 * resends the refused message; AUTHENTICATION_ERROR is the token flow; TIMEOUT_ERROR and
 * NETWORK_ERROR become retry advice.
 */
export class HubErrors {
  constructor(private readonly deps: HubErrorsDeps) {}

  handle(d: z.output<typeof ErroBody>, mine: Pending | undefined, rid: string | null, raw: unknown): void {
    const { ctx, now, conn, status, store, requests } = this.deps;
    if (mine?.probe && rid !== null && d.codigo !== 'RATE_LIMIT_ERROR') {
      // An optional extra the hub does not know (or refuses): it only switches that extra off.
      requests.forget(rid, mine);
      ctx.journal.record({ upstream: 'keywordHub', type: 'ERRO', level: 'info', ids: {}, summary: `${mine.event} (an optional extra) refused: ${d.codigo}: ${d.mensagem}`, raw });
      mine.reject(new CommandError(codeFor(d.codigo, false), `${d.codigo}: ${d.mensagem}`));
      if (d.codigo === 'NOT_FOUND') this.notFound(d, mine, raw);
      return;
    }
    const err = hubErrorOf(d.codigo, d.mensagem, d.detalhes, d.recomendacao, now());
    const text = `${d.codigo}: ${d.mensagem}${d.recomendacao ? ` — ${d.recomendacao}` : ''}`;
    const ids = mine?.executionId ? { execution: mine.executionId } : {};
    ctx.journal.record({ upstream: 'keywordHub', type: 'ERRO', level: 'error', ids, summary: mine ? `${mine.event} refused: ${text}` : text, raw });
    status.noteProblem(text);
    if (d.codigo === 'RATE_LIMIT_ERROR') {
      const det = (d.detalhes ?? {}) as Record<string, unknown>;
      const ms = typeof det.janela_ms === 'number' ? det.janela_ms : typeof det.retry_after === 'number' ? det.retry_after * 1000 : 5_000;
      const until = status.rateLimitFor(ms);
      // The refused message was dropped by the hub: send it once more after the window. Without a
      // request_id, the oldest written command with neither answer nor effect is the refused one.
      const refused = mine && rid !== null ? (requests.resendAfterRateLimit(mine), mine) : requests.refusedWithoutId();
      ctx.journal.record({ upstream: 'keywordHub', type: 'rate-limit.resend', level: 'info', ids: refused?.executionId ? { execution: refused.executionId } : {}, summary: refused ? `${refused.event} (request_id ${refused.requestId}) refused for the rate limit: sent again at ${new Date(until).toISOString()}` : 'rate limit with no command of ours waiting: sends held for the window', raw: null });
      status.publish();
      return;
    }
    if (d.codigo === 'AUTHENTICATION_ERROR') {
      const det = (d.detalhes ?? {}) as Record<string, unknown>;
      status.tokenRefused({ message: d.mensagem, tokenExpiresAt: typeof det.token_expira_em === 'string' ? det.token_expira_em : null, recommendation: d.recomendacao ?? null, at: now() });
    }
    if (d.codigo === 'TIMEOUT_ERROR' || d.codigo === 'NETWORK_ERROR') status.setAdvice(err);
    if (d.codigo === 'NOT_FOUND') this.notFound(d, mine, raw);
    if (mine && rid !== null) {
      requests.forget(rid, mine);
      status.count('refusals');
      if (mine.executionId) {
        const e = store.get(mine.executionId);
        if (e) store.actionRefused(e, err, mine.action);
      }
      mine.reject(new CommandError(codeFor(d.codigo, mine.action !== null), text));
    } else if (conn.session) conn.session.error(text);
    status.publish();
    if (d.codigo === 'AUTHENTICATION_ERROR') conn.session?.lost(`hub refused the token: ${d.mensagem}`, { auth: true });
  }

  /** The hub says it does not know an execution (NOT_FOUND naming it): the only thing that ends one we have no news of. */
  private notFound(d: z.output<typeof ErroBody>, mine: Pending | undefined, raw: unknown): void {
    const { now, store, reports } = this.deps;
    const id = namedExecution(d, mine, raw);
    const e = id !== null ? store.get(id) : undefined;
    if (!e || !reports.setStatus(e, 'erro', 'ERRO NOT_FOUND')) return;
    e.error = hubErrorOf('NOT_FOUND', d.mensagem, d.detalhes, d.recomendacao ?? null, now());
    e.noNewsSince = null;
    store.touch(e, true);
  }
}
