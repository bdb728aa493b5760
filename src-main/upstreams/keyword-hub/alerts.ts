import type { EventIds, Severity } from '../../contract';
import type { HubStatus } from '../../contract/keyword-hub';
import type { RaiseAlert } from '../../core/alerts';

/** The alerts the keyword hub raises, one builder per situation (keys are the dedupe keys). */

/** SISTEMA_ALERTA's `nivel` → severity (critical → critical, error → high, warning → medium, info → info). */
export const severityOf = (nivel: string): Severity => {
  const n = nivel.toLowerCase();
  if (n === 'critical' || n === 'critico' || n === 'crítico') return 'critical';
  if (n === 'error' || n === 'erro' || n === 'high') return 'high';
  if (n === 'warning' || n === 'aviso' || n === 'warn') return 'medium';
  if (n === 'low') return 'low';
  return 'info';
};

export const authAlert = (auth: NonNullable<HubStatus['auth']>): RaiseAlert => ({
  source: 'keywordHub',
  severity: 'high',
  key: 'keywordHub:auth',
  title: 'Hub de keywords: token recusado — renove o token',
  text: { key: 'khAuth', params: {} },
  detail: [auth.message, auth.tokenExpiresAt ? `token_expira_em ${auth.tokenExpiresAt}` : '', auth.recommendation].filter(Boolean).join(' — '),
  ids: {},
  view: '/settings',
});

export const concludedAlert = (id: string, totalKeywords: number, clusters: number): RaiseAlert =>
  ({ source: 'keywordHub', severity: 'info', key: `keywordHub:done:${id}`, title: `Execução ${id} concluída`, text: { key: 'khDone', params: { id } }, detail: `${totalKeywords} keywords, ${clusters} clusters`, ids: { execution: id }, view: `/executions/${id}` });

export const executionErrorAlert = (id: string, codigo: string, mensagem: string, recomendacao: string | null | undefined): RaiseAlert => ({
  source: 'keywordHub',
  severity: 'high',
  key: `keywordHub:exec-error:${id}`,
  title: `Execução ${id}: ${codigo}`,
  text: { key: 'khFailed', params: { id, code: codigo } },
  detail: [mensagem, recomendacao].filter(Boolean).join(' — '),
  ids: { execution: id },
  view: `/executions/${id}`,
});

/** SISTEMA_ALERTA: `acoes` as detail. */
export const systemAlert = (d: { nivel: string; categoria: string; mensagem: string; acoes: string[] }): RaiseAlert =>
  ({ source: 'keywordHub', severity: severityOf(d.nivel), key: `keywordHub:alert:${d.categoria}:${d.mensagem}`, title: d.mensagem, detail: d.acoes.join(' · '), ids: {}, view: '/executions' });

/** A command queued offline that expired before the link came back. */
export const expiredAlert = (requestId: string, summary: string, ids: EventIds): RaiseAlert =>
  ({ source: 'keywordHub', severity: 'low', key: `keywordHub:expired:${requestId}`, title: `Comando expirado sem envio: ${summary}`, text: { key: 'khExpired', params: { summary } }, detail: 'The hub was down for longer than the queue keeps commands', detailText: { key: 'khExpired', params: {} }, ids, view: '/executions' });
