import type { Ticket } from '../../contract/dashboard';

/**
 * What a tickets board can show: the most urgent tickets, priority first, then the longest
 * waiting. A wall shows a few dozen rows; main keeps and sends this many, so a 5,000-ticket
 * update costs each window (one per display) a few kilobytes instead of megabytes. The
 * counters and `ticketCount` still describe every ticket.
 */
export const BOARD_TICKETS = 200;

const rank: Record<Ticket['priority'], number> = { critical: 0, high: 1, medium: 2, low: 3 };

export function mostUrgent(tickets: readonly Ticket[], max = BOARD_TICKETS): Ticket[] {
  const keyed = tickets.map((t) => ({ t, r: rank[t.priority], at: Date.parse(t.createdAt) }));
  keyed.sort((a, b) => a.r - b.r || a.at - b.at);
  const out: Ticket[] = [];
  for (let i = 0; i < keyed.length && i < max; i++) out.push(keyed[i]!.t);
  return out;
}
