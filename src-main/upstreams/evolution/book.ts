import type { WaInstance, WaState } from '../../contract/evolution';
import type { RestInstance } from './rest';

const BUCKET_MS = 15_000;
const BUCKETS = 20;

interface Entry extends WaInstance {
  /** Index (time / BUCKET_MS) of the newest bucket. */
  bucketAt: number;
}

export interface StateChange {
  name: string;
  from: WaState;
  to: WaState;
  statusReason: number | null;
}

/**
 * What the board knows about each instance: REST rows merged with events. Changes are marked
 * dirty and taken in batches by the module (coalesced publishing).
 */
export class InstanceBook {
  private readonly entries = new Map<string, Entry>();
  private readonly dirty = new Set<string>();

  get(name: string): WaInstance | undefined {
    return this.entries.get(name);
  }

  names(): string[] {
    return [...this.entries.keys()];
  }

  listedNames(): string[] {
    return [...this.entries.values()].filter((e) => e.listed && !e.removed).map((e) => e.name);
  }

  private entry(name: string): Entry {
    let e = this.entries.get(name);
    if (!e) {
      e = {
        name, id: null, state: 'unknown', stateSince: null, statusReason: null, profileName: null, number: null, qr: null,
        lastEventAt: null, events: 0, messageBuckets: Array<number>(BUCKETS).fill(0), messagesPerMin: 0, reconnects: 0,
        listed: false, removed: false, bucketAt: Math.floor(Date.now() / BUCKET_MS),
      };
      this.entries.set(name, e);
    }
    return e;
  }

  /** Apply a `fetchInstances` answer; returns state changes and the names no longer listed. */
  applyRest(rows: readonly RestInstance[], now: number): { changes: StateChange[]; gone: string[] } {
    const changes: StateChange[] = [];
    const names = new Set(rows.map((r) => r.name));
    for (const row of rows) {
      const e = this.entry(row.name);
      e.listed = true;
      e.removed = false;
      e.id = row.id ?? e.id;
      e.profileName = row.profileName ?? e.profileName;
      e.number = row.number ?? (row.ownerJid ? row.ownerJid.split('@')[0]! : e.number);
      if (row.websocket !== undefined) e.websocket = row.websocket;
      const state = asState(row.connectionStatus);
      if (state !== 'unknown') {
        const change = this.setState(e, state, row.disconnectionReasonCode, now);
        if (change) changes.push(change);
      }
      this.dirty.add(row.name);
    }
    const gone: string[] = [];
    for (const e of this.entries.values()) {
      if (e.listed && !names.has(e.name)) {
        e.listed = false;
        gone.push(e.name);
        this.dirty.add(e.name);
      }
    }
    return { changes, gone };
  }

  /** One accepted event for `name`; counts messages for the sparkline. */
  touch(name: string, now: number, message: boolean): void {
    const e = this.entry(name);
    e.lastEventAt = now;
    e.events++;
    if (message) {
      this.roll(e, now);
      e.messageBuckets[BUCKETS - 1]!++;
      e.messagesPerMin++;
    }
    this.dirty.add(name);
  }

  connection(name: string, state: WaState, statusReason: number | null, now: number, extra: { profileName?: string | null; number?: string | null } = {}): StateChange | null {
    const e = this.entry(name);
    if (extra.profileName) e.profileName = extra.profileName;
    if (extra.number) e.number = extra.number;
    this.dirty.add(name);
    return this.setState(e, state, statusReason, now);
  }

  qr(name: string, base64: string | null, pairingCode: string | null, now: number): boolean {
    const e = this.entry(name);
    const first = e.qr === null;
    if (base64) e.qr = { base64, pairingCode, at: now };
    this.dirty.add(name);
    return first && base64 !== null;
  }

  websocket(name: string, config: { enabled: boolean; events: string[] } | null): void {
    const e = this.entry(name);
    e.websocket = config;
    this.dirty.add(name);
  }

  remove(name: string): void {
    const e = this.entries.get(name);
    if (!e) return;
    e.removed = true;
    e.listed = false;
    e.qr = null;
    this.dirty.add(name);
  }

  /** Forget removed instances once published. */
  private prune(): void {
    for (const e of this.entries.values()) if (e.removed && !this.dirty.has(e.name)) this.entries.delete(e.name);
  }

  /** Changed instances since the last call (sparklines rolled to `now`). */
  takeDirty(now: number): WaInstance[] {
    this.prune();
    const out: WaInstance[] = [];
    for (const name of this.dirty) {
      const e = this.entries.get(name);
      if (e) out.push(this.view(e, now));
    }
    this.dirty.clear();
    return out;
  }

  /** Mark instances whose sparkline moved to a new bucket (so an idle tile still decays). */
  rollAll(now: number): void {
    const at = Math.floor(now / BUCKET_MS);
    for (const e of this.entries.values()) if (e.bucketAt !== at && e.messageBuckets.some((n) => n > 0)) this.dirty.add(e.name);
  }

  list(now: number): WaInstance[] {
    return [...this.entries.values()].filter((e) => !e.removed).map((e) => this.view(e, now)).sort((a, b) => a.name.localeCompare(b.name));
  }

  private view(e: Entry, now: number): WaInstance {
    this.roll(e, now);
    const { bucketAt: _bucketAt, ...rest } = e;
    void _bucketAt;
    return { ...rest, messageBuckets: [...e.messageBuckets] };
  }

  private roll(e: Entry, now: number): void {
    const at = Math.floor(now / BUCKET_MS);
    const shift = Math.min(BUCKETS, at - e.bucketAt);
    if (shift > 0) {
      e.messageBuckets.splice(0, shift);
      for (let i = 0; i < shift; i++) e.messageBuckets.push(0);
      e.bucketAt = at;
      // Last 60 s ≈ the current bucket and the three before it.
      e.messagesPerMin = e.messageBuckets.slice(-4).reduce((a, b) => a + b, 0);
    }
  }

  private setState(e: Entry, state: WaState, statusReason: number | null, now: number): StateChange | null {
    e.statusReason = statusReason ?? e.statusReason;
    if (e.state === state) return null;
    const from = e.state;
    if (from === 'open' && state !== 'open') e.reconnects++;
    e.state = state;
    e.stateSince = now;
    if (state === 'open') e.qr = null;
    return { name: e.name, from, to: state, statusReason };
  }
}

export const asState = (value: string | null | undefined): WaState =>
  value === 'open' || value === 'connecting' || value === 'close' ? value : value === 'closed' ? 'close' : 'unknown';
