import { z } from 'zod';
import { TicketPriority, type Ticket, type TicketCounters } from '../../contract/dashboard';

/**
 * Seed 004's wire format: what the Django Channels consumer sends, validated at the edge.
 * Lenient where Django is lenient (integer ids, numbers as strings, any-case priority, null
 * assignee); list items are validated one by one so one bad item does not blank a board.
 */

/** Django ids are often integers; the seed shows strings. Both become strings. */
const IdLike = z.union([z.string().min(1), z.number()]).transform(String);
/** Numbers may come as strings from a DecimalField serializer. */
const Num = z.union([z.number(), z.string().regex(/^-?\d+(\.\d+)?$/).transform(Number)]).pipe(z.number().finite());
/** A number the upstream does not know (`null`, absent) is shown as unknown, not a broken message. */
const NumOrNull = z.union([Num, z.null(), z.undefined()]).transform((v) => v ?? null);

/**
 * A time as ISO text (the seed's form) or epoch seconds/milliseconds (Python's `time.time()`,
 * JavaScript's `Date.now()`; also as digits in a string), as ISO text; null when it is none of
 * these. Text that parses is kept as sent (the offset the upstream wrote stays visible).
 */
export function stampText(v: unknown): string | null {
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || v <= 0) return null;
    // 1e11 s is the year 5138, 1e11 ms is 1973: below it the number can only be seconds.
    const d = new Date(v < 1e11 ? v * 1000 : v);
    return Number.isNaN(d.getTime()) ? null : d.toISOString();
  }
  if (typeof v !== 'string') return null;
  const text = v.trim();
  if (text === '') return null;
  if (/^\d{9,}(\.\d+)?$/.test(text)) return stampText(Number(text));
  return Number.isNaN(Date.parse(text)) ? null : v;
}
/** An item's date (required where the seed lists it): ISO text or epoch s/ms. */
const DateText = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const text = stampText(v);
  if (text === null) ctx.addIssue({ code: 'custom', message: 'not a date' });
  return text ?? '';
});
const OptText = z
  .string()
  .nullish()
  .transform((v) => v ?? undefined);
/** Priority and severity are matched case-insensitively. */
export const lower = (v: unknown) => (typeof v === 'string' ? v.trim().toLowerCase() : v);

export const WireTicket = z.object({
  id: IdLike,
  title: z.string(),
  description: OptText,
  // Required by the seed; an unassigned ticket (null) is shown as such rather than dropped.
  assignedTo: z.string().nullable().transform((v) => v ?? ''),
  priority: z.preprocess(lower, TicketPriority),
  status: z.string(),
  createdAt: DateText,
  updatedAt: OptText,
  entity: OptText,
  urgency: OptText,
});
export const WireProject = z.object({
  id: IdLike,
  name: z.string(),
  responsible: z.string().nullable().transform((v) => v ?? ''),
  status: z.string(),
  completed: NumOrNull,
  inProgress: NumOrNull,
  pending: NumOrNull,
  progress: NumOrNull,
  dueDate: DateText,
  updatedAt: OptText,
});
export const WirePerson = z.object({
  id: IdLike.optional(),
  name: z.string(),
  role: OptText,
  specialization: z.string().nullable().transform((v) => v ?? ''),
  available: z.boolean(),
  assignedCount: NumOrNull,
});
export const WireActivity = z.object({ id: IdLike.optional(), timestamp: DateText, description: z.string(), type: z.string(), severity: OptText });
const WireKpis = z.object({
  openTickets: NumOrNull,
  avgResponseTime: z.union([z.string(), z.number(), z.null(), z.undefined()]).transform((v) => (v === null || v === undefined ? null : String(v))),
  resolutionRate: NumOrNull,
  customerSatisfaction: NumOrNull,
  surveyCount: NumOrNull,
});
export const WireCounters = z.object({ critical: Num, high: Num, medium: Num, low: Num, total: Num });
/** The message's own `timestamp` is informative only: any form, or none, never makes a message unusable. */
const Stamp = z.unknown().optional().transform(stampText);

