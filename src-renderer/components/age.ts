import { useNow } from '@vueuse/core';

const now = useNow({ interval: 1_000 });

/** `4 s`, `3 min`, `2 h`, `5 d`: short enough for a tile read from across the room. */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h`;
  return `${Math.floor(s / 86_400)} d`;
}

export const ageOf = (at: number | null | undefined): string | null => (at ? formatAge(now.value.getTime() - at) : null);

// One formatter for every row: `toLocaleTimeString` builds a new one per call (~1 ms on a busy
// machine), and the inspector and WhatsApp stream format dozens of rows on every live batch.
const clock = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit', second: '2-digit', hour12: false });

export const formatTime = (at: number, utc = false): string =>
  utc ? new Date(at).toISOString().slice(11, 23) : clock.format(at) + '.' + String(at % 1000).padStart(3, '0');
