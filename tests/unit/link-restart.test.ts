import type WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import type { JournalEntry } from '../../src-main/contract';
import type { Alert } from '../../src-main/contract/alerts';
import type { LogLine } from '../../src-main/contract/logs';
import { defaultSettings } from '../../src-main/contract/settings';
import type { ModuleFactory } from '../../src-main/core/context';
import type { Link } from '../../src-main/core/lifecycle';
import { createRpaLogs, type RpaLogs } from '../../src-main/upstreams/rpa-logs';
import { openWebSocket } from '../../src-main/upstreams/ws-link';
import { Evolution } from '../../src-main/upstreams/evolution';
import { createKeywordHub } from '../../src-main/upstreams/keyword-hub';
import { startIoServer, startSseServer, startWsServer } from './hostile-servers';
import { testCores } from './test-cores';
import { until } from './until';

/**
 * An error that escapes a connector — a throw or a rejection from its message handler, a throw
 * from its timer — restarts that connector alone: counted (`restarts`), journaled, alerted;
 * the process and the other links go on.
 */

const { boot: bootCore, servers } = testCores('ops-restart-');

async function boot(modules: ModuleFactory[], settings = defaultSettings(), secrets: Record<string, string> = {}) {
  const core = await bootCore({ settings, secrets, modules });
  const alerts: Alert[] = [];
  const journal: JournalEntry[] = [];
  core.hub.on('alerts.changed', (a) => alerts.push(a));
  core.hub.on('inspector.entries', (e) => journal.push(e));
  return { core, alerts, journal };
}

/** A WebSocket connector whose handler has a bug: it throws (or rejects) on one message. */
function buggyConnector(url: string, got: string[], mode: 'throw' | 'reject'): { factory: ModuleFactory; link: () => Link } {
  let link: Link | null = null;
  let ws: WebSocket | null = null;
  const factory: ModuleFactory = (ctx) => ({
    name: 'buggy',
    start() {
      link = ctx.links.create({
        id: 'dashboard',
        url: () => url,
        open: async (session) => {
          ws = await openWebSocket({
            url,
            session,
            onMessage: (text) => {
              if (text !== 'boom') return void got.push(text);
              if (mode === 'throw') throw new Error('handler bug');
              // An async handler: its rejection must not become an unhandled rejection either.
              return Promise.reject(new Error('async handler bug'));
            },
          });
        },
        close: () => ws?.terminate(),
        test: async () => ({ success: true, message: '', status_code: 200, token_status: '' }),
        backoff: { baseMs: 10, maxMs: 50 },
      });
      link.connect();
    },
    stop: () => link?.dispose(),
  });
  return { factory, link: () => link! };
}

