import type { Alert } from '../../src-main/contract/alerts';
import { i18n } from '../i18n';

/**
 * An alert's title in the operator's language when the console wrote it (`text`), else as given
 * (an upstream's own words are shown as they came).
 */
export function alertTitle(alert: Pick<Alert, 'title' | 'text'>): string {
  const g = i18n.global as unknown as { t(key: string, params: object): string; te(key: string): boolean };
  const key = alert.text && `alertText.${alert.text.key}`;
  return key && g.te(key) ? g.t(key, alert.text!.params) : alert.title;
}
