import type { EventIds } from '../../contract';
import type { Snapshot, Ticket, TicketCounters, WallboardState } from '../../contract/dashboard';
import type { CoreContext } from '../../core/context';
import { jsonValueProblem, parseJson, preview } from '../validate';
import { alertViews, wallboardAlert } from './alerts';
import type { BoardStore } from './boards';
import type { HealthCounters, ProblemKind } from './health';
import { mostUrgent } from './tickets';
import { computeCounters, Envelope, issueText, items, knownTypes, plainTicket, WireActivity, WireCounters, WirePerson, WireProject, WireTicket } from './wire';

export type Origin = 'upstream' | 'simulated';

/**
 * Every message of seed 004, validated with zod here: per-view required fields follow the
 * seed's list; bad items are left out and counted, bad or unknown messages are counted and
 * shown, nothing crashes. Accepted views go to the board store; alerts to the alert center;
 * a remote switch to the hub.
 */
export class DashboardMessages {
  private lastSwitch: WallboardState['lastSwitch'] = null;

  constructor(
    private readonly deps: {
      ctx: Pick<CoreContext, 'hub' | 'journal' | 'alerts'>;
      boards: BoardStore;
      health: HealthCounters;
      /** The link: one event accepted, one problem counted. */
      link: { event(): void; error(message: string): void };
      /** The channel's URL (relative sound URLs resolve against it). */
      url: () => string;
    },
  ) {}

  get lastRemoteSwitch(): WallboardState['lastSwitch'] {
    return this.lastSwitch;
  }

  /** One text frame from the socket. */
  receive(text: string): void {
    const json = parseJson(text);
    if (!json.ok) return this.problem('malformed', json.message, { text: preview(text, 2_000) });
    this.ingest(json.value);
  }

