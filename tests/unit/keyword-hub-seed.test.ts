/**
 * Issue 13: the keyword hub connector against any hub that follows seed 001 — the ordinary
 * simulator (with its extras) and its seed-only mode (exactly what the seed documents), plus a
 * hand-written hub for acknowledgements of other names and for silence.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { boot, closeAll, servers, startSim, until } from './keyword-hub-helpers';

afterEach(closeAll);

type Sent = { queued: false; executionId: string; status: string; confirmed: boolean };

describe.each([
  { mode: 'ordinary simulator', seedOnly: false },
  { mode: 'seed-only simulator', seedOnly: true },
])('keyword hub against the $mode', ({ seedOnly }) => {
  for (const cut of ['close 1012', 'TCP drop'] as const) {
    it(`a reconnect (${cut}) during a running execution leaves it running and exact`, async () => {
      const sim = await startSim({ seedOnly, speed: 8 });
      const b = await boot({ sim });
      await b.open();
      const { executionId } = await b.call<Sent>('executions.start', { blogUrl: 'https://corte.exemplo.com', maxKeywords: 100 });
      await until('running', async () => (await b.exec(executionId))?.status === 'em_andamento');
      const syncs = (await b.state()).hub.lastSyncAt;
      if (cut === 'close 1012') sim.closeClients(1012, 'service restart');
      else sim.dropClients();
      await until('reconnected and re-synchronised', async () => b.link().state === 'open' && (await b.state()).hub.lastSyncAt !== syncs, 10_000);
      // Not failed, not "start it again": still running (or, when the hub is slow to report, no news yet).
      const after = (await b.exec(executionId))!;
      expect(after.status).toBe('em_andamento');
      expect(after.error).toBeNull();
      // Exact: it runs on to the end the hub reports, with the hub's numbers.
      const done = await until('concluded', async () => {
        const e = await b.exec(executionId);
        return e?.status === 'concluida' ? e : null;
      }, 15_000);
      const hub = sim.executions.find((e) => e.execucao_id === executionId)!;
      expect(done).toMatchObject({ noNewsSince: null, progress: { total: 100, current: 100, percent: 100 }, keywordsFound: hub.keywords_encontradas, clustersFormed: hub.clusters_formados });
      const erros = b.core.ctx.journal.recent({ limit: 500, upstream: 'keywordHub' }).filter((j) => j.ids.execution === executionId && j.level === 'error');
      expect(erros).toEqual([]);
    });
  }

  it('resume, cancel, notification preferences and monitoring succeed, with no unknown events or timeouts', async () => {
    const sim = await startSim({ seedOnly, speed: 1 });
    const b = await boot({ sim, settings: (s) => (s.upstreams.keywordHub.requestTimeoutMs = 1_000) });
    await b.open();
    const { executionId } = await b.call<Sent>('executions.start', { blogUrl: 'https://acoes.exemplo.com', maxKeywords: 100 });
    expect(await b.call<Sent>('executions.control', { id: executionId, action: 'pausar' })).toMatchObject({ status: 'pausada', confirmed: true });
    expect(await b.call<Sent>('executions.control', { id: executionId, action: 'resumir' })).toMatchObject({ status: 'em_andamento', confirmed: true });
    expect(await b.call<Sent>('executions.control', { id: executionId, action: 'cancelar' })).toMatchObject({ status: 'cancelada', confirmed: true });
    const prefs = await b.call<{ ok: true; confirmed: boolean }>('executions.configureNotifications', { types: ['erro'], channel: 'websocket' });
    expect(prefs.ok).toBe(true);
    // The seed names no answer to NOTIFICACAO_CONFIGURAR: a strict hub leaves it "sent, not confirmed".
    expect(prefs.confirmed).toBe(!seedOnly);
    expect(await b.call('executions.monitor', { metrics: ['cpu'], intervalMs: 1_000 })).toEqual({ ok: true, confirmed: true });
    const e = (await b.exec(executionId))!;
    expect(e).toMatchObject({ pending: null, unconfirmed: null, refusal: null });
    const health = (await b.state()).hub.health;
    expect(health).toMatchObject({ unknownEvents: 0, timeouts: 0, refusals: 0 });
  });

  it('12 starts against a limit of 5 end with 12 executions, none twice', async () => {
    const sim = await startSim({ seedOnly, speed: 1, rateLimit: { max: 5, windowMs: 300 } });
    const b = await boot({ sim, settings: (s) => (s.upstreams.keywordHub.requestTimeoutMs = 4_000) });
    await b.open();
    // Wait for the connect-time traffic (re-sync, preferences, monitoring) to be answered or given up.
    await until('settled', async () => (await b.state()).hub.lastSyncAt !== null && sim.received.some((m) => m.event === 'MONITORAMENTO_INICIAR'));
    const urls = Array.from({ length: 12 }, (_, i) => `https://lote${i}.exemplo.com`);
    const results = await Promise.all(urls.map((blogUrl) => b.call<Sent>('executions.start', { blogUrl, maxKeywords: 1_000 })));
    expect(new Set(results.map((r) => r.executionId)).size).toBe(12);
    expect(sim.executions).toHaveLength(12);
    expect(new Set(sim.executions.map((e) => e.blog_url))).toEqual(new Set(urls));
    const refused = b.core.ctx.journal.recent({ limit: 500, upstream: 'keywordHub' }).filter((j) => j.type === 'rate-limit.resend');
    expect(refused.length).toBeGreaterThanOrEqual(7);
    for (const r of results) expect((await b.exec(r.executionId))?.mine).toBe(true);
  });
});

describe('keyword hub against the seed-only simulator', () => {
  it("a restarted hub's reused id shows the new run; the old one stays in history", async () => {
    const sim = await startSim({ seedOnly: true, speed: 60 });
    const b = await boot({ sim });
    await b.open();
    const first = await b.call<Sent>('executions.start', { blogUrl: 'https://antes.exemplo.com', maxKeywords: 20 });
    expect(first.executionId).toBe('exec_1');
    const done = await until('concluded', async () => {
      const e = await b.exec('exec_1');
      return e?.status === 'concluida' ? e : null;
    });
    await sim.restart();
    await until('reconnected', () => b.link().state === 'open' && b.link().reconnects >= 1, 10_000);
    const again = await b.call<Sent>('executions.start', { blogUrl: 'https://depois.exemplo.com', maxKeywords: 500 });
    expect(again.executionId).toBe('exec_1');
    const state = await b.state();
    const now = state.executions.find((e) => e.id === 'exec_1')!;
    expect(now).toMatchObject({ blogUrl: 'https://depois.exemplo.com', mine: true, hubId: null });
    expect(now.status).not.toBe('concluida');
    const old = state.executions.find((e) => e.id === `exec_1@${done.startedAt}`)!;
    expect(old).toMatchObject({ status: 'concluida', blogUrl: 'https://antes.exemplo.com', hubId: 'exec_1' });
    const detail = await b.call<{ keywords: unknown[] }>('executions.detail', { id: old.id });
    expect(detail.keywords.length).toBe(old.result!.totalKeywords);
    // The earlier run takes no actions (its id belongs to the new run now).
    expect((await b.failure('executions.control', { id: old.id, action: 'cancelar' })).code).toBe('conflict');
  });

  it('an execution the hub stops reporting shows "no news since"; its next report restores it; only NOT_FOUND ends it', async () => {
    const sim = await startSim({ seedOnly: true, speed: 1 });
    const b = await boot({ sim });
    await b.open();
    const { executionId } = await b.call<Sent>('executions.start', { blogUrl: 'https://quieta.exemplo.com', maxKeywords: 100 });
    await b.call<Sent>('executions.control', { id: executionId, action: 'pausar' });
    const before = (await b.exec(executionId))!;
    sim.dropClients();
    // Paused: the hub sends nothing about it, and a strict hub has no query for it.
    const quiet = await until('no news', async () => {
      const e = await b.exec(executionId);
      return e?.noNewsSince !== null ? e : null;
    }, 10_000);
    expect(quiet).toMatchObject({ status: 'pausada', progress: before.progress, error: null });
    expect(quiet!.noNewsSince).toBeLessThanOrEqual(Date.now());
    expect(sim.received.filter((m) => m.event === 'EXECUCAO_LISTAR').length).toBe(2);
    sim.send({ event: 'EXECUCAO_STATUS', data: { execucao_id: executionId, status: 'pausada', progresso: { total: 100, atual: before.progress.current, percentual: null }, tempo_estimado: null } });
    await until('news again', async () => (await b.exec(executionId))?.noNewsSince === null);
    sim.send({ event: 'ERRO', data: { codigo: 'NOT_FOUND', mensagem: 'Execução não encontrada', detalhes: { execucao_id: executionId } } });
    const ended = await until('ended', async () => {
      const e = await b.exec(executionId);
      return e?.status === 'erro' ? e : null;
    });
    expect(ended.error?.code).toBe('NOT_FOUND');
  });
});

/** A hub written by hand: `reply` decides what it sends back for each client event. */
async function handHub(reply: (ws: WebSocket, event: string, data: Record<string, unknown>) => void) {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  servers.push(wss);
  await new Promise((r) => wss.once('listening', r));
  wss.on('connection', (ws) => ws.on('message', (raw) => {
    const m = JSON.parse(raw.toString()) as { event: string; data: Record<string, unknown> };
    reply(ws, m.event, m.data);
  }));
  const send = (ws: WebSocket, event: string, data: unknown) => ws.send(JSON.stringify({ event, data, timestamp: Date.now() }));
  return { url: `ws://127.0.0.1:${(wss.address() as { port: number }).port}/ws`, send, wss };
}

