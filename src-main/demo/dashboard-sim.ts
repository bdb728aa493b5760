import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { closeServer, listen as listenOn, portOf } from '../core/http-listen';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { createRandom, type Random } from './random';
import type { Simulator, SimulatorOptions } from './types';
import { makeBeepWav } from './wav';

/**
 * Help-desk wallboard upstream: behaves like the seed's Django Channels `DashboardConsumer` on
 * `/ws/dashboard_control/`, with the seed's exact field names, and serves its own alert sounds
 * over HTTP so `soundUrl` points at something real.
 *
 * `seedOnly`: exactly what seed 004's consumer does — `remote_switch` is only logged (not relayed
 * to the other clients, which is ours), message timestamps are Python's
 * `datetime.utcnow().isoformat() + 'Z'` (microseconds), and alert sounds are the consumer's
 * server-relative `/static/sounds/…` paths.
 */

export type Priority = 'critical' | 'high' | 'medium' | 'low';
export interface DashboardTicket {
  id: string; title: string; description: string; assignedTo: string; priority: Priority;
  status: 'open' | 'in_progress'; createdAt: string; updatedAt: string; entity: string; urgency: string;
}
export interface TicketCounters { critical: number; high: number; medium: number; low: number; total: number }
export interface DashboardProject {
  id: string; name: string; responsible: string; status: 'planning' | 'in_progress' | 'testing';
  completed: number; inProgress: number; pending: number; progress: number; dueDate: string; updatedAt: string;
}
export interface DashboardKpis {
  openTickets: number; avgResponseTime: string; resolutionRate: number; customerSatisfaction: number; surveyCount: number;
}
export interface DashboardPerson {
  id: string; name: string; role: 'technician' | 'analyst'; specialization: string; available: boolean; assignedCount: number;
}
export interface DashboardActivity { id: string; timestamp: string; description: string; type: string; severity: Priority }
export type DashboardAlertKind = 'new_ticket_alert' | 'project_update_alert' | 'critical_alert';
export interface DashboardAlertData { id: string; title: string; severity: Priority; soundUrl: string }
export interface DashboardAlert { type: DashboardAlertKind; data: DashboardAlertData; timestamp: string }

export interface DashboardSimulatorOptions extends SimulatorOptions {
  /** Speak exactly what the seed documents, nothing of ours beyond it (`--seed-only`). */
  seedOnly?: boolean;
  ticketCount?: number;
  /** Random alert cadence in autoplay (default 60 s). */
  alertEveryMs?: number;
  /** Full tickets/projects/dashboard push in autoplay (default 30 s, the seed's polling). */
  updateEveryMs?: number;
}

export interface DashboardSimulator extends Simulator {
  /** Every clientId announced via `identify`, in order (repeats on reconnect). */
  readonly identified: string[];
  /** Every parsed JSON object clients sent, in order. */
  readonly received: object[];
  readonly clientCount: number;
  readonly sounds: { notification: string; critical: string; notAudio: string };
  send(msg: object): void;
  sendRaw(text: string): void;
  alert(kind: DashboardAlertKind, data?: Partial<DashboardAlertData>): DashboardAlert;
  /** Regenerate n tickets and push `tickets_update` + `dashboard_update` to connected clients. */
  setTicketCount(n: number): void;
  setAutoplay(on: boolean): void;
}

export const DASHBOARD_WS_PATH = '/ws/dashboard_control/';
const SOUND_PATH = '/static/sounds';
const URGENCY: Record<Priority, string> = { critical: 'Muito Alta', high: 'Alta', medium: 'Média', low: 'Baixa' };
const TECHS: [string, string][] = [
  ['João Silva', 'Hardware'], ['Pedro Santos', 'Redes'], ['Fernanda Lima', 'Impressoras'],
  ['Rafael Souza', 'Telefonia'], ['Juliana Pereira', 'Suporte N1'],
];
const ANALYSTS: [string, string][] = [
  ['Carlos Mendes', 'Infraestrutura'], ['Ana Oliveira', 'Sistemas'], ['Mariana Costa', 'Banco de Dados'],
  ['Lucas Almeida', 'Segurança da Informação'],
];
const ASSETS = [
  'Servidor Web', 'Impressora Rede', 'Switch Core', 'Estação RH-12', 'VPN Matriz', 'Firewall Filial',
  'Banco de Dados ERP', 'Nobreak Sala Técnica', 'Notebook Diretoria', 'E-mail Corporativo', 'Telefonia IP', 'Wi-Fi Recepção',
];
const PROBLEMS: [string, string][] = [
  ['Falha de Disco', 'Disco rígido apresentando erros de leitura'],
  ['Sem Conectividade', 'Equipamento não responde na rede'],
  ['Lentidão Excessiva', 'Usuários relatam lentidão acima do normal'],
  ['Reinicialização Inesperada', 'Equipamento reiniciou sem intervenção'],
  ['Certificado Expirado', 'Certificado SSL vencido gerando alertas no navegador'],
  ['Alta Utilização de CPU', 'CPU acima de 95% nos últimos 30 minutos'],
  ['Acesso Negado', 'Usuário sem permissão após troca de senha'],
  ['Falha de Backup', 'Rotina de backup noturna terminou com erro'],
];
const ENTITIES = ['Servidor Principal', 'Matriz', 'Filial Centro', 'Filial Norte', 'Data Center', 'Financeiro', 'Recursos Humanos', 'Comercial'];
const PROJECTS = ['Migração para Cloud', 'Implantação do ERP', 'Renovação do Parque de Impressoras',
  'Atualização do Active Directory', 'Portal do Cliente', 'Backup em Nuvem', 'Monitoramento 24x7', 'Adequação à LGPD'];