describe('an error escaping a connector restarts that connector, never the process', () => {
  it.each(['throw', 'reject'] as const)('a message handler that %ss: counted, alerted, reconnected; later messages arrive', async (mode) => {
    const server = await startWsServer();
    servers.push(server);
    const got: string[] = [];
    const buggy = buggyConnector(server.url, got, mode);
    const { alerts, journal } = await boot([buggy.factory]);
    await until('connected', () => server.clients === 1 && buggy.link().currentState === 'open');
    server.send('before');
    await until('before', () => got.includes('before'));
    server.send('boom');
    await until('reconnected', () => server.connections === 2 && server.clients === 1 && buggy.link().currentState === 'open');
    server.send('after');
    await until('after', () => got.includes('after'));
    expect(got).toEqual(['before', 'after']);
    expect(buggy.link().status()).toMatchObject({ restarts: 1, state: 'open' });
    expect(buggy.link().status().errors).toBeGreaterThanOrEqual(1);
    const alert = alerts.find((a) => a.key === 'console:link-restarted:dashboard');
    expect(alert).toMatchObject({ source: 'dashboard', severity: 'high', state: 'active', text: { key: 'linkRestarted', params: { link: 'dashboard' } } });
    expect(alert?.detail).toContain(mode === 'throw' ? 'handler bug' : 'async handler bug');
    expect(journal.some((e) => e.type === 'link.restarted' && e.level === 'error')).toBe(true);
  });

  it('the SSE log connector: a throw while filing a line, and a throw in its save timer, each restart it', async () => {
    const sse = await startSseServer();
    servers.push(sse);
    const settings = defaultSettings();
    settings.upstreams.rpaLogs.url = sse.url;
    let logs: RpaLogs | null = null;
    const { core, alerts } = await boot([(ctx) => { const made = createRpaLogs(ctx, { backoff: { baseMs: 10, maxMs: 50 }, saveMs: 20 }); logs = made.connector; return made.module; }], settings, { 'rpaLogs.token': 'eyJ.t.s' });
    const lines: LogLine[] = [];
    core.hub.on('logs.lines', (l) => lines.push(l));
    const link = () => logs!.currentLink!;
    await until('open', () => sse.clients === 1 && link().currentState === 'open');
    const book = logs!.book;
    const add = book.add.bind(book);
    let bombs = 1;
    book.add = (jobId, line) => {
      if (line.message === 'boom' && bombs-- > 0) throw new Error('book bug');
      return add(jobId, line);
    };
    const line = (id: number, message: string) => `id: ${id}\ndata: {"type":"log","level":"INFO","message":"${message}","job_id":"j"}\n\n`;
    sse.write(line(1, 'before'));
    sse.write(line(2, 'boom'));
    await until('restarted', () => link().status().restarts === 1 && sse.connections === 2 && link().currentState === 'open');
    sse.write(line(3, 'after'));
    await until('after', () => lines.some((l) => l.message === 'after'));
    expect(lines.map((l) => l.message)).toEqual(['before', 'after']);

    const save = book.save.bind(book);
    let saveBombs = 1;
    book.save = () => {
      if (saveBombs-- > 0) throw new Error('disk bug');
      save();
    };
    await until('save timer restarted the link', () => link().status().restarts === 2 && link().currentState === 'open', 8_000);
    expect(alerts.filter((a) => a.key === 'console:link-restarted:rpaLogs').at(-1)).toMatchObject({ count: 2, detail: 'disk bug' });
  });

  it('the Evolution socket.io connector: a throw while keeping an event restarts its namespace link', async () => {
    const io = await startIoServer();
    servers.push(io);
    io.rest.set('/instance/fetchInstances', []);
    const settings = defaultSettings();
    settings.upstreams.evolution.url = io.url;
    let evo: Evolution | null = null;
    const { core, alerts } = await boot([(c) => (evo = new Evolution(c, { backoff: { baseMs: 10, maxMs: 50, jitter: 0 }, namespaceBackoff: { baseMs: 10, maxMs: 50, jitter: 0 }, refreshMs: 0, connectTimeoutMs: 3_000 }))], settings, { 'evolution.apiKey': 'k' });
    const got: string[] = [];
    core.hub.on('whatsapp.events', (e) => got.push((e.data as { key: { id: string } }).key.id));
    const link = () => evo!.currentLink!;
    await until('open', () => io.clients === 1 && link().currentState === 'open');
    const add = evo!.history.add.bind(evo!.history);
    let bombs = 1;
    evo!.history.add = (event, json) => {
      if ((event.data as { key: { id: string } }).key.id === 'BOOM' && bombs-- > 0) throw new Error('history bug');
      add(event, json);
    };
    const send = (id: string) => io.emit('messages.upsert', { event: 'messages.upsert', instance: 'i1', data: { key: { id }, message: { conversation: id } } });
    send('before');
    await until('before', () => got.includes('before'));
    send('BOOM');
    await until('restarted', () => link().status().restarts === 1 && io.connections === 2 && io.clients === 1 && link().currentState === 'open');
    send('after');
    await until('after', () => got.includes('after'));
    expect(got).toEqual(['before', 'after']);
    expect(alerts.some((a) => a.key === 'console:link-restarted:evolution' && a.detail === 'history bug')).toBe(true);
  });

  it("the keyword hub: a throw in one of its parts' own timers (the status publish) restarts its link", async () => {
    const server = await startWsServer();
    servers.push(server);
    const settings = defaultSettings();
    settings.upstreams.keywordHub.url = server.url;
    let link: () => Link = () => {
      throw new Error('not started');
    };
    const { core, alerts } = await boot(
      [
        (ctx) => {
          const hub = createKeywordHub(ctx);
          link = hub.connector.link;
          return hub.module;
        },
      ],
      settings,
      { 'keywordHub.token': 't' },
    );
    await until('open', () => server.clients === 1 && link().currentState === 'open');
    // 'executions.hub' is published only from the status board's coalescing timer.
    const publish = core.hub.publish.bind(core.hub);
    let bombs = 1;
    core.hub.publish = ((ch, data) => {
      if (ch === 'executions.hub' && bombs-- > 0) throw new Error('status board bug');
      publish(ch, data);
    }) as typeof core.hub.publish;
    // An unknown event is counted on the status board, which publishes it from that timer.
    server.send(JSON.stringify({ event: 'EVENTO_NOVO', data: {}, timestamp: new Date().toISOString() }));
    await until('the timer restarted the link', () => link().status().restarts === 1 && server.connections === 2 && server.clients === 1 && link().currentState === 'open', 8_000);
    expect(alerts.some((a) => a.key === 'console:link-restarted:keywordHub' && a.detail === 'status board bug')).toBe(true);
  });

  it('a stopped link stays stopped: the error is counted, nothing reconnects', async () => {
    const server = await startWsServer();
    servers.push(server);
    const got: string[] = [];
    const buggy = buggyConnector(server.url, got, 'throw');
    await boot([buggy.factory]);
    await until('connected', () => buggy.link().currentState === 'open');
    buggy.link().disconnect('operator');
    buggy.link().guard(() => {
      throw new Error('late timer');
    })();
    expect(buggy.link().status()).toMatchObject({ state: 'stopped', restarts: 1 });
    expect(server.connections).toBe(1);
  });
});
