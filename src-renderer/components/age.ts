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

export const formatTime = (at: number, utc = false): string =>
  utc ? new Date(at).toISOString().slice(11, 23) : new Date(at).toLocaleTimeString(undefined, { hour12: false }) + '.' + String(at % 1000).padStart(3, '0');
