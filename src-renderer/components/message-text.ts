import type { MessageText } from '../../src-main/contract/common';
import { i18n } from '../i18n';

/**
 * Text main sent as message keys (decision 13), worded in the operator's language: `text` is
 * one key or parts joined with "; ", looked up under `area` (`testText`, `alertText`…). Without
 * `text`, or with a key this renderer does not know, `fallback` (an upstream's own words) is shown.
 */
export function wordText(area: string, text: MessageText | readonly MessageText[] | undefined, fallback: string): string {
  const parts = text === undefined ? [] : Array.isArray(text) ? text : [text as MessageText];
  if (parts.length === 0) return fallback;
  const g = i18n.global as unknown as { t(key: string, params: object): string; te(key: string): boolean };
  const worded: string[] = [];
  for (const p of parts) {
    const key = `${area}.${p.key}`;
    if (!g.te(key)) return fallback;
    worded.push(g.t(key, p.params));
  }
  return worded.join('; ');
}

/** A connection test's message and token status, worded. */
export const testMessage = (r: { message: string; text?: readonly MessageText[] }): string => wordText('testText', r.text, r.message);
export const testToken = (r: { token_status: string; tokenText?: MessageText }): string => wordText('testText', r.tokenText, r.token_status);
