import type { Alert } from '../contract/alerts';
import type { JournalEntry, UpstreamStatus } from '../contract';
import type { ConsoleEventType } from '../contract/integrations';
import type { Hub } from '../core/hub';

/**
 * The console events webhooks can subscribe to, derived ONLY from hub channels that every
 * area already publishes (`alerts.changed`, `connections.status`, `inspector.entries`), so
 * this module depends on no other area's internals. docs/integrations.md lists the rules.
 */

export interface ConsoleEvent {
  type: ConsoleEventType;
  data: Record<string, unknown>;
}

/** One-line text for Slack-style messages and the journal (Portuguese: the users' language). */
export const eventLabels: Record<ConsoleEventType, string> = {
  'alert.raised': 'Alerta disparado',
  'alert.acknowledged': 'Alerta reconhecido',
  'upstream.down': 'Conexão caiu',
  'upstream.up': 'Conexão restabelecida',
  'execution.completed': 'Execução concluída',
  'execution.failed': 'Execução falhou',
  'instance.disconnected': 'Instância desconectada',
  'job.error': 'Erro em job',
  'ticket.critical': 'Ticket crítico',
  'inbound.received': 'Webhook recebido',
  'daily.summary': 'Resumo diário',
  'webhook.test': 'Teste de webhook',
};

export const samples: Record<ConsoleEventType, Record<string, unknown>> = {
  'alert.raised': { id: 'b7f3…', key: 'dashboard:critical:4711', source: 'dashboard', severity: 'critical', title: 'Servidor de arquivos fora do ar', detail: '', ids: { ticket: '4711' } },
  'alert.acknowledged': { id: 'b7f3…', key: 'dashboard:critical:4711', source: 'dashboard', severity: 'critical', title: 'Servidor de arquivos fora do ar', acknowledgedBy: 'operador' },
  'upstream.down': { upstream: 'rpaLogs', link: null, state: 'reconnecting', previous: 'open', message: 'connection reset', url: 'http://127.0.0.1:8000' },
  'upstream.up': { upstream: 'rpaLogs', link: null, state: 'open', previous: 'reconnecting', downForMs: 12_000, url: 'http://127.0.0.1:8000' },
  'execution.completed': { execution: 'exec-42', summary: 'Execução concluída: 1.250 keywords', journalType: 'EXECUCAO_CONCLUIDA' },
  'execution.failed': { execution: 'exec-43', summary: 'Erro na execução: timeout do provedor', journalType: 'EXECUCAO_ERRO' },
  'instance.disconnected': { instance: 'vendas-01', summary: 'Instância vendas-01 desconectada (close)', journalType: 'connection.update' },
  'job.error': { job: 'job-9f1c', summary: 'ERROR Falha ao processar operadora VIVO', journalType: 'log' },
  'ticket.critical': { ticket: '4711', summary: 'Ticket crítico #4711: Servidor de arquivos fora do ar', journalType: 'critical_alert' },
  'inbound.received': { source: 'fiscal', event: 'erro_importacao', id: 'msg_2Lw…', summary: '225 Rejeição: Falha no Schema XML do lote de NFe' },
  'daily.summary': { from: 0, to: 0, eventsByUpstream: { rpaLogs: 1200, webhooks: 35 }, alertsBySeverity: { critical: 1, high: 3 }, deliveries: { succeeded: 40, failed: 1, pending: 0 }, inbound: 35 },
  'webhook.test': { message: 'Teste do Ops Console: se você recebeu isto, o webhook funciona.', sentBy: 'Ops Console' },
};

/** A short human text for any event (Slack template, journal). */
export function describeEvent(type: string, data: Record<string, unknown>): string {
  const label = eventLabels[type as ConsoleEventType] ?? type;
  const s = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');
  switch (type) {
    case 'alert.raised':
    case 'alert.acknowledged':
      return `${label}: [${s(data.severity).toUpperCase()}] ${s(data.title)}`;
    case 'upstream.down':
    case 'upstream.up':
      return `${label}: ${s(data.upstream)}${data.link ? `/${s(data.link)}` : ''} — ${s(data.message ?? data.state)}`;
    case 'daily.summary':
      return `${label}`;
    default:
      return data.summary ? `${label}: ${s(data.summary)}` : label;
  }
}