export const Envelope = z.discriminatedUnion('type', [
  z.object({ type: z.literal('tickets_update'), data: z.array(z.unknown()), counters: z.unknown().optional(), timestamp: Stamp }),
  z.object({ type: z.literal('projects_update'), data: z.array(z.unknown()), timestamp: Stamp }),
  z.object({
    type: z.literal('dashboard_update'),
    kpis: WireKpis,
    technicians: z.array(z.unknown()),
    analysts: z.array(z.unknown()),
    recentActivity: z.array(z.unknown()),
    timestamp: Stamp,
  }),
  ...(['new_ticket_alert', 'project_update_alert', 'critical_alert'] as const).map((type) =>
    z.object({
      type: z.literal(type),
      data: z.object({ id: IdLike, title: z.string().min(1), severity: z.unknown().optional(), soundUrl: z.string().nullish() }),
      timestamp: Stamp,
    }),
  ),
  z.object({ type: z.literal('remote_switch'), target: z.string().trim().min(1).max(200), timestamp: Stamp }),
  z.object({ type: z.literal('error'), message: z.unknown() }),
]);
export type Envelope = z.infer<typeof Envelope>;
/** Told apart from malformed ones: an unknown type is counted as such. */
export const knownTypes = new Set(['tickets_update', 'projects_update', 'dashboard_update', 'new_ticket_alert', 'project_update_alert', 'critical_alert', 'remote_switch', 'error']);

/** The first zod issue, short: `path: message`. */
export const issueText = (error: z.ZodError) => {
  const issue = error.issues[0];
  return `${issue?.path.join('.') || 'message'}: ${issue?.message ?? 'invalid'}`;
};

const priorities: ReadonlySet<unknown> = new Set(TicketPriority.options);
const optString = (v: unknown): v is string | undefined => v === undefined || typeof v === 'string';

/**
 * The common ticket shape checked plainly (a 5,000-ticket update arrives every few seconds):
 * string fields, a lower-case priority, a date that parses. Anything else (integer ids, nulls,
 * "HIGH") returns null and goes through `WireTicket`, which stays the authority and words the
 * error. The copy keeps only the contract's fields, as zod's would.
 */
export function plainTicket(raw: unknown): Ticket | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const t = raw as Record<string, unknown>;
  const { id, title, description, assignedTo, priority, status, createdAt, updatedAt, entity, urgency } = t;
  if (typeof id !== 'string' || id === '' || typeof title !== 'string' || typeof assignedTo !== 'string' || typeof status !== 'string') return null;
  if (!priorities.has(priority) || typeof createdAt !== 'string' || Number.isNaN(Date.parse(createdAt))) return null;
  if (!optString(description) || !optString(updatedAt) || !optString(entity) || !optString(urgency)) return null;
  return { id, title, description, assignedTo, priority: priority as Ticket['priority'], status, createdAt, updatedAt, entity, urgency };
}

const arrays = new WeakMap<z.ZodType, z.ZodType>();
/**
 * Validate array items: the whole list in one pass when all is well, else one by one so the
 * good ones are kept and the bad ones counted. `plain` is a cheaper check for the common
 * shape; what it refuses still goes through the schema.
 */
export function items<T>(schema: z.ZodType<T>, list: unknown[], view: string, plain?: (raw: unknown) => T | null): { ok: T[]; bad: number; firstIssue: string | null } {
  if (!plain) {
    let whole = arrays.get(schema);
    if (!whole) arrays.set(schema, (whole = z.array(schema)));
    const all = whole.safeParse(list);
    if (all.success) return { ok: all.data as T[], bad: 0, firstIssue: null };
  }
  const ok: T[] = [];
  let bad = 0;
  let firstIssue: string | null = null;
  for (let i = 0; i < list.length; i++) {
    const fast = plain?.(list[i]);
    if (fast) {
      ok.push(fast);
      continue;
    }
    const r = schema.safeParse(list[i]);
    if (r.success) ok.push(r.data);
    else {
      bad++;
      firstIssue ??= `${view}[${i}].${issueText(r.error)}`;
    }
  }
  return { ok, bad, firstIssue };
}

/** Counters as the seed's consumer computes them: by priority among open tickets; total counts all. */
export function computeCounters(tickets: readonly Ticket[]): TicketCounters {
  const c = { critical: 0, high: 0, medium: 0, low: 0, total: tickets.length };
  for (const t of tickets) if (t.status === 'open') c[t.priority]++;
  return c;
}
