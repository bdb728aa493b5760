import type { Alert } from '../../src-main/contract/alerts';
import { wordText } from './message-text';

/**
 * An alert's title in the operator's language when the console wrote it (`text`), else as given
 * (an upstream's own words are shown as they came).
 */
export function alertTitle(alert: Pick<Alert, 'title' | 'text'>): string {
  return wordText('alertText', alert.text, alert.title);
}

/** An alert's detail, the same way (`detailText`, else `detail` as given). */
export function alertDetail(alert: Pick<Alert, 'detail' | 'detailText'>): string {
  return wordText('alertDetail', alert.detailText, alert.detail);
}
