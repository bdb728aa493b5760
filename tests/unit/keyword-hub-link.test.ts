import { afterEach, describe, expect, it } from 'vitest';
import { TOKEN, boot, closeAll, sims, sleep, startSim, until } from './keyword-hub-helpers';

afterEach(closeAll);

describe('keyword hub link: ping, auth, errors, offline queue (seed 001)', () => {
  it('measures ping latency and detects a dead link when pongs stop', async () => {
    const b = await boot({ settings: (s) => (s.upstreams.keywordHub.pingIntervalMs = 1_000) });
    await b.open();
    await until('latency', () => b.link().latencyMs !== null, 3_000);
    expect(b.sim.received.some((m) => m.event === 'SESSAO_PING' && String(m.data.request_id).startsWith('req_'))).toBe(true);
    b.sim.silencePongs(true);
    const down = await until('dead link', () => (b.link().state === 'reconnecting' ? b.link() : null), 5_000);
    expect(down.message).toMatch(/SESSAO_PONG|no data/);
    b.sim.silencePongs(false);
    await b.open();
    expect(b.link().reconnects).toBeGreaterThanOrEqual(1);
  });

  it('queues commands given offline durably and sends each exactly once on reconnect', async () => {
    const sim = await startSim({ speed: 1 });
    const port = sim.port;
    const b = await boot({ sim });
    await b.open();
    const { executionId } = await b.call<{ executionId: string }>('executions.start', { blogUrl: 'https://f.exemplo.com', maxKeywords: 100 });
    await sim.stop();
    sims.splice(sims.indexOf(sim), 1);
    await until('link down', () => b.link().state === 'reconnecting');

    const q1 = await b.call<{ queued: true; requestId: string; expiresAt: number }>('executions.start', { blogUrl: 'https://offline.exemplo.com', maxKeywords: 5 });
    expect(q1.queued).toBe(true);
    const q2 = await b.call<{ queued: true; requestId: string }>('executions.control', { id: executionId, action: 'pausar' });
    expect(q2.queued).toBe(true);
    // One queued command per execution; refused at once otherwise.
    expect((await b.failure('executions.control', { id: executionId, action: 'cancelar' })).code).toBe('conflict');
    expect((await b.state()).hub.queue.map((q) => q.requestId)).toEqual([q1.requestId, q2.requestId]);
    const rows = b.core.ctx.storage.db.prepare("SELECT COUNT(*) AS n FROM kh_queue WHERE state = 'queued'").get() as { n: number };
    expect(Number(rows.n)).toBe(2);

    // The hub comes back on the same port (it lost its executions: the pause is refused by the hub or dropped).
    const back = await startSim({ port, speed: 1 });
    await until('queue sent', () => back.received.some((m) => m.data.request_id === q1.requestId), 10_000);
    await until('queue empty', async () => (await b.state()).hub.queue.length === 0);
    back.dropClients();
    await sleep(300);
    await b.open();
    await sleep(300);
    expect(back.received.filter((m) => m.data.request_id === q1.requestId)).toHaveLength(1);
    expect(back.received.filter((m) => m.data.request_id === q2.requestId).length).toBeLessThanOrEqual(1);
    const started = back.received.filter((m) => m.event === 'EXECUCAO_INICIAR');
    expect(started).toHaveLength(1);
  });

  it('stops on a refused token (no retry storm), raises an alert, and reconnects when a new token is saved', async () => {
    const b = await boot({ token: 'wrong' });
    await until('auth-failed', () => b.link().state === 'auth-failed');
    await sleep(600);
    expect(b.link().state).toBe('auth-failed');
    expect(b.link().reconnects).toBe(0);
    expect(b.core.ctx.alerts.list(false, 50).some((a) => a.key === 'keywordHub:auth')).toBe(true);
    expect((await b.state()).hub.auth?.message).toMatch(/401/);
    b.core.ctx.secrets.setEphemeral('keywordHub.token', TOKEN);
    await b.open();
    expect((await b.state()).hub.auth).toBeNull();
  });

  it('maps ERRO AUTHENTICATION_ERROR (token_expira_em), RATE_LIMIT_ERROR and TIMEOUT_ERROR', async () => {
    const b = await boot();
    await b.open();
    b.sim.send({ event: 'ERRO', data: { codigo: 'TIMEOUT_ERROR', mensagem: 'Timeout na operação', detalhes: {}, recomendacao: 'Tentar novamente' }, timestamp: 'x' });
    await until('advice', async () => (await b.state()).hub.advice?.code === 'TIMEOUT_ERROR');
    b.sim.send({ event: 'ERRO', data: { codigo: 'RATE_LIMIT_ERROR', mensagem: 'Limite', detalhes: { janela_ms: 1_500 }, recomendacao: 'Aguardar' }, timestamp: 'x' });
    await until('rate limited', async () => (await b.state()).hub.rateLimitedUntil !== null);
    const sentAt = Date.now();
    const { executionId } = await b.call<{ executionId: string }>('executions.start', { blogUrl: 'https://g.exemplo.com', maxKeywords: 10 });
    expect(executionId).toBeTruthy();
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(1_000);
    b.sim.send({ event: 'ERRO', data: { codigo: 'AUTHENTICATION_ERROR', mensagem: 'Token de autenticação inválido', detalhes: { token_expira_em: '2024-12-19T23:30:00Z' }, recomendacao: 'Renovar token de autenticação' }, timestamp: 'x' });
    await until('auth-failed', () => b.link().state === 'auth-failed');
    const hub = (await b.state()).hub;
    expect(hub.auth).toMatchObject({ tokenExpiresAt: '2024-12-19T23:30:00Z', recommendation: 'Renovar token de autenticação' });
  });
});
