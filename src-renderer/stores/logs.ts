import { defineStore } from 'pinia';
import { computed, ref, shallowRef, triggerRef } from 'vue';
import type { JobSummary, LogLine } from '../../src-main/contract/logs';
import { useBridge } from '../bridge';
import { useSnapshot } from '../bridge/snapshot';

/** Lines one open job keeps in the renderer (main's ring holds the same by default). */
const TAB_LIMIT = 100_000;
const FIRST_PAGE = 5_000;
const OLDER_PAGE = 10_000;
const TABS_KEY = 'ops.logs.tabs';

export interface JobTab {
  jobId: string;
  /** Oldest first; appended in place, trimmed from the front (bounded). */
  lines: LogLine[];
  hasMore: boolean;
  loading: boolean;
  /** Bumped on every change so views re-render without deep reactivity over 100k objects. */
  version: number;
}

export const levelsOf = ['ERROR', 'WARNING', 'INFO', 'DEBUG', 'system'] as const;
export type LevelFilter = (typeof levelsOf)[number];
export const levelKey = (l: LogLine): LevelFilter | string => (l.kind !== 'log' ? 'system' : l.level === 'CRITICAL' ? 'ERROR' : l.level === 'WARN' ? 'WARNING' : l.level);

/** Seed 000's job logs: summaries of every job, and the lines of the jobs open in tabs. */
export const useLogsStore = defineStore('logs', () => {
  const bridge = useBridge();
  const jobs = ref<Record<string, JobSummary>>({});
  const tabs = shallowRef<Map<string, JobTab>>(new Map());
  const order = ref<string[]>(loadTabs());
  const active = ref<string | null>(order.value[0] ?? null);
  /** logs.lines events dropped under load since the tabs were last refilled. */
  let seenDrops = 0;

  const sortedJobs = computed(() =>
    // Stable order (pinned, then newest job first): rows must not jump under the mouse as lines arrive.
    Object.values(jobs.value).sort((a, b) => Number(b.pinned) - Number(a.pinned) || (b.firstAt ?? Infinity) - (a.firstAt ?? Infinity) || a.jobId.localeCompare(b.jobId)),
  );

  function saveTabs() {
    try {
      localStorage.setItem(TABS_KEY, JSON.stringify(order.value));
    } catch {
      /* private mode: tabs are not remembered */
    }
  }

  async function fill(jobId: string) {
    const tab: JobTab = { jobId, lines: [], hasMore: false, loading: true, version: 0 };
    tabs.value.set(jobId, tab);
    triggerRef(tabs);
    try {
      const page = await bridge.call('logs.page', { jobId, limit: FIRST_PAGE });
      // Lines that arrived live while the page was on its way are kept (no gap, no duplicate).
      const newest = page.lines.at(-1)?.seq ?? 0;
      tab.lines = [...page.lines, ...tab.lines.filter((l) => l.seq > newest)];
      tab.hasMore = page.hasMore;
    } finally {
      tab.loading = false;
      tab.version++;
      triggerRef(tabs);
    }
  }

  async function loadOlder(jobId: string) {
    const tab = tabs.value.get(jobId);
    if (!tab || tab.loading || !tab.hasMore) return 0;
    tab.loading = true;
    try {
      const page = await bridge.call('logs.page', { jobId, beforeSeq: tab.lines[0]?.seq, limit: OLDER_PAGE });
      const room = Math.max(0, TAB_LIMIT - tab.lines.length);
      const add = page.lines.slice(Math.max(0, page.lines.length - room));
      tab.lines = [...add, ...tab.lines];
      tab.hasMore = page.hasMore && room > add.length;
      return add.length;
    } finally {
      tab.loading = false;
      tab.version++;
      triggerRef(tabs);
    }
  }

  function open(jobId: string) {
    const id = jobId.trim();
    if (!id) return;
    if (!order.value.includes(id)) {
      order.value = [...order.value, id];
      saveTabs();
      void fill(id);
      void watch();
    }
    active.value = id;
  }

  function close(jobId: string) {
    order.value = order.value.filter((j) => j !== jobId);
    tabs.value.delete(jobId);
    triggerRef(tabs);
    if (active.value === jobId) active.value = order.value.at(-1) ?? null;
    saveTabs();
    void watch();
  }

  const watch = () => bridge.call('logs.watch', { jobIds: order.value.slice(0, 50) }).catch(() => undefined);
  const pin = (jobId: string) => bridge.call('logs.pin', { jobId: jobId.trim() });
  const unpin = (jobId: string) => bridge.call('logs.unpin', { jobId });

  useSnapshot('logs', async () => {
    const list = await bridge.call('logs.jobs');
    jobs.value = Object.fromEntries(list.map((j) => [j.jobId, j]));
    await watch();
    // After a reconnect the buffers may have missed lines: take them again from main.
    await Promise.all(order.value.map((id) => fill(id)));
  });

  bridge.on('logs.jobs', (items) => {
    const next = { ...jobs.value };
    for (const j of items) {
      if (!j.pinned && j.lines === 0 && j.buffered === 0) delete next[j.jobId];
      else next[j.jobId] = j;
    }
    jobs.value = next;
  });

  bridge.on('logs.lines', (items) => {
    const touched = new Set<JobTab>();
    const map = tabs.value;
    for (const line of items) {
      const tab = map.get(line.jobId);
      if (!tab) continue;
      const last = tab.lines.at(-1);
      if (last && line.seq <= last.seq) continue;
      tab.lines.push(line);
      touched.add(tab);
    }
    for (const tab of touched) {
      if (tab.lines.length > TAB_LIMIT) {
        tab.lines.splice(0, tab.lines.length - TAB_LIMIT);
        tab.hasMore = true;
      }
      tab.version++;
    }
    if (touched.size) triggerRef(tabs);
    // Lines dropped at the bridge under a flood: take the open jobs again from main's buffer.
    const drops = bridge.drops.value['logs.lines'] ?? 0;
    if (drops > seenDrops) {
      seenDrops = drops;
      for (const id of order.value) void fill(id);
    }
  });

  for (const id of order.value) void fill(id);

  return { jobs, sortedJobs, tabs, order, active, open, close, pin, unpin, loadOlder };
});

