/**
 * Rows written before the contract's fields were renamed to English (issue 15) still hold the
 * old Portuguese names. Reading maps them once, at the storage edge, so nothing else sees them:
 * a new name already present wins over an old one.
 */
export type Renames = Readonly<Record<string, string>>;

/** A copy of `raw` with each old key moved to its new name; anything that is not a plain object is returned as is. */
export function renamed(raw: unknown, renames: Renames): unknown {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw;
  const out: Record<string, unknown> = { ...(raw as Record<string, unknown>) };
  for (const [from, to] of Object.entries(renames)) {
    if (!Object.hasOwn(out, from)) continue;
    if (!Object.hasOwn(out, to)) out[to] = out[from];
    delete out[from];
  }
  return out;
}