const CRITICAL_TITLES = ['Servidor Principal Offline', 'Link de Internet da Matriz Indisponível', 'Storage com 98% de Ocupação',
  'Falha no Banco de Dados do ERP', 'Ataque de Força Bruta Detectado no Firewall'];

const iso = (ms: number) => new Date(ms).toISOString();
const day = (ms: number) => iso(ms).slice(0, 10);
const pad3 = (n: number) => String(n).padStart(3, '0');
const HOUR = 3_600_000;

const STAFF = [...TECHS, ...ANALYSTS].map(([name]) => name);
const progressOf = (p: Pick<DashboardProject, 'completed' | 'inProgress' | 'pending'>) =>
  Math.round((100 * (p.completed + p.inProgress / 2)) / Math.max(1, p.completed + p.inProgress + p.pending));

function makeTicket(r: Random, id: number, now: number): DashboardTicket {
  const x = r.next();
  const priority: Priority = x < 0.1 ? 'critical' : x < 0.35 ? 'high' : x < 0.75 ? 'medium' : 'low';
  const [problem, description] = r.pick(PROBLEMS);
  const created = now - r.int(5 * 60_000, 7 * 24 * HOUR);
  return {
    id: String(id),
    title: `${r.pick(ASSETS)} - ${problem}`,
    description,
    assignedTo: r.pick(STAFF),
    priority,
    status: r.chance(0.7) ? 'open' : 'in_progress',
    createdAt: iso(created),
    updatedAt: iso(created + Math.floor(r.next() * (now - created))),
    entity: r.pick(ENTITIES),
    urgency: URGENCY[priority],
  };
}

function makeProject(r: Random, i: number, now: number): DashboardProject {
  const completed = r.int(5, 60);
  const inProgress = r.int(0, 15);
  const pending = r.int(0, 20);
  const overdue = i % 4 === 1; // every fourth project overdue, so the wallboard's red state always shows
  return {
    id: `proj-${pad3(i + 1)}`,
    name: PROJECTS[i % PROJECTS.length]!,
    responsible: r.pick(ANALYSTS)[0],
    status: r.pick(['planning', 'in_progress', 'in_progress', 'testing'] as const),
    completed,
    inProgress,
    pending,
    progress: progressOf({ completed, inProgress, pending }),
    dueDate: day(now + (overdue ? -r.int(1, 20) : r.int(5, 120)) * 24 * HOUR),
    updatedAt: iso(now - r.int(0, 48) * HOUR),
  };
}

