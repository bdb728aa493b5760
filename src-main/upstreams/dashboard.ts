import { randomInt } from 'node:crypto';
import WebSocket from 'ws';
import type { EventIds, TestResult } from '../contract';
import {
  DashboardSnapshot,
  Project,
  ProjectsSnapshot,
  Ticket,
  TicketCounters,
  TicketsSnapshot,
  wallboardViews,
  type DashboardHealth,
  type Snapshot,
  type WallboardState,
  type WallboardView,
} from '../contract/dashboard';
import { CommandError } from '../core/commands';
import type { CoreContext, ModuleFactory } from '../core/context';
import { alertViews, wallboardAlert } from './dashboard/alerts';
import { mostUrgent } from './dashboard/tickets';
import { computeCounters, Envelope, issueText, items, knownTypes, plainTicket, WireActivity, WireCounters, WirePerson, WireProject, WireTicket } from './dashboard/wire';
import { underLink, type LinkSession } from './lifecycle';
import { jsonValueProblem, parseJson, preview } from './validate';
import { openWebSocket, sendJson } from './ws-link';

/**
 * Seed 004's dashboard channel (Django Channels, `ws/dashboard_control/`). On every connect:
 * `identify` with this console's stable clientId, then `request_data` for each view. Every
 * message is validated with zod here; per-view required fields follow the seed's list. Bad
 * items are left out and counted, bad or unknown messages are counted and shown, nothing
 * crashes. The latest snapshot of each view is kept in memory and in SQLite with its receive
 * time so a kiosk that boots offline shows the last known board with its age.
 *
 * The wire schemas live in `dashboard/wire.ts`, the alert mapping in `dashboard/alerts.ts`.
 */

export { alertViews } from './dashboard/alerts';
export { computeCounters } from './dashboard/wire';

export const makeClientId = (): string => `Kiosk-${Array.from({ length: 5 }, () => 'ABCDEFGHIJKLMNPQRSTUVWXYZ'[randomInt(25)]).join('')}`;

const snapshotKey = (view: WallboardView) => `dashboard.snapshot.${view}`;

export interface DashboardConnector {
  state(): WallboardState;
  /** Run a parsed message through validation and handling (the socket, the test panel, tests). */
  ingest(raw: unknown, origin?: 'upstream' | 'simulated'): void;
}

export const dashboardModule: ModuleFactory = (ctx) => createDashboardConnector(ctx).module;

