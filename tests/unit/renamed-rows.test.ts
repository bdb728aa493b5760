/**
 * Rows written before the contract's English names (issue 15): SQLite rows and kv values with
 * the seeds' Portuguese field names are read into the English contract after an upgrade.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Storage } from '../../src-main/core/storage';
import { renamed } from '../../src-main/core/renamed-fields';
import { ExecutionStore } from '../../src-main/upstreams/keyword-hub/store';
import { JobBook } from '../../src-main/upstreams/rpa-logs/jobs';
import { testCores } from './test-cores';

const { boot } = testCores('ops-renamed-');

describe('rows with the old Portuguese field names', () => {
  it('keyword hub: executions, keywords, clusters, notifications, preferences and monitoring read in English', async () => {
    const core = await boot();
    const first = new ExecutionStore(core.ctx, () => 1_000);
    first.stop();
    const db = core.ctx.storage.db;
    const old = {
      id: 'exec_old', status: 'erro', blogUrl: 'https://blog.exemplo.com.br', categoriaId: 7, config: null,
      progress: { total: 10, atual: 4, percentual: 40 }, keywordsFound: 4, clustersFormed: 1, elapsedSec: 3, estimatedSec: 0,
      startedAt: 1, updatedAt: 2, mine: true,
      result: { totalKeywords: 4, clustersFormados: 1, tempoTotal: 3, taxaSucesso: 0.5, downloadUrl: null },
      error: { codigo: 'TIMEOUT_ERROR', mensagem: 'Timeout', detalhes: { s: 30 }, recomendacao: 'Aumentar timeout', at: 2 },
      refusal: null, pending: null,
    };
    db.prepare('INSERT INTO kh_executions (id, updated_at, body) VALUES (?, ?, ?)').run('exec_old', 2, JSON.stringify(old));
    db.prepare('INSERT INTO kh_keywords (execution_id, body) VALUES (?, ?)').run('exec_old', JSON.stringify({ executionId: 'exec_old', termo: 'seo', frequencia: 3, relevancia: 0.9, posicao: 1, url: 'https://x', clusterId: 'c1', at: 2 }));
    db.prepare('INSERT INTO kh_clusters (execution_id, id, body) VALUES (?, ?, ?)').run('exec_old', 'c1', JSON.stringify({ executionId: 'exec_old', id: 'c1', nome: 'SEO', keywords: ['seo'], tamanho: 1, relevanciaMedia: 0.9, at: 2 }));
    core.ctx.storage.putJson('keywordHub.notifications', [{ id: 'n1', at: 2, tipo: 'aviso', titulo: 'Atenção', mensagem: 'Fila cheia', actionUrl: null, actionType: null }]);
    core.ctx.storage.putJson('keywordHub.prefs', { tipos: ['erro'], canal: 'email' });
    core.ctx.storage.putJson('keywordHub.monitor', { metricas: ['cpu', 'memoria', 'execucoes_ativas'], intervaloMs: 2_000 });

    const store = new ExecutionStore(core.ctx, () => 3_000);
    try {
      const e = store.get('exec_old');
      expect(e).toMatchObject({
        categoryId: 7,
        progress: { total: 10, current: 4, percent: 40 },
        result: { clustersFormed: 1, totalTimeSec: 3, successRate: 0.5 },
        error: { code: 'TIMEOUT_ERROR', message: 'Timeout', details: { s: 30 }, recommendation: 'Aumentar timeout' },
      });
      expect(e).not.toHaveProperty('categoriaId');
      const d = store.detail('exec_old');
      expect(d.keywords).toEqual([{ executionId: 'exec_old', term: 'seo', frequency: 3, relevance: 0.9, position: 1, url: 'https://x', clusterId: 'c1', at: 2 }]);
      expect(d.clusters).toEqual([{ executionId: 'exec_old', id: 'c1', name: 'SEO', keywords: ['seo'], size: 1, avgRelevance: 0.9, at: 2 }]);
      expect(store.snapshot().notifications).toEqual([{ id: 'n1', at: 2, type: 'aviso', title: 'Atenção', message: 'Fila cheia', actionUrl: null, actionType: null }]);
      expect(store.prefs).toEqual({ types: ['erro'], channel: 'email' });
      expect(store.monitor).toEqual({ metrics: ['cpu', 'memory', 'activeExecutions'], intervalMs: 2_000 });
    } finally {
      store.stop();
    }
  });

  it('RPA logs: lines and job summaries saved with operadora read as carrier', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ops-renamed-logs-'));
    const storage = Storage.open(join(dir, 'db.sqlite'));
    try {
      new JobBook(storage, { bufferLines: 1_000, persistLines: 100, pinned: [] });
      const line = { id: '1', receivedAt: 5, kind: 'log', level: 'INFO', message: 'ok', operadora: 'VIVO', service: 's', logger: 'l', timestamp: '', extra: {} };
      storage.db.prepare('INSERT INTO logs_lines (job_id, seq, body) VALUES (?, ?, ?)').run('job-1', 1, JSON.stringify(line));
      storage.db.prepare('INSERT INTO logs_jobs (job_id, body) VALUES (?, ?)').run('job-1', JSON.stringify({ jobId: 'job-1', lines: 1, errors: 0, warnings: 0, firstAt: 5, lastAt: 5, operadoras: ['VIVO'], services: ['s'], newestSeq: 1 }));
      const book = new JobBook(storage, { bufferLines: 1_000, persistLines: 100, pinned: [] });
      expect(book.summary('job-1').carriers).toEqual(['VIVO']);
      const [got] = book.page('job-1', undefined, 10).lines;
      expect(got).toMatchObject({ jobId: 'job-1', seq: 1, carrier: 'VIVO' });
      expect(got).not.toHaveProperty('operadora');
    } finally {
      storage.close();
    }
  });

  it('a new name already present wins; non-objects pass through', () => {
    expect(renamed({ atual: 1, current: 2 }, { atual: 'current' })).toEqual({ current: 2 });
    expect(renamed(null, { atual: 'current' })).toBeNull();
    expect(renamed([1], { atual: 'current' })).toEqual([1]);
  });
});