export async function startDashboardSimulator(opts: DashboardSimulatorOptions = {}): Promise<DashboardSimulator> {
  const host = opts.host ?? '127.0.0.1';
  const r = createRandom(opts.seed);
  const sounds = {
    notification: makeBeepWav({ freqHz: 880, ms: 180 }),
    critical: makeBeepWav({ freqHz: 1320, ms: 450, volume: 0.7 }),
  };

  const seedOnly = opts.seedOnly ?? false;
  /** The seed consumer's `get_timestamp()`: `datetime.utcnow().isoformat() + 'Z'` has microseconds. */
  const stamp = () => (seedOnly ? iso(Date.now()).replace(/Z$/, '000Z') : iso(Date.now()));
  let nextTicketId = 100;
  let tickets: DashboardTicket[] = [];
  const setTickets = (n: number) => {
    const now = Date.now();
    tickets = Array.from({ length: Math.max(0, Math.floor(n)) }, () => makeTicket(r, nextTicketId++, now));
  };
  setTickets(opts.ticketCount ?? 24);
  const projects = Array.from({ length: PROJECTS.length }, (_, i) => makeProject(r, i, Date.now()));
  const people = (list: [string, string][], role: DashboardPerson['role'], prefix: string) =>
    list.map(([name, specialization], i) => ({ id: `${prefix}-${pad3(i + 1)}`, name, role, specialization, available: r.chance(0.7) }));
  const technicians = people(TECHS, 'technician', 'tech');
  const analysts = people(ANALYSTS, 'analyst', 'analyst');
  const kpiBase = { avgResponseTime: `${r.int(1, 4)}h ${r.int(0, 59)}m`, resolutionRate: r.int(82, 97), customerSatisfaction: r.int(75, 95), surveyCount: r.int(20, 80) };
  let activitySeq = 0;
  const activity: DashboardActivity[] = [];
  const addActivity = (description: string, type: string, severity: Priority) => {
    activity.unshift({ id: `activity-${pad3(++activitySeq)}`, timestamp: iso(Date.now()), description, type, severity });
    activity.length = Math.min(activity.length, 10);
  };
  for (const t of tickets.slice(0, 5)) addActivity(`Ticket #${t.id} atribuído a ${t.assignedTo}`, 'assignment', t.priority);

  const counters = (): TicketCounters => {
    const c = { critical: 0, high: 0, medium: 0, low: 0, total: tickets.length };
    for (const t of tickets) if (t.status === 'open') c[t.priority]++;
    return c;
  };
  const withCounts = (list: typeof technicians): DashboardPerson[] =>
    list.map((p) => ({ ...p, assignedCount: tickets.filter((t) => t.assignedTo === p.name).length }));
  const views = {
    tickets: () => ({ type: 'tickets_update', data: tickets, counters: counters(), timestamp: stamp() }),
    projects: () => ({ type: 'projects_update', data: projects, timestamp: stamp() }),
    dashboard: () => ({
      type: 'dashboard_update',
      kpis: { openTickets: tickets.filter((t) => t.status === 'open').length, ...kpiBase } satisfies DashboardKpis,
      technicians: withCounts(technicians),
      analysts: withCounts(analysts),
      recentActivity: activity,
      timestamp: stamp(),
    }),
  };

  const server: Server = createServer((req, res) => serveStatic(req, res));
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });
  const identified: string[] = [];
  const received: object[] = [];
  const sendTo = (ws: WebSocket, text: string) => {
    if (ws.readyState === ws.OPEN) ws.send(text);
  };
  const sendRaw = (text: string) => {
    for (const ws of wss.clients) sendTo(ws, text);
  };
  const send = (msg: object) => sendRaw(JSON.stringify(msg));

  const serveStatic = (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://sim.local').pathname;
    const wav = path === `${SOUND_PATH}/notification.wav` ? sounds.notification : path === `${SOUND_PATH}/critical.wav` ? sounds.critical : null;
    if (wav && (req.method === 'GET' || req.method === 'HEAD')) {
      res.writeHead(200, { 'Content-Type': 'audio/wav', 'Content-Length': wav.length, 'Cache-Control': 'public, max-age=3600' });
      return void res.end(req.method === 'HEAD' ? undefined : wav);
    }
    if (path === `${SOUND_PATH}/not-audio.mp3`) {
      // Misconfigured CDNs answer error pages with 200; the console must fall back to its own sound.
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      return void res.end('<!doctype html><html><body><h1>Página não encontrada</h1></body></html>');
    }
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end('Não encontrado');
  };

  const onMessage = (ws: WebSocket, raw: RawData) => {
    const text = Buffer.isBuffer(raw) ? raw.toString('utf8') : Array.isArray(raw) ? Buffer.concat(raw).toString('utf8') : Buffer.from(raw).toString('utf8');
    let msg: unknown;
    try {
      msg = JSON.parse(text);
    } catch {
      return sendTo(ws, JSON.stringify({ type: 'error', message: 'Erro ao decodificar JSON' }));
    }
    // Django would crash on `data.get` for non-objects; ignoring them is the kinder equivalent.
    if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) return;
    received.push(msg);
    const data = msg as Record<string, unknown>;
    if (data.type === 'identify') {
      if (typeof data.clientId === 'string') identified.push(data.clientId);
      for (const view of [views.tickets, views.projects, views.dashboard]) sendTo(ws, JSON.stringify(view()));
    } else if (data.type === 'request_data') {
      const view = typeof data.view === 'string' && Object.hasOwn(views, data.view) ? views[data.view as keyof typeof views] : null;
      if (view) sendTo(ws, JSON.stringify(view())); // unknown views are ignored, as in the seed
    } else if (data.type === 'remote_switch' && !seedOnly) {
      // The seed only logs remote_switch. We relay it verbatim to every OTHER client so one
      // console can switch a kiosk's screen; echoing to the sender would make it switch itself.
      for (const other of wss.clients) if (other !== ws) sendTo(other, text);
    }
  };
  wss.on('connection', (ws) => {
    ws.on('message', (raw) => onMessage(ws, raw));
    ws.on('error', () => ws.terminate());
  });
  server.on('upgrade', (req, socket, head) => {
    if ((req.url ?? '').split('?')[0] !== DASHBOARD_WS_PATH) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  const listen = (port: number) => listenOn(server, port, host);
  // terminate(), not close(): a blip or restart must look like a dead socket (1006), not a goodbye.
  const dropClients = () => {
    for (const ws of wss.clients) ws.terminate();
  };
  const close = () => {
    dropClients();
    return closeServer(server);
  };
  const url = await listen(opts.port ?? 0);
  const port = portOf(server);
  const soundUrls = {
    notification: `${url}${SOUND_PATH}/notification.wav`,
    critical: `${url}${SOUND_PATH}/critical.wav`,
    notAudio: `${url}${SOUND_PATH}/not-audio.mp3`,
  };
  // The seed's consumer names its sounds by server-relative path (`'/static/sounds/notification.mp3'`).
  const alertSound = (kind: 'notification' | 'critical') => (seedOnly ? `${SOUND_PATH}/${kind}.wav` : soundUrls[kind]);

  const alert = (kind: DashboardAlertKind, data: Partial<DashboardAlertData> = {}): DashboardAlert => {
    let base: DashboardAlertData;
    if (kind === 'new_ticket_alert') {
      // A new-ticket alert without an explicit id also adds the ticket, as a Django signal would.
      const ticket = makeTicket(r, nextTicketId++, Date.now());
      if (data.id === undefined) {
        ticket.status = 'open';
        tickets.unshift(ticket);
        addActivity(`Novo ticket #${ticket.id}: ${ticket.title}`, 'new_ticket', ticket.priority);
      }
      base = { id: ticket.id, title: ticket.title, severity: ticket.priority, soundUrl: alertSound('notification') };
    } else if (kind === 'project_update_alert') {
      const p = r.pick(projects);
      base = { id: p.id, title: p.name, severity: 'medium', soundUrl: alertSound('notification') };
    } else {
      base = { id: `critical-${pad3(r.int(1, 999))}`, title: r.pick(CRITICAL_TITLES), severity: 'critical', soundUrl: alertSound('critical') };
    }
    const msg: DashboardAlert = { type: kind, data: { ...base, ...data }, timestamp: stamp() };
    send(msg);
    return msg;
  };

  const pushAll = () => {
    for (const view of [views.tickets, views.projects, views.dashboard]) send(view());
  };
  /** Small realistic drift between pushes: a ticket picked up, a project advancing. */
  const drift = () => {
    const open = tickets.filter((t) => t.status === 'open');
    const t = open.length ? r.pick(open) : undefined;
    if (t) {
      Object.assign(t, { status: 'in_progress', updatedAt: iso(Date.now()) });
      addActivity(`Ticket #${t.id} em atendimento por ${t.assignedTo}`, 'status_change', t.priority);
    }
    const p = r.pick(projects);
    if (p.pending > 0) {
      Object.assign(p, { pending: p.pending - 1, completed: p.completed + 1, updatedAt: iso(Date.now()) });
      p.progress = progressOf(p);
    }
  };

  let timers: NodeJS.Timeout[] = [];
  const setAutoplay = (on: boolean) => {
    for (const t of timers) clearInterval(t);
    timers = [];
    if (!on) return;
    timers.push(setInterval(() => (drift(), pushAll()), opts.updateEveryMs ?? 30_000));
    timers.push(setInterval(() => {
      const x = r.next();
      alert(x < 0.08 ? 'critical_alert' : x < 0.4 ? 'project_update_alert' : 'new_ticket_alert');
    }, opts.alertEveryMs ?? 60_000));
    for (const t of timers) t.unref();
  };
  setAutoplay(opts.autoplay ?? true);

  return {
    name: 'dashboard',
    url,
    port,
    identified,
    received,
    get clientCount() {
      return wss.clients.size;
    },
    sounds: soundUrls,
    send,
    sendRaw,
    alert,
    setTicketCount(n) {
      setTickets(n);
      send(views.tickets());
      send(views.dashboard());
    },
    setAutoplay,
    dropClients,
    async restart() {
      await close();
      await listen(port);
    },
    async stop() {
      setAutoplay(false);
      await close();
      wss.close();
    },
  };
}