export function createDashboardConnector(ctx: CoreContext) {
  const snapshots: { tickets: TicketsSnapshot | null; projects: ProjectsSnapshot | null; dashboard: DashboardSnapshot | null } = { tickets: null, projects: null, dashboard: null };
  const health: DashboardHealth = { unknown: 0, malformed: 0, invalidItems: 0, upstreamErrors: 0, lastProblem: null };
  let lastSwitch: WallboardState['lastSwitch'] = null;
  let ws: WebSocket | null = null;
  let session: LinkSession | null = null;
  const dirty = new Set<WallboardView>();
  let persistTimer: NodeJS.Timeout | null = null;
  let healthTimer: NodeJS.Timeout | null = null;
  const unsubscribe: Array<() => void> = [];

  const settings = () => ctx.effective().upstreams.dashboard;
  const clientId = () => ctx.settings.get().upstreams.dashboard.clientId;

  // Last known boards, from disk: shown at boot with their age, even with no network.
  for (const view of wallboardViews) {
    const stored = ctx.storage.getJson<Record<string, unknown>>(snapshotKey(view));
    // Saved by a version that kept every ticket unsorted: count them, keep the most urgent.
    const legacy = view === 'tickets' && stored && Array.isArray(stored.tickets) && stored.ticketCount === undefined;
    if (legacy) stored.ticketCount = (stored.tickets as unknown[]).length;
    const schema = { tickets: TicketsSnapshot, projects: ProjectsSnapshot, dashboard: DashboardSnapshot }[view];
    const parsed = schema.safeParse(stored);
    if (!parsed.success) continue;
    if (legacy && parsed.data.view === 'tickets') parsed.data.tickets = mostUrgent(parsed.data.tickets);
    (snapshots as Record<WallboardView, Snapshot | null>)[view] = parsed.data;
  }

  const publishHealth = () => {
    healthTimer ??= setTimeout(
      underLink(() => ctx.links.get('dashboard'), () => {
        healthTimer = null;
        ctx.hub.publish('dashboard.health', { ...health });
      }),
      200,
    );
  };
  /** Bad input: counted on the link, in the health counters, and in the journal as an error. */
  const problem = (kind: 'unknown' | 'malformed' | 'invalidItems' | 'upstreamErrors', message: string, raw: unknown, n = 1) => {
    health[kind] += n;
    health.lastProblem = { at: Date.now(), message };
    if (session) session.error(message);
    else ctx.links.get('dashboard')?.noteError(message);
    ctx.journal.record({ upstream: 'dashboard', type: kind === 'upstreamErrors' ? 'error' : `invalid.${kind}`, level: 'error', ids: {}, summary: message, raw });
    publishHealth();
  };

  const persistSoon = (view: WallboardView) => {
    dirty.add(view);
    // A throw (a write that fails) restarts the link and is alerted, never ends the process.
    persistTimer ??= setTimeout(underLink(() => ctx.links.get('dashboard'), persist), 1_000);
  };
  const persist = () => {
    if (persistTimer) clearTimeout(persistTimer);
    persistTimer = null;
    for (const view of dirty) ctx.storage.putJson(snapshotKey(view), snapshots[view]);
    dirty.clear();
  };

  const accept = (snapshot: Snapshot, origin: string, summary: string, ids: EventIds, raw: unknown) => {
    (snapshots as Record<WallboardView, Snapshot | null>)[snapshot.view] = snapshot;
    persistSoon(snapshot.view);
    ctx.hub.publish('dashboard.snapshot', snapshot);
    session?.event();
    ctx.journal.record({ upstream: 'dashboard', type: `${snapshot.view}_update`, level: 'info', ids, summary: origin === 'simulated' ? `[test panel] ${summary}` : summary, raw });
  };

  const handle = (msg: Envelope, origin: 'upstream' | 'simulated', raw: unknown) => {
    const receivedAt = Date.now();
    switch (msg.type) {
      case 'tickets_update': {
        const r = items(WireTicket, msg.data, 'data', plainTicket);
        if (r.bad) problem('invalidItems', `tickets_update: ${r.bad} of ${msg.data.length} tickets invalid and left out (${r.firstIssue})`, { firstIssue: r.firstIssue }, r.bad);
        const tickets: Ticket[] = r.ok;
        let counters: TicketCounters;
        let countersComputed = false;
        const c = msg.counters === undefined ? null : WireCounters.safeParse(msg.counters);
        if (c?.success) counters = c.data;
        else {
          if (c) problem('malformed', `tickets_update: counters ${issueText(c.error)}; counted from the tickets instead`, msg.counters);
          counters = computeCounters(tickets);
          countersComputed = true;
        }
        accept(
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
        if (r.bad) problem('invalidItems', `projects_update: ${r.bad} of ${msg.data.length} projects invalid and left out (${r.firstIssue})`, { firstIssue: r.firstIssue }, r.bad);
        const projects: Project[] = r.ok;
        accept({ view: 'projects', projects, timestamp: msg.timestamp, receivedAt, invalidItems: r.bad }, origin, `${projects.length} projects`, {}, { type: msg.type, projects: projects.length, timestamp: msg.timestamp, sample: projects.slice(0, 3) });
        return;
      }
      case 'dashboard_update': {
        const t = items(WirePerson, msg.technicians, 'technicians');
        const a = items(WirePerson, msg.analysts, 'analysts');
        const act = items(WireActivity, msg.recentActivity, 'recentActivity');
        const bad = t.bad + a.bad + act.bad;
        if (bad) problem('invalidItems', `dashboard_update: ${bad} entries invalid and left out (${t.firstIssue ?? a.firstIssue ?? act.firstIssue})`, null, bad);
        accept(
          {
            view: 'dashboard',
            kpis: msg.kpis,
            technicians: t.ok,
            analysts: a.ok,
            recentActivity: act.ok,
            timestamp: msg.timestamp,
            receivedAt,
            invalidItems: bad,
          },
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
        const { severity, ids, soundUrl } = wallboardAlert(msg, settings().url);
        session?.event();
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
        lastSwitch = { target: msg.target, at: receivedAt };
        session?.event();
        ctx.journal.record({ upstream: 'dashboard', type: 'remote_switch', level: 'info', ids: {}, summary: `remote switch → ${msg.target}`, raw });
        ctx.hub.publish('dashboard.remoteSwitch', { target: msg.target, at: receivedAt, source: 'upstream' });
        return;
      }
      case 'error': {
        const text = typeof msg.message === 'string' ? msg.message : JSON.stringify(msg.message ?? null);
        problem('upstreamErrors', `upstream error: ${preview(text, 300)}`, raw);
        return;
      }
    }
  };

  const ingest = (raw: unknown, origin: 'upstream' | 'simulated' = 'upstream') => {
    // Upstream text was checked before parsing; a test-panel message arrives as a value.
    if (origin === 'simulated') {
      const tooBig = jsonValueProblem(raw);
      if (tooBig) return problem('malformed', `simulated message: ${tooBig}`, null);
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return problem('malformed', `not a JSON object: ${preview(JSON.stringify(raw))}`, raw);
    const type = (raw as { type?: unknown }).type;
    if (typeof type !== 'string' || !knownTypes.has(type)) return problem('unknown', `unknown message type ${preview(JSON.stringify(type ?? null), 60)}`, raw);
    const parsed = Envelope.safeParse(raw);
    if (!parsed.success) return problem('malformed', `${type}: ${issueText(parsed.error)}`, raw);
    handle(parsed.data, origin, raw);
  };

  const onText = (text: string) => {
    const json = parseJson(text);
    if (!json.ok) return problem('malformed', json.message, { text: preview(text, 2_000) });
    ingest(json.value);
  };

  const send = (message: object) => {
    if (!sendJson(ws, { ...message, timestamp: new Date().toISOString() })) throw new CommandError('unavailable', 'the dashboard channel is not connected');
  };

  const headers = (): Record<string, string> => {
    const token = ctx.secrets.get('dashboard.token');
    return token ? { Authorization: `Bearer ${token}` } : {};
  };

  const test = async (): Promise<TestResult> => {
    const url = settings().url;
    if (!url) return { success: false, message: 'no dashboard URL configured', status_code: 0, token_status: 'n/a' };
    const token_status = ctx.secrets.get('dashboard.token') ? 'token present' : 'no token (channel is open)';
    return new Promise((resolve) => {
      const probe = new WebSocket(url.replace(/^http/, 'ws'), { headers: headers(), handshakeTimeout: 5_000 });
      const done = (r: TestResult) => {
        probe.removeAllListeners();
        probe.on('error', () => undefined);
        probe.terminate();
        resolve(r);
      };
      probe.on('open', () => done({ success: true, message: 'WebSocket handshake accepted', status_code: 101, token_status }));
      probe.on('unexpected-response', (_req, res) => done({ success: false, message: `HTTP ${res.statusCode} instead of a WebSocket`, status_code: res.statusCode ?? 0, token_status }));
      probe.on('error', (e) => done({ success: false, message: e.message, status_code: 0, token_status }));
    });
  };

  const link = ctx.links.create({
    id: 'dashboard',
    url: () => settings().url,
    demo: () => ctx.isDemo('dashboard'),
    idleTimeoutMs: 75_000,
    async open(s) {
      const url = settings().url;
      if (!url) throw new Error('no dashboard URL configured');
      session = s;
      const socket = await openWebSocket({ url: url.replace(/^http/, 'ws'), session: s, headers: headers(), pingIntervalMs: 25_000, onMessage: onText });
      ws = socket;
      // The seed: identify first, then ask for every view.
      sendJson(socket, { type: 'identify', clientId: clientId(), timestamp: new Date().toISOString() });
      for (const view of wallboardViews) sendJson(socket, { type: 'request_data', view, timestamp: new Date().toISOString() });
      ctx.journal.record({ upstream: 'dashboard', type: 'identify', level: 'info', ids: {}, summary: `identified as ${clientId()}; requested ${wallboardViews.join(', ')}`, raw: { clientId: clientId() } });
    },
    close() {
      ws = null;
      session = null;
    },
    test,
  });

  const ensureClientId = () => {
    if (clientId()) return;
    const id = makeClientId();
    ctx.settings.patch((s) => ({ ...s, upstreams: { ...s.upstreams, dashboard: { ...s.upstreams.dashboard, clientId: id } } }));
  };

  const state = (): WallboardState => ({ clientId: clientId(), ...snapshots, health: { ...health }, lastSwitch });

  const module = {
    name: 'dashboard',
    start() {
      ensureClientId();
      ctx.commands.handle('dashboard.state', () => state());
      ctx.commands.handle('dashboard.requestData', ({ view }) => {
        for (const v of view === 'all' ? wallboardViews : [view]) send({ type: 'request_data', view: v });
        return { ok: true as const };
      });
      ctx.commands.handle('dashboard.remoteSwitch', ({ target }) => {
        send({ type: 'remote_switch', target });
        ctx.journal.record({ upstream: 'dashboard', type: 'remote_switch.sent', level: 'info', ids: {}, summary: `remote switch sent → ${target}`, raw: { target } });
        return { ok: true as const };
      });
      ctx.commands.handle('dashboard.setClientId', ({ clientId: id }) => {
        ctx.settings.patch((s) => ({ ...s, upstreams: { ...s.upstreams, dashboard: { ...s.upstreams.dashboard, clientId: id } } }));
        return { clientId: id };
      });
      ctx.commands.handle('dashboard.simulate', ({ message }) => (ingest(message, 'simulated'), { ok: true as const }));
      unsubscribe.push(
        ctx.settings.onChange((next, previous) => {
          const a = next.upstreams.dashboard;
          const b = previous.upstreams.dashboard;
          if (a.url === b.url && a.enabled === b.enabled && a.clientId === b.clientId) return;
          if (!a.clientId) return ensureClientId();
          if (a.enabled) link.connect();
          else link.disconnect('disabled');
        }),
        ctx.secrets.onChange((name) => name === 'dashboard.token' && link.connect()),
      );
      if (settings().enabled && settings().url) link.connect();
      else link.disconnect(settings().url ? 'disabled' : 'unconfigured');
    },
    stop() {
      for (const off of unsubscribe) off();
      if (healthTimer) clearTimeout(healthTimer);
      persist();
    },
  };
  return { module, connector: { state, ingest } satisfies DashboardConnector };
}
