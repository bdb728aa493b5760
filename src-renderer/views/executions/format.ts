import type { Keyword } from '../../../src-main/contract/keyword-hub';

/** Seconds as `45 s`, `3 min 05 s`, `1 h 02 min`. */
export function duration(totalSec: number): string {
  const s = Math.max(0, Math.round(totalSec));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

export const isHttpUrl = (value: string | null | undefined): value is string => {
  if (!value) return false;
  try {
    const u = new URL(value);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
};

/**
 * Open an upstream link outside the console after checking it is http(s): in Electron the window
 * handler hands it to the system browser; in the web host it is a new tab without an opener.
 */
export function openExternal(url: string | null | undefined): boolean {
  if (!isHttpUrl(url)) return false;
  window.open(url, '_blank', 'noopener,noreferrer');
  return true;
}

const cell = (v: string | number | null) => {
  const text = v === null ? '' : String(v);
  // Quote, and defuse spreadsheet formulas in upstream text.
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\n;]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
};

export function keywordsCsv(rows: readonly Keyword[]): string {
  const head = 'term,frequency,relevance,position,url,clusterId';
  return [head, ...rows.map((k) => [k.term, k.frequency, k.relevance, k.position, k.url, k.clusterId].map(cell).join(','))].join('\n') + '\n';
}

export function download(name: string, text: string, type = 'text/csv;charset=utf-8'): void {
  const url = URL.createObjectURL(new Blob(['\ufeff', text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1_000);
}

export const when = (ms: number, locale: string) => new Date(ms).toLocaleString(locale, { dateStyle: 'short', timeStyle: 'medium' });
