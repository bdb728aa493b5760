import { z } from 'zod';
import { Ok } from './common';
import { channel, command, lossless } from './define';

/**
 * Seed 004: the help-desk dashboard channel (Django Channels, `ws/dashboard_control/`) and the
 * kiosk wallboards built on it. Wire schemas (what the upstream sends) live in
 * `upstreams/dashboard/wire.ts`; these are the shapes main hands to the renderer after validation.
 */

export const wallboardViews = ['dashboard', 'tickets', 'projects'] as const;
export const WallboardView = z.enum(wallboardViews);
export type WallboardView = z.infer<typeof WallboardView>;

export const ticketPriorities = ['critical', 'high', 'medium', 'low'] as const;
export const TicketPriority = z.enum(ticketPriorities);
export type TicketPriority = z.infer<typeof TicketPriority>;

export const Ticket = z.object({
  id: z.string(),
  title: z.string(),
  description: z.string().optional(),
  assignedTo: z.string(),
  priority: TicketPriority,
  status: z.string(),
  createdAt: z.string(),
  updatedAt: z.string().optional(),
  entity: z.string().optional(),
  urgency: z.string().optional(),
});
export type Ticket = z.infer<typeof Ticket>;

export const TicketCounters = z.object({
  critical: z.number(),
  high: z.number(),
  medium: z.number(),
  low: z.number(),
  total: z.number(),
});
export type TicketCounters = z.infer<typeof TicketCounters>;

export const Project = z.object({
  id: z.string(),
  name: z.string(),
  responsible: z.string(),
  status: z.string(),
  // null: the upstream sent no number (shown as unknown).
  completed: z.number().nullable(),
  inProgress: z.number().nullable(),
  pending: z.number().nullable(),
  progress: z.number().nullable(),
  dueDate: z.string(),
  updatedAt: z.string().optional(),
});
export type Project = z.infer<typeof Project>;

/** null: the upstream sent no value for that figure (shown as unknown). */
export const Kpis = z.object({
  openTickets: z.number().nullable(),
  avgResponseTime: z.string().nullable(),
  resolutionRate: z.number().nullable(),
  customerSatisfaction: z.number().nullable(),
  surveyCount: z.number().nullable(),
});
export type Kpis = z.infer<typeof Kpis>;

export const Person = z.object({
  id: z.string().optional(),
  name: z.string(),
  role: z.string().optional(),
  specialization: z.string(),
  available: z.boolean(),
  assignedCount: z.number().nullable(),
});
export type Person = z.infer<typeof Person>;

export const Activity = z.object({
  id: z.string().optional(),
  timestamp: z.string(),
  description: z.string(),
  type: z.string(),
  severity: z.string().optional(),
});
export type Activity = z.infer<typeof Activity>;

/** Common to every snapshot: when the upstream stamped it, when main received it, items it had to drop. */
const SnapshotMeta = {
  /** Upstream `timestamp` (ISO text as sent, or epoch s/ms as ISO) if it sent a usable one. */
  timestamp: z.string().nullable(),
  /** When main accepted it (ms since epoch); the age shown on stale boards. */
  receivedAt: z.number(),
  /** Items that failed validation and were left out (counted as errors too). */
  invalidItems: z.number().int(),
};

export const TicketsSnapshot = z.object({
  view: z.literal('tickets'),
  /** The most urgent first (priority, then the longest waiting), at most 200: what a board can show. */
  tickets: z.array(Ticket),
  /** Every valid ticket in the update (the list above is its head). */
  ticketCount: z.number().int().nonnegative(),
  counters: TicketCounters,
  countersComputed: z.boolean(),
  ...SnapshotMeta,
});
export const ProjectsSnapshot = z.object({ view: z.literal('projects'), projects: z.array(Project), ...SnapshotMeta });
export const DashboardSnapshot = z.object({
  view: z.literal('dashboard'),
  kpis: Kpis,
  technicians: z.array(Person),
  analysts: z.array(Person),
  recentActivity: z.array(Activity),
  ...SnapshotMeta,
});
export const Snapshot = z.discriminatedUnion('view', [TicketsSnapshot, ProjectsSnapshot, DashboardSnapshot]);
export type TicketsSnapshot = z.infer<typeof TicketsSnapshot>;
export type ProjectsSnapshot = z.infer<typeof ProjectsSnapshot>;
export type DashboardSnapshot = z.infer<typeof DashboardSnapshot>;
export type Snapshot = z.infer<typeof Snapshot>;

/** What the connector counted that it could not use. */
export const DashboardHealth = z.object({
  unknown: z.number().int(),
  malformed: z.number().int(),
  invalidItems: z.number().int(),
  upstreamErrors: z.number().int(),
  lastProblem: z.object({ at: z.number(), message: z.string() }).nullable(),
});
export type DashboardHealth = z.infer<typeof DashboardHealth>;

export const WallboardState = z.object({
  clientId: z.string(),
  tickets: TicketsSnapshot.nullable(),
  projects: ProjectsSnapshot.nullable(),
  dashboard: DashboardSnapshot.nullable(),
  health: DashboardHealth,
  /** Last `remote_switch` received (kiosks follow it). */
  lastSwitch: z.object({ target: z.string(), at: z.number() }).nullable(),
});
export type WallboardState = z.infer<typeof WallboardState>;

