import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startKeywordHubSimulator, type KeywordHubSimulator, type KeywordHubSimulatorOptions } from '../../src-main/demo/keyword-hub-sim';

// Parsed wire JSON; the assertions themselves check the shape.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Data = Record<string, any>;
interface Msg { event: string; data: Data; timestamp: string }

/** Plain `ws` client that keeps every frame so assertions can look back as well as wait. */
class Peer {
  readonly messages: Msg[] = [];
  private waiters = new Set<() => void>();
  constructor(readonly ws: WebSocket) {
    ws.on('message', (raw) => {
      this.messages.push(JSON.parse(raw.toString()) as Msg);
      for (const w of this.waiters) w();
    });
  }
  static open(url: string, token?: string): Promise<Peer> {
    const ws = new WebSocket(url, token ? { headers: { Authorization: `Bearer ${token}` } } : {});
    const peer = new Peer(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(peer));
      ws.once('error', reject);
    });
  }
  send(event: string, data: unknown): void {
    this.ws.send(JSON.stringify({ event, data, timestamp: new Date().toISOString() }));
  }
  find(event: string, pred: (d: Data) => boolean = () => true): Msg | undefined {
    return this.messages.find((m) => m.event === event && pred(m.data));
  }
  waitFor(event: string, pred: (d: Data) => boolean = () => true, timeoutMs = 3_000): Promise<Msg> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const hit = this.find(event, pred);
        if (!hit) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(hit);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`timeout waiting for ${event}`));
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }
  close(): void {
    this.ws.terminate();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('keyword hub simulator', () => {
  let sim: KeywordHubSimulator | null = null;
  const peers: Peer[] = [];
  const start = async (o: KeywordHubSimulatorOptions = {}) => (sim = await startKeywordHubSimulator({ autoplay: false, seed: 7, ...o }));
  const wsUrl = () => `${sim!.url.replace(/^http/, 'ws')}/ws`;
  const connect = async (token?: string) => {
    const p = await Peer.open(wsUrl(), token);
    peers.push(p);
    return p;
  };

  afterEach(async () => {
    for (const p of peers.splice(0)) p.close();
    await sim?.stop();
    sim = null;
  });

  it('refuses the upgrade with HTTP 401 without the right Bearer token', async () => {
    await start({ token: 'tok-1' });
    const status = (headers: Record<string, string>) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(wsUrl(), { headers });
        ws.on('unexpected-response', (_req, res) => {
          resolve(res.statusCode ?? 0);
          ws.terminate();
        });
        ws.on('open', () => {
          resolve(101);
          ws.terminate();
        });
        ws.on('error', () => undefined);
      });
    expect(await status({})).toBe(401);
    expect(await status({ Authorization: 'Bearer wrong' })).toBe(401);
    expect(await status({ Authorization: 'Bearer tok-1' })).toBe(101);
    sim!.setToken('tok-2');
    expect(await status({ Authorization: 'Bearer tok-1' })).toBe(401);
    expect(await status({ Authorization: 'Bearer tok-2' })).toBe(101);
  });

  it('runs INICIAR → INICIADA → progress → CONCLUIDA and serves the CSV', async () => {
    await start({ token: 't', speed: 400 });
    const peer = await connect('t');
    peer.send('EXECUCAO_INICIAR', { blog_url: 'https://exemplo.com', categoria_id: 1, configuracoes: { max_keywords: 40, profundidade: 2 }, request_id: 'req-1' });
    const iniciada = await peer.waitFor('EXECUCAO_INICIADA');
    expect(iniciada.data).toMatchObject({ status: 'iniciada', request_id: 'req-1' });
    expect(iniciada.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const id = iniciada.data.execucao_id as string;
    const done = await peer.waitFor('EXECUCAO_CONCLUIDA', (d) => d.execucao_id === id);
    const progress = peer.messages.filter((m) => m.event === 'EXECUCAO_STATUS' && m.data.execucao_id === id);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress[0]!.data).toMatchObject({ status: 'em_andamento', progresso: { total: 40 } });
    expect(progress[0]!.data).toHaveProperty('tempo_estimado');
    const keywords = peer.messages.filter((m) => m.event === 'KEYWORD_ENCONTRADA');
    expect(keywords.length).toBe(done.data.resultado.total_keywords);
    expect(keywords[0]!.data.keyword).toEqual(expect.objectContaining({ termo: expect.any(String), relevancia: expect.any(Number), url: expect.stringMatching(/^https:\/\/exemplo\.com/) }));
    expect(peer.find('CLUSTER_FORMADO')?.data.cluster).toEqual(expect.objectContaining({ id: expect.any(String), keywords: expect.any(Array), tamanho: expect.any(Number) }));
    expect(done.data.resultado).toEqual(expect.objectContaining({ clusters_formados: expect.any(Number), tempo_total: expect.any(Number), taxa_sucesso: expect.any(Number) }));
    expect(done.data.download_url).toBe(`${sim!.url}/download/${id}`);
    const csv = await (await fetch(done.data.download_url)).text();
    expect(csv.trim().split('\n')).toHaveLength(done.data.resultado.total_keywords + 1);
    expect(sim!.executions.find((e) => e.execucao_id === id)?.status).toBe('concluida');
  });

  it('ends a timeout blog_url with EXECUCAO_ERRO', async () => {
    await start({ speed: 400 });
    const peer = await connect();
    peer.send('EXECUCAO_INICIAR', { blog_url: 'https://lento.exemplo.com/timeout', configuracoes: { max_keywords: 30, timeout: 12 }, request_id: 'r' });
    const err = await peer.waitFor('EXECUCAO_ERRO');
    expect(err.data.erro).toMatchObject({ codigo: 'TIMEOUT_ERROR', detalhes: { timeout: 12 } });
    expect(err.data.recomendacao).toEqual(expect.any(String));
    expect(peer.find('EXECUCAO_CONCLUIDA')).toBeUndefined();
  });

  it('validates input and unknown events/ids with ERRO VALIDATION_ERROR', async () => {
    await start();
    const peer = await connect();
    peer.send('EXECUCAO_INICIAR', { blog_url: 'ftp://exemplo.com', configuracoes: { max_keywords: 100 }, request_id: 'bad-url' });
    peer.send('EXECUCAO_INICIAR', { blog_url: 'https://exemplo.com', configuracoes: { max_keywords: 0 }, request_id: 'bad-max' });
    peer.send('EXECUCAO_PAUSAR', { execucao_id: 'exec_nope', request_id: 'bad-id' });
    peer.send('FAZ_ALGO', { request_id: 'bad-event' });
    peer.ws.send('{not json');
    const badUrl = await peer.waitFor('ERRO', (d) => d.request_id === 'bad-url');
    expect(badUrl.data).toMatchObject({ codigo: 'VALIDATION_ERROR', detalhes: { campos: [{ campo: 'blog_url' }] } });
    expect(badUrl.data.recomendacao).toEqual(expect.any(String));
    expect((await peer.waitFor('ERRO', (d) => d.request_id === 'bad-max')).data.detalhes.campos[0].campo).toBe('configuracoes.max_keywords');
    expect((await peer.waitFor('ERRO', (d) => d.request_id === 'bad-id')).data.codigo).toBe('VALIDATION_ERROR');
    expect((await peer.waitFor('ERRO', (d) => d.request_id === 'bad-event')).data.mensagem).toContain('FAZ_ALGO');
    expect((await peer.waitFor('ERRO', (d) => d.mensagem === 'JSON inválido')).data.codigo).toBe('VALIDATION_ERROR');
    expect(peer.find('EXECUCAO_INICIADA')).toBeUndefined();
    expect(sim!.received.map((m) => m.event)).toEqual(['EXECUCAO_INICIAR', 'EXECUCAO_INICIAR', 'EXECUCAO_PAUSAR', 'FAZ_ALGO']);
  });

  it('enforces the state machine on pause/resume/cancel', async () => {
    await start({ speed: 2 });
    const peer = await connect();
    peer.send('EXECUCAO_INICIAR', { blog_url: 'https://exemplo.com', configuracoes: { max_keywords: 100 }, request_id: 'go' });
    const id = (await peer.waitFor('EXECUCAO_INICIADA')).data.execucao_id as string;
    const control = async (event: string, rid: string) => {
      peer.send(event, { execucao_id: id, request_id: rid });
      return Promise.race([
        peer.waitFor('ERRO', (d) => d.request_id === rid).then((m) => m),
        peer.waitFor(event === 'EXECUCAO_PAUSAR' ? 'EXECUCAO_PAUSADA' : 'EXECUCAO_STATUS', (d) => d.request_id === rid),
      ]);
    };
    expect((await control('EXECUCAO_PAUSAR', 'p1')).data).toEqual({ execucao_id: id, status: 'pausada', request_id: 'p1' });
    expect((await control('EXECUCAO_PAUSAR', 'p2')).data).toMatchObject({ codigo: 'VALIDATION_ERROR', detalhes: { status_atual: 'pausada' } });
    expect((await control('EXECUCAO_RESUMIR', 'r1')).data).toMatchObject({ execucao_id: id, status: 'em_andamento', request_id: 'r1' });
    expect((await control('EXECUCAO_RESUMIR', 'r2')).event).toBe('ERRO');
    expect((await control('EXECUCAO_CANCELAR', 'c1')).data).toMatchObject({ execucao_id: id, status: 'cancelada', request_id: 'c1' });
    expect((await control('EXECUCAO_CANCELAR', 'c2')).event).toBe('ERRO');
    expect((await control('EXECUCAO_RESUMIR', 'r3')).event).toBe('ERRO');
    expect((await control('EXECUCAO_PAUSAR', 'p3')).event).toBe('ERRO');
    expect(sim!.executions[0]?.status).toBe('cancelada');
  });

  it('keeps executions across drops and restarts; clients re-sync with EXECUCAO_STATUS / EXECUCAO_LISTAR', async () => {
    await start({ speed: 3 });
    const first = await connect();
    first.send('EXECUCAO_INICIAR', { blog_url: 'https://exemplo.com', configuracoes: { max_keywords: 100 }, request_id: 'a' });
    const id = (await first.waitFor('EXECUCAO_INICIADA')).data.execucao_id as string;
    sim!.dropClients();
    await sim!.restart();
    const second = await connect();
    second.send('EXECUCAO_STATUS', { execucao_id: id, request_id: 'sync-1' });
    const status = await second.waitFor('EXECUCAO_STATUS', (d) => d.request_id === 'sync-1');
    expect(status.data).toMatchObject({ execucao_id: id, progresso: { total: 100 } });
    expect(['iniciada', 'em_andamento']).toContain(status.data.status);
    second.send('EXECUCAO_LISTAR', { request_id: 'list-1' });
    const list = await second.waitFor('EXECUCAO_LISTA', (d) => d.request_id === 'list-1');
    expect(list.data.execucoes).toEqual([expect.objectContaining({ execucao_id: id, blog_url: 'https://exemplo.com' })]);
    expect(sim!.clientCount).toBe(1);
  });

  it('answers SESSAO_PING until pongs are silenced (also WebSocket-level pongs)', async () => {
    await start();
    const peer = await connect();
    peer.send('SESSAO_PING', { request_id: 'ping-1' });
    const pong = await peer.waitFor('SESSAO_PONG');
    expect(pong.data).toEqual({ request_id: 'ping-1', server_time: expect.stringMatching(/Z$/) });
    sim!.silencePongs(true);
    let wsPongs = 0;
    peer.ws.on('pong', () => wsPongs++);
    peer.send('SESSAO_PING', { request_id: 'ping-2' });
    peer.ws.ping();
    await sleep(250);
    expect(peer.find('SESSAO_PONG', (d) => d.request_id === 'ping-2')).toBeUndefined();
    expect(wsPongs).toBe(0);
    sim!.silencePongs(false);
    peer.ws.ping();
    peer.send('SESSAO_PING', { request_id: 'ping-3' });
    await peer.waitFor('SESSAO_PONG', (d) => d.request_id === 'ping-3');
    expect(wsPongs).toBe(1);
  });

  it('streams METRICA_PERFORMANCE at the requested interval (min 200 ms) and acknowledges notification settings', async () => {
    await start();
    const peer = await connect();
    peer.send('NOTIFICACAO_CONFIGURAR', { tipos: ['execucao_concluida', 'erro'], canal: 'websocket', request_id: 'n1' });
    expect((await peer.waitFor('NOTIFICACAO_GERAL', (d) => d.request_id === 'n1')).data.tipo).toBe('info');
    peer.send('MONITORAMENTO_INICIAR', { metricas: ['cpu', 'memoria'], intervalo: 50, request_id: 'm1' });
    const ack = await peer.waitFor('METRICA_PERFORMANCE', (d) => d.request_id === 'm1');
    expect(Object.keys(ack.data).sort()).toEqual(['cpu_uso', 'execucoes_ativas', 'memoria_uso', 'request_id', 'requisicoes_por_segundo', 'tempo_resposta_medio']);
    const t0 = Date.now();
    await sleep(500);
    const samples = peer.messages.filter((m) => m.event === 'METRICA_PERFORMANCE');
    expect(samples.length).toBeGreaterThanOrEqual(2);
    expect(samples.length).toBeLessThanOrEqual(4); // 50 ms was clamped to 200 ms
    expect(Date.now() - t0).toBeGreaterThanOrEqual(400);
  });

  it('rate-limits a flooding client: one RATE_LIMIT_ERROR per refused message', async () => {
    await start({ rateLimit: { max: 3, windowMs: 10_000 } });
    const peer = await connect();
    for (let i = 0; i < 6; i++) peer.send('SESSAO_PING', { request_id: `f${i}` });
    const limited = await peer.waitFor('ERRO', (d) => d.codigo === 'RATE_LIMIT_ERROR' && d.request_id === 'f5');
    expect(limited.data.detalhes).toMatchObject({ janela_ms: 10_000 });
    await sleep(100);
    expect(peer.messages.filter((m) => m.event === 'SESSAO_PONG')).toHaveLength(3);
    expect(peer.messages.filter((m) => m.event === 'ERRO').map((m) => m.data.request_id)).toEqual(['f3', 'f4', 'f5']);
  });

  it('seed-only mode speaks only what seed 001 documents', async () => {
    await start({ seedOnly: true, speed: 3, rateLimit: { max: 4, windowMs: 10_000 } });
    const peer = await connect();
    const other = await connect();
    peer.send('EXECUCAO_INICIAR', { blog_url: 'https://exemplo.com', configuracoes: { max_keywords: 100 }, request_id: 's1' });
    const started = await peer.waitFor('EXECUCAO_INICIADA');
    expect(started.data).toEqual({ execucao_id: 'exec_1', status: 'iniciada', request_id: 's1' });
    // Broadcasts carry no request_id.
    expect((await other.waitFor('EXECUCAO_INICIADA')).data).toEqual({ execucao_id: 'exec_1', status: 'iniciada' });
    // Requests the seed lacks are unknown events.
    peer.send('EXECUCAO_LISTAR', { request_id: 's2' });
    expect((await peer.waitFor('ERRO', (d) => d.request_id === 's2')).data.codigo).toBe('VALIDATION_ERROR');
    // Resume/cancel: no acknowledgement, only the new status, broadcast without request_id.
    peer.send('EXECUCAO_CANCELAR', { execucao_id: 'exec_1', request_id: 's3' });
    const cancelled = await other.waitFor('EXECUCAO_STATUS', (d) => d.status === 'cancelada');
    expect(cancelled.data.request_id).toBeUndefined();
    // Rate limit: ERRO without request_id.
    peer.send('NOTIFICACAO_CONFIGURAR', { tipos: ['erro'], canal: 'websocket', request_id: 's4' });
    peer.send('SESSAO_PING', { request_id: 's5' });
    const limited = await peer.waitFor('ERRO', (d) => d.codigo === 'RATE_LIMIT_ERROR');
    expect(limited.data.request_id).toBeNull();
    expect(peer.find('NOTIFICACAO_GERAL')).toBeUndefined();
    expect(peer.messages.some((m) => m.event !== 'ERRO' && m.event !== 'SESSAO_PONG' && m.data.request_id !== undefined && m.event !== 'EXECUCAO_INICIADA')).toBe(false);
    // A restart is the hub process restarting: executions forgotten, ids from exec_1 again.
    await sim!.restart();
    const again = await connect();
    again.send('EXECUCAO_INICIAR', { blog_url: 'https://outro.exemplo.com', request_id: 's6' });
    expect((await again.waitFor('EXECUCAO_INICIADA')).data.execucao_id).toBe('exec_1');
    expect(sim!.executions).toHaveLength(1);
  });

  it('broadcasts raw frames from the control API', async () => {
    await start();
    const peer = await connect();
    sim!.send({ event: 'SISTEMA_ALERTA', data: { nivel: 'critical', categoria: 'teste', mensagem: 'x', acoes: [] }, timestamp: 'now' });
    expect((await peer.waitFor('SISTEMA_ALERTA')).data.nivel).toBe('critical');
    const raw = new Promise<string>((resolve) => peer.ws.once('message', (d) => resolve(d.toString())));
    sim!.sendRaw('{"event":"NOTIFICACAO_GERAL","data":{}}');
    expect(await raw).toBe('{"event":"NOTIFICACAO_GERAL","data":{}}');
  });
});