  /** A parsed message through validation and handling (the socket, the test panel, tests). */
  ingest(raw: unknown, origin: Origin = 'upstream'): void {
    // Upstream text was checked before parsing; a test-panel message arrives as a value.
    if (origin === 'simulated') {
      const tooBig = jsonValueProblem(raw);
      if (tooBig) return this.problem('malformed', `simulated message: ${tooBig}`, null);
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return this.problem('malformed', `not a JSON object: ${preview(JSON.stringify(raw))}`, raw);
    const type = (raw as { type?: unknown }).type;
    if (typeof type !== 'string' || !knownTypes.has(type)) return this.problem('unknown', `unknown message type ${preview(JSON.stringify(type ?? null), 60)}`, raw);
    const parsed = Envelope.safeParse(raw);
    if (!parsed.success) return this.problem('malformed', `${type}: ${issueText(parsed.error)}`, raw);
    this.handle(parsed.data, origin, raw);
  }

  /** Bad input: counted on the link, in the health counters, and in the journal as an error. */
  private problem(kind: ProblemKind, message: string, raw: unknown, n = 1): void {
    this.deps.health.count(kind, message, n);
    this.deps.link.error(message);
    this.deps.ctx.journal.record({ upstream: 'dashboard', type: kind === 'upstreamErrors' ? 'error' : `invalid.${kind}`, level: 'error', ids: {}, summary: message, raw });
  }

  private accept(snapshot: Snapshot, origin: Origin, summary: string, ids: EventIds, raw: unknown): void {
    this.deps.boards.accept(snapshot);
    this.deps.ctx.hub.publish('dashboard.snapshot', snapshot);
    this.deps.link.event();
    this.deps.ctx.journal.record({ upstream: 'dashboard', type: `${snapshot.view}_update`, level: 'info', ids, summary: origin === 'simulated' ? `[test panel] ${summary}` : summary, raw });
  }

  private handle(msg: Envelope, origin: Origin, raw: unknown): void {
    const { ctx } = this.deps;
    const receivedAt = Date.now();
    switch (msg.type) {
      case 'tickets_update': {
        const r = items(WireTicket, msg.data, 'data', plainTicket);
        if (r.bad) this.problem('invalidItems', `tickets_update: ${r.bad} of ${msg.data.length} tickets invalid and left out (${r.firstIssue})`, { firstIssue: r.firstIssue }, r.bad);
        const tickets: Ticket[] = r.ok;
        let counters: TicketCounters;
        let countersComputed = false;
        const c = msg.counters === undefined ? null : WireCounters.safeParse(msg.counters);
        if (c?.success) counters = c.data;
        else {
          if (c) this.problem('malformed', `tickets_update: counters ${issueText(c.error)}; counted from the tickets instead`, msg.counters);
          counters = computeCounters(tickets);
          countersComputed = true;
        }
        this.accept(
          { view: 'tickets', tickets: mostUrgent(tickets), ticketCount: tickets.length, counters, countersComputed, timestamp: msg.timestamp, receivedAt, invalidItems: r.bad },
          origin,
          `${tickets.length} tickets (critical ${counters.critical}, high ${counters.high}, medium ${counters.medium}, low ${counters.low}, total ${counters.total})`,
          {},
          { type: msg.type, tickets: tickets.length, counters, timestamp: msg.timestamp, sample: tickets.slice(0, 3) },
        );
        return;
      }
      case 'projects_update': {
        const r = items(WireProject, msg.data, 'data');
        if (r.bad) this.problem('invalidItems', `projects_update: ${r.bad} of ${msg.data.length} projects invalid and left out (${r.firstIssue})`, { firstIssue: r.firstIssue }, r.bad);
        this.accept({ view: 'projects', projects: r.ok, timestamp: msg.timestamp, receivedAt, invalidItems: r.bad }, origin, `${r.ok.length} projects`, {}, { type: msg.type, projects: r.ok.length, timestamp: msg.timestamp, sample: r.ok.slice(0, 3) });
        return;
      }
      case 'dashboard_update': {
        const t = items(WirePerson, msg.technicians, 'technicians');
        const a = items(WirePerson, msg.analysts, 'analysts');
        const act = items(WireActivity, msg.recentActivity, 'recentActivity');
        const bad = t.bad + a.bad + act.bad;
        if (bad) this.problem('invalidItems', `dashboard_update: ${bad} entries invalid and left out (${t.firstIssue ?? a.firstIssue ?? act.firstIssue})`, null, bad);
        this.accept(
          { view: 'dashboard', kpis: msg.kpis, technicians: t.ok, analysts: a.ok, recentActivity: act.ok, timestamp: msg.timestamp, receivedAt, invalidItems: bad },
          origin,
          `KPIs: ${msg.kpis.openTickets} open, ${msg.kpis.resolutionRate}% resolved; ${t.ok.length} technicians, ${a.ok.length} analysts`,
          {},
          raw,
        );
        return;
      }
      case 'new_ticket_alert':
      case 'project_update_alert':
      case 'critical_alert': {
        const { severity, ids, soundUrl } = wallboardAlert(msg, this.deps.url());
        this.deps.link.event();
        ctx.journal.record({ upstream: 'dashboard', type: msg.type, level: severity === 'critical' || severity === 'high' ? 'warn' : 'info', ids, summary: `${origin === 'simulated' ? '[test panel] ' : ''}${severity}: ${msg.data.title}`, raw });
        ctx.alerts.raise({
          source: 'dashboard',
          severity,
          key: `dashboard:${msg.type}:${msg.data.id}`,
          title: msg.data.title,
          // A ticket or project number means something to the room; a critical alert's id does not.
          detail: msg.type === 'new_ticket_alert' ? `#${msg.data.id}` : msg.type === 'project_update_alert' ? msg.data.id : '',
          ids,
          view: alertViews[msg.type],
          ...(soundUrl ? { soundUrl } : {}),
        });
        return;
      }
      case 'remote_switch': {
        this.lastSwitch = { target: msg.target, at: receivedAt };
        this.deps.link.event();
        ctx.journal.record({ upstream: 'dashboard', type: 'remote_switch', level: 'info', ids: {}, summary: `remote switch → ${msg.target}`, raw });
        ctx.hub.publish('dashboard.remoteSwitch', { target: msg.target, at: receivedAt, source: 'upstream' });
        return;
      }
      case 'error': {
        const text = typeof msg.message === 'string' ? msg.message : JSON.stringify(msg.message ?? null);
        this.problem('upstreamErrors', `upstream error: ${preview(text, 300)}`, raw);
        return;
      }
    }
  }
}
