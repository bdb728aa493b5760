import type { UpstreamStatus } from '../contract';
import type { AlertCenter } from './alerts';
import type { Journal } from './journal';

/**
 * An error escaped a connector (a message handler, a parser, a timer) and its link restarts:
 * the inspector gets the stack, the operator an alert — one per link, its count bumped on
 * repeats — because a connector that restarts is one whose data may be incomplete.
 */
export function reportCrash(core: { journal: Journal; alerts: AlertCenter }, status: UpstreamStatus, error: unknown): void {
  const link = status.link ? `${status.id}/${status.link}` : status.id;
  const message = error instanceof Error ? error.message : String(error);
  const stack = error instanceof Error ? (error.stack ?? '').split('\n').slice(0, 8).join('\n') : '';
  core.journal.record({ upstream: status.id, type: 'link.restarted', level: 'error', ids: {}, summary: `${link}: restarted after an internal error: ${message}`, raw: { link, message: message.slice(0, 2_000), stack } });
  core.alerts.raise({
    source: status.id,
    severity: 'high',
    key: `console:link-restarted:${link}`,
    title: `${link}: connection restarted after an internal error`,
    text: { key: 'linkRestarted', params: { link } },
    detail: message.slice(0, 500),
    view: '/',
  });
}
