import type { CoreContext } from '../../core/context';
import { IdWindow } from './id-window';

/**
 * Event ids per SSE stream: where each stream resumes (`Last-Event-ID`, kept across restarts
 * under `logs.resume`) and whether an id was delivered before — numeric ids by order plus a
 * window per stream, non-numeric ids in one bounded set shared by every stream.
 */

/** Ids remembered per stream (numeric) and overall (non-numeric) for dedupe beyond the order check. */
const RECENT_IDS = 20_000;

export interface StreamState {
  /** Last `id:` seen (what `Last-Event-ID` resumes from). */
  lastId: string | null;
  lastNum: number | null;
  /** No id'd event yet on the current connection. */
  fresh: boolean;
  /** Recent numeric ids delivered on this stream (tells a resume overlap from an id restart). */
  seen: IdWindow;
}

const numeric = (id: string): number => (id.length > 0 && id.length < 16 && /^\d+$/.test(id) ? Number(id) : NaN);

export class StreamIds {
  private readonly streams = new Map<string, StreamState>();
  private readonly recent = new Set<string>();
  private readonly recentOrder: string[] = [];
  private recentHead = 0;

  constructor(private readonly ctx: CoreContext) {
    for (const [key, lastId] of Object.entries(ctx.storage.getJson<Record<string, string | null>>('logs.resume') ?? {})) {
      this.streams.set(key, { lastId, lastNum: lastId === null ? null : numeric(lastId) || null, fresh: true, seen: new IdWindow(RECENT_IDS) });
    }
  }

  /** The state of stream `key` (created on first use), for a new connection of it. */
  connecting(key: string): StreamState {
    let state = this.streams.get(key);
    if (!state) this.streams.set(key, (state = { lastId: null, lastNum: null, fresh: true, seen: new IdWindow(RECENT_IDS) }));
    state.fresh = true;
    return state;
  }

  /** A block's `id:` field: the new resume point (an empty one clears it). */
  setLastId(stream: StreamState, id: string): void {
    stream.lastId = id;
    if (id === '') stream.lastNum = null;
  }

  /** Another upstream URL: the resume points of the old one mean nothing there. */
  forgetStreams(): void {
    this.streams.clear();
  }

  save(): void {
    const resume = Object.fromEntries([...this.streams].map(([key, s]) => [key, s.lastId]));
    this.ctx.storage.putJson('logs.resume', resume);
  }

  /** True when this id was delivered before (resume overlap, a replayed jobless event). */
  duplicate(stream: StreamState, key: string, id: string, jobless: boolean): boolean {
    const n = numeric(id);
    if (Number.isNaN(n)) {
      stream.fresh = false;
      const seen = `${key}\u0000${id}`;
      if (this.recent.has(seen)) return true;
      this.remember(seen);
      return false;
    }
    if (stream.fresh) {
      stream.fresh = false;
      if (stream.lastNum !== null && n <= stream.lastNum && !stream.seen.has(n)) {
        // Ids went backwards to one never seen: the upstream restarted its numbering.
        this.ctx.journal.record({ upstream: 'rpaLogs', type: 'ids-restarted', level: 'warn', ids: {}, summary: `upstream event ids restarted (${stream.lastNum} → ${n})`, raw: null });
        stream.lastNum = null;
        this.forgetIds();
      }
    }
    if (stream.lastNum !== null && n <= stream.lastNum) return true;
    stream.lastNum = n;
    // After an empty `id:` cleared lastNum, only the window knows a replayed jobless event.
    if (jobless && stream.seen.has(n)) return true;
    stream.seen.add(n);
    return false;
  }

  private forgetIds(): void {
    for (const s of this.streams.values()) s.seen.clear();
    this.recent.clear();
    this.recentOrder.length = 0;
    this.recentHead = 0;
  }

  /** Non-numeric ids, shared by every stream (keyed with the stream). */
  private remember(id: string): void {
    if (this.recentOrder.length < RECENT_IDS) this.recentOrder.push(id);
    else {
      this.recent.delete(this.recentOrder[this.recentHead]!);
      this.recentOrder[this.recentHead] = id;
      this.recentHead = (this.recentHead + 1) % RECENT_IDS;
    }
    this.recent.add(id);
  }
}