describe('keyword hub against hand-written hubs', () => {
  it('acknowledgements of any name carrying the request_id answer the command, and are not unknown events', async () => {
    let status = 'em_andamento';
    const hub = await handHub((ws, event, d) => {
      const rid = d.request_id;
      const s = (e: string, data: unknown) => hub.send(ws, e, data);
      if (event === 'SESSAO_PING') s('SESSAO_PONG', { request_id: rid, server_time: Math.floor(Date.now() / 1000) });
      if (event === 'EXECUCAO_INICIAR') {
        s('EXECUCAO_INICIADA', { execucao_id: 42, status: 'iniciada', request_id: rid });
        s('EXECUCAO_STATUS', { execucao_id: 42, status: 'EM_ANDAMENTO', progresso: { total: 10, atual: 1, percentual: null }, tempo_estimado: null, extra: { novo: true } });
      }
      if (event === 'EXECUCAO_PAUSAR') {
        status = 'pausada';
        s('EXECUCAO_PAUSADA_OK', { execucao_id: 42, request_id: rid });
      }
      if (event === 'EXECUCAO_RESUMIR') {
        status = 'em_andamento';
        s('EXECUCAO_RESUMIDA', { execucao_id: 42, request_id: rid });
      }
      if (event === 'EXECUCAO_CANCELAR') {
        status = 'cancelada';
        s('EXECUCAO_CANCELADA', { execucao_id: 42, request_id: rid });
      }
      if (event === 'NOTIFICACAO_CONFIGURAR') s('NOTIFICACAO_CONFIGURADA', { request_id: rid });
      if (event === 'MONITORAMENTO_INICIAR') s('MONITORAMENTO_INICIADO', { request_id: rid });
      if (event === 'EXECUCAO_LISTAR' || event === 'EXECUCAO_STATUS') s('ERRO', { codigo: 'VALIDATION_ERROR', mensagem: `Evento desconhecido: ${event}`, request_id: rid });
    });
    const b = await boot({ url: hub.url, settings: (s) => (s.upstreams.keywordHub.requestTimeoutMs = 3_000) });
    await b.open();
    const started = await b.call<Sent>('executions.start', { blogUrl: 'https://qualquer.exemplo.com', maxKeywords: 10 });
    expect(started.executionId).toBe('42');
    await until('running', async () => (await b.exec('42'))?.status === 'em_andamento');
    expect((await b.exec('42'))?.estimatedSec).toBe(0);
    expect((await b.call<Sent>('executions.control', { id: '42', action: 'pausar' })).confirmed).toBe(true);
    // The hub said pausada only through an ack of another name: the effect arrives with its status.
    hub.wss.clients.forEach((ws) => hub.send(ws, 'EXECUCAO_STATUS', { execucao_id: 42, status }));
    await until('paused', async () => (await b.exec('42'))?.status === 'pausada');
    expect((await b.call<Sent>('executions.control', { id: '42', action: 'resumir' })).confirmed).toBe(true);
    expect(await b.call('executions.configureNotifications', { types: ['erro'], channel: 'websocket' })).toEqual({ ok: true, confirmed: true });
    expect(await b.call('executions.monitor', { metrics: ['cpu'], intervalMs: 1_000 })).toEqual({ ok: true, confirmed: true });
    const health = (await b.state()).hub.health;
    expect(health).toMatchObject({ unknownEvents: 0, malformed: 0, timeouts: 0, unknownNames: [] });
  });

  it('with neither an answer nor the effect in time, an action is "sent, not confirmed" (not an error) until its effect arrives', async () => {
    const hub = await handHub((ws, event, d) => {
      if (event === 'SESSAO_PING') hub.send(ws, 'SESSAO_PONG', { request_id: d.request_id });
      if (event === 'EXECUCAO_INICIAR') {
        hub.send(ws, 'EXECUCAO_INICIADA', { execucao_id: 'exec_9', status: 'iniciada', request_id: d.request_id });
        hub.send(ws, 'EXECUCAO_STATUS', { execucao_id: 'exec_9', status: 'pausada' });
      }
      // EXECUCAO_LISTAR, EXECUCAO_STATUS, EXECUCAO_RESUMIR: silence.
    });
    const b = await boot({ url: hub.url, settings: (s) => (s.upstreams.keywordHub.requestTimeoutMs = 500) });
    await b.open();
    await b.call<Sent>('executions.start', { blogUrl: 'https://lenta.exemplo.com', maxKeywords: 10 });
    await until('paused', async () => (await b.exec('exec_9'))?.status === 'pausada');
    const r = await b.call<Sent>('executions.control', { id: 'exec_9', action: 'resumir' });
    expect(r).toMatchObject({ confirmed: false, status: 'pausada' });
    const e = (await b.exec('exec_9'))!;
    expect(e).toMatchObject({ unconfirmed: 'resumir', pending: null, error: null, refusal: null });
    const health = (await b.state()).hub.health;
    expect(health.unconfirmed).toBe(1);
    expect(health.timeouts).toBe(0);
    hub.wss.clients.forEach((ws) => hub.send(ws, 'EXECUCAO_STATUS', { execucao_id: 'exec_9', status: 'em_andamento', tempo_estimado: null }));
    const confirmed = await until('confirmed by its effect', async () => {
      const x = await b.exec('exec_9');
      return x?.unconfirmed === null ? x : null;
    });
    expect(confirmed.status).toBe('em_andamento');
  });

  it('tolerates null numbers, epoch timestamps and unknown fields; only an unusable message is malformed', async () => {
    const hub = await handHub((ws, event, d) => {
      if (event === 'SESSAO_PING') hub.send(ws, 'SESSAO_PONG', { request_id: d.request_id, server_time: Date.now() });
      if (event === 'EXECUCAO_LISTAR') {
        hub.send(ws, 'EXECUCAO_LISTA', { request_id: d.request_id, execucoes: [{ execucao_id: 'exec_s', status: 'em_andamento', iniciada_em: 1_700_000_000, progresso: null, tempo_estimado: null }] });
      }
    });
    const b = await boot({ url: hub.url });
    await b.open();
    const e = await until('listed', () => b.exec('exec_s'));
    expect(e.startedAt).toBe(1_700_000_000_000);
    hub.wss.clients.forEach((ws) => {
      hub.send(ws, 'EXECUCAO_STATUS', { execucao_id: 'exec_s', status: 'em_andamento', progresso: { total: 10, atual: 4, percentual: null }, keywords_encontradas: null, tempo_decorrido: 12, tempo_estimado: null, novo_campo: [1] });
      hub.send(ws, 'METRICA_PERFORMANCE', { cpu_uso: null, memoria_uso: 50 });
      hub.send(ws, 'EXECUCAO_STATUS', { status: 'em_andamento' });
    });
    const x = await until('progress', async () => {
      const y = await b.exec('exec_s');
      return y?.progress.current === 4 ? y : null;
    });
    expect(x).toMatchObject({ progress: { total: 10, current: 4, percent: 40 }, elapsedSec: 12 });
    const health = await until('one malformed', async () => {
      const h = (await b.state()).hub.health;
      return h.malformed === 1 ? h : null;
    });
    expect(health.unknownEvents).toBe(0);
    expect((await b.state()).metrics.at(-1)).toMatchObject({ cpu: null, memory: 50 });
  });
});

