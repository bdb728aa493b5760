import { useI18n } from 'vue-i18n';
import type { UpstreamStatus } from '../../src-main/contract';

/**
 * A link's status in the screen's language: main says what the link is doing (`note`), the
 * screen words it; the cause stays in the upstream's own words (it is their text, not ours).
 */
export function useLinkText(): (s: Pick<UpstreamStatus, 'note' | 'reason' | 'attempt' | 'retryAt'>) => string {
  const { t } = useI18n();
  return (s) => {
    const sec = s.retryAt === null ? 0 : Math.max(1, Math.ceil((s.retryAt - Date.now()) / 1000));
    const base = t(`linkNote.${s.note}`, { attempt: s.attempt, sec });
    if (!s.reason) return base;
    // While connected, the reason is the last bad input or upstream error (the link stayed up).
    return s.note === 'connected' ? `${base} · ${t('linkNote.lastError', { reason: s.reason })}` : `${base} — ${s.reason}`;
  };
}
