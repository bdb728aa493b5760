import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import type { Execution, Keyword, Cluster } from '../../src-main/contract/keyword-hub';
import { defaultSettings } from '../../src-main/contract/settings';
import { createCore } from '../../src-main/core/app-core';
import { KeyFileCipher } from '../../src-main/secrets/cipher';
import { ExecutionStore } from '../../src-main/upstreams/keyword-hub/store';
import { boot, closeAll, cores, servers, sims, sleep, startSim, until } from './keyword-hub-helpers';

afterEach(closeAll);

describe('keyword hub connector (seed 001)', () => {
  it('starts an execution with a request_id envelope and follows it to completion, with keywords and clusters', async () => {
    const b = await boot();
    await b.open();
    const started = await b.call<{ queued: false; executionId: string }>('executions.start', { blogUrl: 'https://blog.exemplo.com.br', categoryId: 2, maxKeywords: 40, depth: 2, timeout: 20 });
    expect(started.queued).toBe(false);
    const sent = b.sim.received.find((m) => m.event === 'EXECUCAO_INICIAR')!;
    expect(sent.data).toMatchObject({ blog_url: 'https://blog.exemplo.com.br', categoria_id: 2, configuracoes: { max_keywords: 40, profundidade: 2, timeout: 20 } });
    expect(String(sent.data.request_id)).toMatch(/^req_/);
    expect(Date.parse(sent.timestamp)).not.toBeNaN();

    const done = await until('concluded', async () => {
      const e = await b.exec(started.executionId);
      return e?.status === 'concluida' ? e : null;
    });
    expect(done).toMatchObject({ mine: true, blogUrl: 'https://blog.exemplo.com.br', progress: { total: 40, current: 40, percent: 100 } });
    expect(done.result!.downloadUrl).toMatch(/\/download\//);
    expect(done.result!.totalKeywords).toBeGreaterThan(0);
    const detail = await b.call<{ execution: Execution; keywords: Keyword[]; clusters: Cluster[] }>('executions.detail', { id: started.executionId });
    expect(detail.keywords.length).toBe(done.result!.totalKeywords);
    expect(detail.clusters.length).toBe(done.result!.clustersFormed);
    expect(detail.clusters[0]!.keywords.length).toBeGreaterThan(0);
    // Request ids are unique across every client event sent.
    const ids = b.sim.received.map((m) => m.data.request_id).filter(Boolean);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('keeps executions, keywords and clusters across a restart', async () => {
    const sim = await startSim();
    const b = await boot({ sim });
    await b.open();
    const { executionId } = await b.call<{ executionId: string }>('executions.start', { blogUrl: 'https://a.exemplo.com', maxKeywords: 20 });
    await until('concluded', async () => (await b.exec(executionId))?.status === 'concluida');
    await b.core.close();
    cores.splice(cores.indexOf(b.core), 1);
    await sim.stop();
    const again = await boot({ url: 'ws://127.0.0.1:9/ws', dataDir: b.dataDir });
    const e = await again.exec(executionId);
    expect(e?.status).toBe('concluida');
    const detail = await again.call<{ keywords: Keyword[] }>('executions.detail', { id: executionId });
    expect(detail.keywords.length).toBe(e!.result!.totalKeywords);
  });

  it('matches replies by request_id: a foreign EXECUCAO_INICIADA does not answer our request', async () => {
    const b = await boot();
    await b.open();
    const [one, two] = await Promise.all([
      b.call<{ executionId: string }>('executions.start', { blogUrl: 'https://um.exemplo.com', maxKeywords: 500 }),
      b.call<{ executionId: string }>('executions.start', { blogUrl: 'https://dois.exemplo.com', maxKeywords: 500 }),
    ]);
    expect(one.executionId).not.toBe(two.executionId);
    expect((await b.exec(one.executionId))?.blogUrl).toBe('https://um.exemplo.com');
    expect((await b.exec(two.executionId))?.blogUrl).toBe('https://dois.exemplo.com');
    b.sim.send({ event: 'EXECUCAO_INICIADA', data: { execucao_id: 'exec_other', status: 'iniciada', request_id: 'req_someone_else' }, timestamp: '2024-12-19T23:00:01Z' });
    const other = await until('foreign execution', () => b.exec('exec_other'));
    expect(other.mine).toBe(false);
  });

  it('fails a command with a clear timeout when the hub never answers', async () => {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    servers.push(wss);
    await new Promise((r) => wss.once('listening', r));
    const port = (wss.address() as { port: number }).port;
    const b = await boot({ url: `ws://127.0.0.1:${port}/ws`, settings: (s) => (s.upstreams.keywordHub.requestTimeoutMs = 600) });
    await b.open();
    const error = await b.failure('executions.start', { blogUrl: 'https://x.exemplo.com' });
    expect(error.code).toBe('timeout');
    expect(error.message).toMatch(/did not answer EXECUCAO_INICIAR \(request_id req_\w+\) within 600 ms/);
    expect((await b.state()).hub.health.timeouts).toBeGreaterThanOrEqual(1);
  });

  it('refuses an invalid action in main (conflict) without sending it', async () => {
    const b = await boot();
    await b.open();
    const { executionId } = await b.call<{ executionId: string }>('executions.start', { blogUrl: 'https://c.exemplo.com', maxKeywords: 10 });
    await until('concluded', async () => (await b.exec(executionId))?.status === 'concluida');
    for (const action of ['pausar', 'resumir', 'cancelar']) {
      const error = await b.failure('executions.control', { id: executionId, action });
      expect(error.code).toBe('conflict');
    }
    expect(b.sim.received.filter((m) => /PAUSAR|RESUMIR|CANCELAR/.test(m.event))).toHaveLength(0);
  });

  it('pauses, resumes and cancels a running execution; a server refusal is shown with its code', async () => {
    const sim = await startSim({ speed: 1 });
    const b = await boot({ sim });
    await b.open();
    const { executionId } = await b.call<{ executionId: string }>('executions.start', { blogUrl: 'https://d.exemplo.com', maxKeywords: 100 });
    expect((await b.call<{ status: string }>('executions.control', { id: executionId, action: 'pausar' })).status).toBe('pausada');
    expect((await b.failure('executions.control', { id: executionId, action: 'pausar' })).code).toBe('conflict');
    expect((await b.call<{ status: string }>('executions.control', { id: executionId, action: 'resumir' })).status).toBe('em_andamento');
    expect((await b.call<{ status: string }>('executions.control', { id: executionId, action: 'cancelar' })).status).toBe('cancelada');
    expect((await b.exec(executionId))?.pending).toBeNull();

    // The console believes exec_ghost runs; the hub does not know it and refuses.
    sim.send({ event: 'EXECUCAO_STATUS', data: { execucao_id: 'exec_ghost', status: 'em_andamento', progresso: { total: 10, atual: 2, percentual: 20 } }, timestamp: 'x' });
    await until('ghost', () => b.exec('exec_ghost'));
    const refused = await b.failure('executions.control', { id: 'exec_ghost', action: 'pausar' });
    expect(refused.code).toBe('conflict');
    expect(refused.message).toContain('VALIDATION_ERROR');
    const ghost = await b.exec('exec_ghost');
    expect(ghost?.refusal).toMatchObject({ code: 'VALIDATION_ERROR' });
    expect(ghost?.refusal?.recommendation).toBeTruthy();
    expect((await b.state()).hub.health.refusals).toBe(1);
  });

  it('re-synchronises executions that changed while the link was down', async () => {
    const sim = await startSim({ speed: 40 });
    const b = await boot({ sim });
    await b.open();
    const { executionId } = await b.call<{ executionId: string }>('executions.start', { blogUrl: 'https://e.exemplo.com', maxKeywords: 50 });
    b.core.ctx.links.get('keywordHub')!.disconnect();
    const before = (await b.exec(executionId))!;
    expect(before.status).not.toBe('concluida');
    await until('sim finished', () => sim.executions.find((e) => e.execucao_id === executionId)?.status === 'concluida');
    await sleep(100);
    expect((await b.exec(executionId))?.status).toBe(before.status);
    b.core.ctx.links.get('keywordHub')!.connect();
    const after = await until('re-synced', async () => {
      const e = await b.exec(executionId);
      return e?.status === 'concluida' ? e : null;
    });
    expect(after.result?.downloadUrl).toContain(`/download/${executionId}`);
    expect(after.progress.percent).toBe(100);
    expect(sim.received.filter((m) => m.event === 'EXECUCAO_LISTAR').length).toBeGreaterThanOrEqual(2);
    expect((await b.state()).hub.lastSyncAt).not.toBeNull();
  });

  it('counts and shows malformed and unknown events without dropping the link', async () => {
    const b = await boot();
    await b.open();
    b.sim.sendRaw('{not json');
    b.sim.send({ event: 'EVENTO_NOVO', data: {}, timestamp: 'x' });
    b.sim.send({ event: 'EXECUCAO_STATUS', data: { execucao_id: 'exec_1' }, timestamp: 'x' });
    b.sim.send({ nope: true });
    const health = await until('counted', async () => {
      const h = (await b.state()).hub.health;
      return h.malformed === 3 && h.unknownEvents === 1 ? h : null;
    });
    expect(health.unknownNames).toEqual(['EVENTO_NOVO']);
    expect(b.link().state).toBe('open');
    await until('link errors', () => b.link().errors >= 4, 2_000);
    const journal = b.core.ctx.journal.recent({ limit: 50, upstream: 'keywordHub' }).filter((e) => e.level === 'error');
    expect(journal.length).toBeGreaterThanOrEqual(4);
    expect((await b.exec('exec_1'))).toBeUndefined();
  });

  it('turns SISTEMA_ALERTA and EXECUCAO_ERRO into alerts with a severity, and keeps notifications and metrics', async () => {
    const b = await boot();
    await b.open();
    b.sim.send({ event: 'SISTEMA_ALERTA', data: { nivel: 'critical', categoria: 'infra', mensagem: 'Fila atrasada', acoes: ['Acionar plantão'] }, timestamp: 'x' });
    const { executionId } = await b.call<{ executionId: string }>('executions.start', { blogUrl: 'https://lento.exemplo.com/timeout', maxKeywords: 30 });
    const failed = await until('erro', async () => {
      const e = await b.exec(executionId);
      return e?.status === 'erro' ? e : null;
    });
    expect(failed.error).toMatchObject({ code: 'TIMEOUT_ERROR', recommendation: 'Aumentar timeout ou verificar conectividade' });
    const alerts = b.core.ctx.alerts.list(false, 50);
    expect(alerts.find((a) => a.title === 'Fila atrasada')?.severity).toBe('critical');
    expect(alerts.find((a) => a.key === `keywordHub:exec-error:${executionId}`)).toMatchObject({ severity: 'high', ids: { execution: executionId } });

    b.sim.send({ event: 'NOTIFICACAO_GERAL', data: { tipo: 'info', titulo: 'Atualizado', mensagem: 'Nova versão', acao: { tipo: 'link', url: 'javascript:alert(1)' } }, timestamp: 'x' });
    b.sim.send({ event: 'NOTIFICACAO_GERAL', data: { tipo: 'info', titulo: 'Changelog', mensagem: 'Ver', acao: { tipo: 'link', url: 'https://exemplo.com/changelog' } }, timestamp: 'x' });
    const state = await until('notifications', async () => {
      const s = await b.state();
      return s.notifications.some((n) => n.title === 'Changelog') && s.metrics.length > 0 ? s : null;
    });
    expect(state.notifications.find((n) => n.title === 'Atualizado')?.actionUrl).toBeNull();
    expect(state.notifications.find((n) => n.title === 'Changelog')?.actionUrl).toBe('https://exemplo.com/changelog');
    // MONITORAMENTO_INICIAR and NOTIFICACAO_CONFIGURAR were sent on connect with the saved choices.
    expect(b.sim.received.find((m) => m.event === 'MONITORAMENTO_INICIAR')?.data).toMatchObject({ intervalo: 5_000 });
    await b.call('executions.monitor', { metrics: ['cpu'], intervalMs: 1_000 });
    expect(b.sim.received.filter((m) => m.event === 'MONITORAMENTO_INICIAR').at(-1)?.data).toMatchObject({ metricas: ['cpu'], intervalo: 1_000 });
    await b.call('executions.configureNotifications', { types: ['erro'], channel: 'websocket' });
    expect(b.sim.received.filter((m) => m.event === 'NOTIFICACAO_CONFIGURAR').at(-1)?.data).toMatchObject({ tipos: ['erro'], canal: 'websocket' });
    // The hub's acknowledgement (NOTIFICACAO_GERAL with our request_id) is not an operator notification.
    expect((await b.state()).notifications.some((n) => n.title.startsWith('Preferências de notificação'))).toBe(false);
    expect((await b.state()).hub.prefs).toEqual({ types: ['erro'], channel: 'websocket' });
  });
  it('expires queued commands instead of sending them late, and refuses at once when the link is switched off', async () => {
    const sim = await startSim();
    const port = sim.port;
    const b = await boot({ sim, settings: (s) => (s.extra = { keywordHub: { queueTtlMs: 1_000 } }) });
    await b.open();
    await sim.stop();
    sims.splice(sims.indexOf(sim), 1);
    await until('link down', () => b.link().state === 'reconnecting');
    const q = await b.call<{ requestId: string }>('executions.start', { blogUrl: 'https://late.exemplo.com' });
    await sleep(1_200);
    const back = await startSim({ port });
    await b.open();
    await until('queue settled', async () => (await b.state()).hub.queue.length === 0);
    await sleep(200);
    expect(back.received.some((m) => m.data.request_id === q.requestId)).toBe(false);
    const row = b.core.ctx.storage.db.prepare('SELECT state FROM kh_queue WHERE request_id = ?').get(q.requestId) as { state: string };
    expect(row.state).toBe('expired');

    b.core.ctx.links.get('keywordHub')!.disconnect();
    const error = await b.failure('executions.start', { blogUrl: 'https://off.exemplo.com' });
    expect(error.code).toBe('unavailable');
  });

});

describe('execution store pruning', () => {
  it('keeps the newest 500 finished executions (running ones always) and tells the windows which went', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ops-kh-prune-'));
    const core = await createCore({ host: 'web', version: 'test', dataDir, cipher: new KeyFileCipher(join(dataDir, 'k')), demo: false, config: { settings: defaultSettings(), secrets: {} }, modules: [] });
    try {
      let clock = 1_000;
      const store = new ExecutionStore(core.ctx, () => clock++);
      const removed: string[] = [];
      core.hub.on('executions.removed', ({ ids }) => removed.push(...ids));
      const running = store.add(store.blank('running-0'));
      store.touch(running, true);
      for (let i = 0; i < 503; i++) {
        const e = store.add(store.blank(`done-${i}`));
        e.status = 'concluida';
        store.touch(e, true);
      }
      store.persist();
      expect(removed).toEqual(['done-0', 'done-1', 'done-2', 'done-3']);
      expect(store.executions.size).toBe(500);
      expect(store.get('running-0')).toBeDefined();
      expect(store.get('done-3')).toBeUndefined();
      expect(store.get('done-502')).toBeDefined();
      store.stop();
    } finally {
      await core.close();
    }
  });
});