export const RemoteSwitch = z.object({ target: z.string(), at: z.number(), source: z.enum(['upstream', 'local']) });
export type RemoteSwitch = z.infer<typeof RemoteSwitch>;

/** Kiosk playlists: any console route, each with its dwell time. */
export const PlaylistItem = z.object({
  route: z.string().regex(/^\/[^\s]*$/, 'a console route such as /wallboard/tickets').max(200),
  dwellSec: z.number().int().min(5).max(3_600).default(30),
});
export type PlaylistItem = z.infer<typeof PlaylistItem>;

export const defaultPlaylist: PlaylistItem[] = [
  { route: '/wallboard', dwellSec: 30 },
  { route: '/wallboard/tickets', dwellSec: 45 },
  { route: '/wallboard/projects', dwellSec: 30 },
];

export const KioskSettings = z.object({
  /** Electron: open kiosk windows at start (one per display). */
  enabled: z.boolean().default(false),
  /** Start at login (Windows/macOS login items, Linux XDG autostart). */
  autostart: z.boolean().default(false),
  /** One playlist per display index; displays beyond the list use the first one. */
  playlists: z.array(z.array(PlaylistItem).min(1).max(50)).min(1).max(8).default([defaultPlaylist]),
  /** Rotation pauses this long after the last touch, click or key. */
  idleResumeSec: z.number().int().min(5).max(3_600).default(60),
  /** A new alert of these severities takes the screen to its view. */
  preemptSeverities: z.array(z.enum(['critical', 'high', 'medium', 'low', 'info'])).default(['critical', 'high']),
  /** How long a pre-empting alert holds the screen if nobody acknowledges it. */
  preemptHoldSec: z.number().int().min(5).max(3_600).default(120),
  /** A board is "stale" (its age shown prominently) after this long without an update. */
  staleAfterSec: z.number().int().min(10).max(86_400).default(90),
  /** How long a remote switch holds its view before the rotation resumes. */
  remoteHoldSec: z.number().int().min(5).max(3_600).default(60),
});
export type KioskSettings = z.infer<typeof KioskSettings>;

export const dashboardCommands = {
  'dashboard.state': command({ input: z.object({}), output: WallboardState, summary: 'Latest snapshot of every wallboard view (with receive time), counters, client id.' }),
  'dashboard.requestData': command({
    input: z.object({ view: WallboardView.or(z.literal('all')).default('all') }),
    output: Ok,
    summary: 'Send `request_data` for one view (or all three) upstream.',
  }),
  'dashboard.remoteSwitch': command({
    input: z.object({ target: z.string().min(1).max(200) }),
    output: Ok,
    summary: 'Send `remote_switch` upstream: other kiosks on the channel switch to `target`.',
  }),
  'dashboard.setClientId': command({
    input: z.object({ clientId: z.string().regex(/^[A-Za-z0-9_-]{3,64}$/, 'letters, digits, - and _ only (3–64)') }),
    output: z.object({ clientId: z.string() }),
    privileged: true,
    summary: 'Change the kiosk identity sent in `identify` (reconnects).',
  }),
  'dashboard.simulate': command({
    input: z.object({ message: z.record(z.string(), z.unknown()) }),
    output: Ok,
    privileged: true,
    summary: 'Test panel: run a seed-shaped message through the connector as if the upstream sent it (journal marks it simulated).',
  }),
  'kiosk.exit': command({
    input: z.object({ pin: z.string().max(64).default('') }),
    output: z.object({ ok: z.boolean(), reason: z.enum(['wrong-pin', 'locked-out', 'pin-required']).optional() }),
    summary: 'Leave kiosk mode with the kiosk PIN, or the admin PIN when no kiosk PIN is set; with no PIN at all it answers pin-required (set the first admin PIN first).',
  }),
  'kiosk.setPin': command({
    input: z.object({ pin: z.string().regex(/^\d{4,12}$/, '4 to 12 digits').or(z.literal('')) }),
    output: z.object({ pinSet: z.boolean() }),
    privileged: true,
    summary: 'Set (or clear with "") the admin PIN needed to leave kiosk mode; stored hashed in main.',
  }),
  'kiosk.status': command({ input: z.object({}), output: z.object({ pinSet: z.boolean() }), summary: 'Whether a kiosk PIN is set.' }),
} as const;

export const dashboardChannels = {
  'dashboard.snapshot': channel({ schema: Snapshot, policy: lossless, summary: 'A validated tickets / projects / dashboard update.' }),
  'dashboard.remoteSwitch': channel({ schema: RemoteSwitch, policy: lossless, summary: 'A `remote_switch` arrived: kiosks switch their view.' }),
  'dashboard.health': channel({ schema: DashboardHealth, policy: lossless, summary: 'Unknown / malformed message counters changed.' }),
  'kiosk.exited': channel({ schema: z.object({ at: z.number() }), policy: lossless, summary: 'Kiosk mode was left with the PIN (hosts close kiosk windows).' }),
  'kiosk.exitRequested': channel({
    schema: z.object({ at: z.number(), reason: z.enum(['quit']) }),
    policy: lossless,
    summary: "The desktop tray's Quit was chosen in kiosk mode: kiosk screens open the PIN prompt; leaving with the PIN then quits.",
  }),
} as const;
