import type { AuditEntry } from '../contract/admin';
import type { Storage } from '../core/storage';

const clip = (text: string, max = 300) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** What changed between two settings objects, as dotted paths with old → new (settings never hold secrets). */
export function diffSettings(before: unknown, after: unknown, prefix = ''): Array<{ path: string; from: unknown; to: unknown }> {
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((key) => diffSettings(before[key], after[key], prefix ? `${prefix}.${key}` : key));
  }
  return JSON.stringify(before) === JSON.stringify(after) ? [] : [{ path: prefix || '(root)', from: before, to: after }];
}

export const showValue = (value: unknown): string => (value === undefined ? '∅' : clip(JSON.stringify(value), 120));

/**
 * The audit log of admin changes, in SQLite: what, on what, when, from which caller session.
 * Callers pass names and settings paths only; a secret value has no field to go into.
 */
export class AuditLog {
  constructor(private readonly storage: Storage) {
    storage.migrate('admin', [
      `CREATE TABLE admin_audit (seq INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, action TEXT NOT NULL,
         target TEXT NOT NULL, detail TEXT NOT NULL, caller TEXT NOT NULL);
       CREATE INDEX admin_audit_at ON admin_audit(at);`,
    ]);
  }

  record(entry: { action: string; target?: string; detail?: string; caller?: string }, at = Date.now()): void {
    this.storage.run(
      'INSERT INTO admin_audit (at, action, target, detail, caller) VALUES (?, ?, ?, ?, ?)',
      at,
      clip(entry.action, 80),
      clip(entry.target ?? '', 200),
      clip(entry.detail ?? ''),
      clip(entry.caller ?? 'main', 80),
    );
  }

  list(limit = 200, before?: number): AuditEntry[] {
    const rows = (
      before === undefined
        ? this.storage.db.prepare('SELECT seq, at, action, target, detail, caller FROM admin_audit ORDER BY seq DESC LIMIT ?').all(limit)
        : this.storage.db.prepare('SELECT seq, at, action, target, detail, caller FROM admin_audit WHERE seq < ? ORDER BY seq DESC LIMIT ?').all(before, limit)
    ) as unknown as AuditEntry[];
    return rows.map((r) => ({ seq: Number(r.seq), at: Number(r.at), action: r.action, target: r.target, detail: r.detail, caller: r.caller }));
  }

  /** Retention: drop entries older than `cutoff`. */
  purgeOlderThan(cutoff: number): number {
    return Number(this.storage.db.prepare('DELETE FROM admin_audit WHERE at < ?').run(cutoff).changes);
  }
}