function loadTabs(): string[] {
  try {
    const raw = JSON.parse(localStorage.getItem(TABS_KEY) ?? '[]') as unknown;
    return Array.isArray(raw) ? raw.filter((x): x is string => typeof x === 'string').slice(0, 20) : [];
  } catch {
    return [];
  }
}

/** Export of the filtered view. */
export function exportLines(lines: LogLine[], format: 'text' | 'ndjson' | 'csv', utc: boolean): string {
  if (format === 'ndjson') return lines.map((l) => JSON.stringify(l)).join('\n') + '\n';
  if (format === 'csv') {
    const cols = ['receivedAt', 'timestamp', 'jobId', 'id', 'kind', 'level', 'carrier', 'service', 'logger', 'message'] as const;
    const cell = (v: unknown) => {
      const s = String(v ?? '');
      // Quote always; neutralise spreadsheet formulas from upstream text.
      return `"${(/^[=+\-@]/.test(s) ? `'${s}` : s).replace(/"/g, '""')}"`;
    };
    return [cols.join(','), ...lines.map((l) => cols.map((c) => cell(c === 'receivedAt' ? new Date(l.receivedAt).toISOString() : l[c])).join(','))].join('\r\n') + '\r\n';
  }
  return lines.map((l) => formatLine(l, utc)).join('\n') + '\n';
}

export function lineTime(l: LogLine, utc: boolean): string {
  const parsed = l.timestamp ? Date.parse(l.timestamp) : NaN;
  const at = Number.isNaN(parsed) ? l.receivedAt : parsed;
  const d = new Date(at);
  if (utc) return d.toISOString().replace('T', ' ').slice(0, 23);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

export function formatLine(l: LogLine, utc: boolean): string {
  const level = l.kind === 'log' ? l.level : l.kind.toUpperCase();
  const tags = [l.carrier, l.service, l.logger].filter(Boolean).join(' ');
  return `[${lineTime(l, utc)}] ${level.padEnd(7)} ${l.message}${tags ? `  (${tags})` : ''}`;
}