const DOWN_STATES = new Set(['reconnecting', 'auth-failed']);

/** Map one journal entry to a catalogue event, or null. Exported for tests and docs. */
export function fromJournal(e: JournalEntry): ConsoleEvent | null {
  if (e.upstream === 'webhooks' || e.upstream === 'console') return null; // our own entries: no loops
  const t = e.type.toLowerCase();
  const base = { summary: e.summary, journalType: e.type, upstream: e.upstream, at: e.at, ...e.ids };
  if (e.upstream === 'keywordHub') {
    if (/(execucao_conclu|execution\.completed|execution_completed|completed)/.test(t)) return { type: 'execution.completed', data: base };
    if (/(execucao_erro|execucao_falh|execution\.failed|execution_failed|failed)/.test(t) || (e.ids.execution && e.level === 'error')) return { type: 'execution.failed', data: base };
    return null;
  }
  if (e.upstream === 'evolution') {
    if (t === 'instance.disconnected' || (t === 'connection.update' && /\b(close|closed|disconnected|refused)\b/i.test(e.summary))) return { type: 'instance.disconnected', data: base };
    return null;
  }
  if (e.upstream === 'rpaLogs') return e.level === 'error' && t !== 'alert.raised' ? { type: 'job.error', data: base } : null;
  if (e.upstream === 'dashboard') {
    if (t === 'critical_alert' || t === 'ticket.critical') return { type: 'ticket.critical', data: base };
    return null;
  }
  return null;
}

/**
 * Subscribe to the hub and call `emit` for every catalogue event. Returns an unsubscribe.
 * Upstream down/up are transitions of a link's state (first status of a link is not one).
 */
export function watchConsoleEvents(hub: Hub, emit: (event: ConsoleEvent) => void): () => void {
  const lastState = new Map<string, { state: string; since: number }>();
  const alertState = new Map<string, string>();
  const offs = [
    hub.on('alerts.changed', (alert: Alert) => {
      // Transitions per alert id: a repeat (count + 1) is not a new "raised" event.
      const prev = alertState.get(alert.id);
      alertState.set(alert.id, alert.state);
      if (alertState.size > 5_000) alertState.delete(alertState.keys().next().value!);
      if (prev === alert.state) return;
      if (!prev && alert.state === 'active') emit({ type: 'alert.raised', data: alertData(alert) });
      else if (alert.state === 'acknowledged') emit({ type: 'alert.acknowledged', data: alertData(alert) });
    }),
    hub.on('connections.status', (s: UpstreamStatus) => {
      const key = s.link ? `${s.id}/${s.link}` : s.id;
      const prev = lastState.get(key);
      if (prev?.state === s.state) return;
      lastState.set(key, { state: s.state, since: s.since });
      if (!prev) return;
      const data = { upstream: s.id, link: s.link ?? null, state: s.state, previous: prev.state, message: s.message, url: s.url };
      if (prev.state === 'open' && DOWN_STATES.has(s.state)) emit({ type: 'upstream.down', data });
      else if (s.state === 'open' && DOWN_STATES.has(prev.state)) emit({ type: 'upstream.up', data: { ...data, downForMs: s.since - prev.since } });
    }),
    hub.on('inspector.entries', (entry: JournalEntry) => {
      const event = fromJournal(entry);
      if (event) emit(event);
    }),
  ];
  return () => offs.forEach((off) => off());
}

const alertData = (a: Alert) => ({
  id: a.id,
  key: a.key,
  source: a.source,
  severity: a.severity,
  title: a.title,
  detail: a.detail,
  ids: a.ids,
  count: a.count,
  raisedAt: a.raisedAt,
  acknowledgedAt: a.acknowledgedAt,
  acknowledgedBy: a.acknowledgedBy,
});
