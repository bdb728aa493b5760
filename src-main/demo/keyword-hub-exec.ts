import type { Random } from './random';

/**
 * Server-side execution state for the keyword hub simulator. Executions live here, not on a
 * connection: they keep running while clients are away and are re-read with EXECUCAO_STATUS /
 * EXECUCAO_LISTAR after a reconnect. Time is simulated (`speed` x wall clock), so reported seconds
 * look like a real ~30 s crawl even when a test runs it in 150 ms.
 */

export type ExecStatus = 'iniciada' | 'em_andamento' | 'pausada' | 'concluida' | 'cancelada' | 'erro';
export type ExecAction = 'pausar' | 'resumir' | 'cancelar';

/** The seed's state machine; everything else is refused with VALIDATION_ERROR. */
export const ALLOWED_FROM: Record<ExecAction, readonly ExecStatus[]> = {
  pausar: ['iniciada', 'em_andamento'],
  resumir: ['pausada'],
  cancelar: ['iniciada', 'em_andamento', 'pausada'],
};

export interface KeywordFound {
  termo: string;
  frequencia: number;
  relevancia: number;
  posicao: number;
  url: string;
  cluster_id: string;
}

export interface ExecutionSnapshot {
  execucao_id: string;
  status: ExecStatus;
  blog_url: string;
  categoria_id: number | null;
  progresso: { total: number; atual: number; percentual: number };
  keywords_encontradas: number;
  clusters_formados: number;
  tempo_decorrido: number;
  tempo_estimado: number;
  iniciada_em: string;
  download_url: string | null;
}

export interface ExecutionInput {
  blog_url: string;
  categoria_id?: number | undefined;
  configuracoes: { max_keywords: number; profundidade: number; timeout: number };
}

interface OpenCluster { id: string; nome: string; termos: string[]; relevancias: number[]; target: number }

interface Execution {
  id: string;
  input: ExecutionInput;
  status: ExecStatus;
  simMs: number;
  startedAt: Date;
  atual: number;
  yieldRatio: number;
  keywords: KeywordFound[];
  termos: Set<string>;
  clustersFormed: number;
  open: OpenCluster | null;
  failAt: number | null;
  taxaSucesso: number;
}

export type Broadcast = (event: string, data: Record<string, unknown>) => void;

export const EXEC_DURATION_MS = 30_000;
/** Caps KEYWORD_ENCONTRADA per execution per tick; the rest still count and land in the CSV. */
const MAX_KEYWORD_EVENTS_PER_TICK = 50;
/** Simulated time an execution stays `iniciada` before crawling. */
const WARMUP_MS = 600;

const HEADS = [
  'marketing digital', 'receita de bolo', 'seguro auto', 'notebook gamer', 'curso de inglês', 'plano de saúde',
  'energia solar', 'investimento em ações', 'dieta low carb', 'viagem barata', 'tênis de corrida', 'cafeteira elétrica',
  'crédito consignado', 'apartamento para alugar', 'aulas de violão', 'ração para cachorro',
];
const MODIFIERS = [
  'como fazer', 'melhor', 'preço', '2025', 'para iniciantes', 'passo a passo', 'barato', 'online', 'grátis',
  'em são paulo', 'vale a pena', 'dicas de', 'onde comprar', 'comparativo', 'avaliação',
];
const PREFIX_MODIFIERS = new Set(['como fazer', 'melhor', 'dicas de', 'onde comprar']);
const CLUSTER_NAMES = ['Tecnologia', 'Marketing', 'Finanças', 'Saúde', 'Educação', 'Viagem', 'Culinária', 'Casa', 'Esportes', 'Pets'];
const PAGES = ['', 'blog', 'categoria/dicas', 'artigos', 'guia-completo', 'faq', 'sobre'];

const round1 = (n: number) => Math.round(n * 10) / 10;
const round2 = (n: number) => Math.round(n * 100) / 100;
const ACTIVE: readonly ExecStatus[] = ['iniciada', 'em_andamento'];

export class ExecutionEngine {
  private readonly executions = new Map<string, Execution>();
  private timer: NodeJS.Timeout | null = null;
  private lastTick = 0;
  private clusterSeq = 100;

  constructor(
    private readonly random: Random,
    private readonly speed: number,
    private readonly broadcast: Broadcast,
    private readonly downloadUrl: (id: string) => string,
    /** Ids: random by default; seed-only mode numbers them from 1 (and from 1 again after a restart). */
    private readonly newId: ((seq: number) => string) | null = null,
  ) {}

  private seq = 0;

  /** The hub process restarted: every execution is forgotten and ids start over. */
  forget(): void {
    this.stop();
    this.executions.clear();
    this.seq = 0;
  }

  get(id: string): Execution | undefined {
    return this.executions.get(id);
  }

  get activeCount(): number {
    return [...this.executions.values()].filter((e) => ACTIVE.includes(e.status)).length;
  }

  start(input: ExecutionInput): Execution {
    let id: string;
    if (this.newId) id = this.newId(++this.seq);
    else
      do id = `exec_${this.random.int(100000, 999999)}`;
      while (this.executions.has(id));
    const failing = /erro|timeout/i.test(input.blog_url);
    const total = input.configuracoes.max_keywords;
    const exec: Execution = {
      id,
      input,
      status: 'iniciada',
      simMs: 0,
      startedAt: new Date(),
      atual: 0,
      yieldRatio: 0.45 + this.random.next() * 0.25,
      keywords: [],
      termos: new Set(),
      clustersFormed: 0,
      open: null,
      failAt: failing ? Math.max(1, Math.floor(total * (0.3 + this.random.next() * 0.2))) : null,
      taxaSucesso: round2(0.9 + this.random.next() * 0.09),
    };
    this.executions.set(id, exec);
    this.ensureTimer();
    return exec;
  }

  /** Applies a control action or returns the reason it is refused. */
  transition(exec: Execution, action: ExecAction): { ok: true } | { ok: false; status: ExecStatus } {
    if (!ALLOWED_FROM[action].includes(exec.status)) return { ok: false, status: exec.status };
    if (action === 'pausar') exec.status = 'pausada';
    else if (action === 'resumir') exec.status = 'em_andamento';
    else exec.status = 'cancelada';
    this.ensureTimer();
    return { ok: true };
  }

  /** The seed's EXECUCAO_STATUS payload. */
  statusOf(exec: Execution): Record<string, unknown> {
    const total = exec.input.configuracoes.max_keywords;
    const pct = total ? (exec.atual / total) * 100 : 0;
    const decorrido = Math.round(exec.simMs / 1000);
    // Remaining-time estimate from the observed pace; before any progress, the nominal duration.
    const estimado = exec.atual > 0 ? Math.round((exec.simMs * (total - exec.atual)) / exec.atual / 1000) : EXEC_DURATION_MS / 1000;
    return {
      execucao_id: exec.id,
      status: exec.status,
      progresso: { total, atual: exec.atual, percentual: round1(pct) },
      keywords_encontradas: exec.keywords.length,
      tempo_decorrido: decorrido,
      tempo_estimado: ACTIVE.includes(exec.status) || exec.status === 'pausada' ? estimado : 0,
    };
  }

  snapshot(exec: Execution): ExecutionSnapshot {
    const s = this.statusOf(exec) as Pick<ExecutionSnapshot, 'progresso' | 'tempo_decorrido' | 'tempo_estimado'>;
    return {
      execucao_id: exec.id,
      status: exec.status,
      blog_url: exec.input.blog_url,
      categoria_id: exec.input.categoria_id ?? null,
      progresso: { ...s.progresso },
      keywords_encontradas: exec.keywords.length,
      clusters_formados: exec.clustersFormed,
      tempo_decorrido: s.tempo_decorrido,
      tempo_estimado: s.tempo_estimado,
      iniciada_em: exec.startedAt.toISOString(),
      download_url: exec.status === 'concluida' ? this.downloadUrl(exec.id) : null,
    };
  }

  list(): ExecutionSnapshot[] {
    return [...this.executions.values()].map((e) => this.snapshot(e));
  }

  /** CSV of the keywords found; null when the execution is unknown or not concluded. */
  csv(id: string): string | null {
    const exec = this.executions.get(id);
    if (!exec || exec.status !== 'concluida') return null;
    const esc = (v: string | number) => (typeof v === 'string' && /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : String(v));
    const rows = exec.keywords.map((k) => [k.termo, k.frequencia, k.relevancia, k.posicao, k.url, k.cluster_id].map(esc).join(','));
    return ['termo,frequencia,relevancia,posicao,url,cluster_id', ...rows].join('\n') + '\n';
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** One shared timer, running only while some execution can progress. */
  private ensureTimer(): void {
    if (this.timer || this.activeCount === 0) return;
    const tickMs = Math.min(1000, Math.max(10, Math.round(1000 / this.speed)));
    this.lastTick = Date.now();
    this.timer = setInterval(() => this.tick(), tickMs);
    this.timer.unref();
  }

  private tick(): void {
    const now = Date.now();
    const advance = (now - this.lastTick) * this.speed;
    this.lastTick = now;
    for (const exec of this.executions.values()) if (ACTIVE.includes(exec.status)) this.advance(exec, advance);
    if (this.activeCount === 0) this.stop();
  }

  private advance(exec: Execution, ms: number): void {
    exec.simMs += ms;
    if (exec.status === 'iniciada') {
      if (exec.simMs < WARMUP_MS) return;
      exec.status = 'em_andamento';
    }
    const total = exec.input.configuracoes.max_keywords;
    const target = Math.min(total, Math.floor((total * exec.simMs) / EXEC_DURATION_MS));
    exec.atual = exec.failAt !== null ? Math.min(target, exec.failAt) : target;
    const wanted = Math.floor(exec.atual * exec.yieldRatio);
    let emitted = 0;
    while (exec.keywords.length < wanted) {
      const kw = this.makeKeyword(exec);
      exec.keywords.push(kw);
      if (emitted++ < MAX_KEYWORD_EVENTS_PER_TICK) {
        const { cluster_id, ...keyword } = kw;
        this.broadcast('KEYWORD_ENCONTRADA', { execucao_id: exec.id, keyword, cluster_id });
      }
      const open = exec.open!;
      if (open.termos.length >= open.target) this.formCluster(exec);
    }
    this.broadcast('EXECUCAO_STATUS', this.statusOf(exec));
    if (exec.failAt !== null && exec.atual >= exec.failAt) return this.fail(exec);
    if (exec.atual >= total) this.complete(exec);
  }

  private makeKeyword(exec: Execution): KeywordFound {
    if (!exec.open) {
      exec.open = { id: `cluster_${++this.clusterSeq}`, nome: this.random.pick(CLUSTER_NAMES), termos: [], relevancias: [], target: this.random.int(3, 8) };
    }
    const head = this.random.pick(HEADS);
    const mod = this.random.pick(MODIFIERS);
    let termo = PREFIX_MODIFIERS.has(mod) ? `${mod} ${head}` : `${head} ${mod}`;
    if (exec.termos.has(termo)) termo = `${termo} ${exec.keywords.length + 1}`;
    exec.termos.add(termo);
    const relevancia = round2(0.3 + this.random.next() * 0.69);
    exec.open.termos.push(termo);
    exec.open.relevancias.push(relevancia);
    const base = exec.input.blog_url.replace(/\/+$/, '');
    const page = this.random.pick(PAGES);
    return {
      termo,
      frequencia: this.random.int(1, 60),
      relevancia,
      posicao: this.random.int(1, 50),
      url: page ? `${base}/${page}` : base,
      cluster_id: exec.open.id,
    };
  }

  private formCluster(exec: Execution): void {
    const open = exec.open;
    exec.open = null;
    if (!open || open.termos.length === 0) return;
    exec.clustersFormed++;
    const media = open.relevancias.reduce((a, b) => a + b, 0) / open.relevancias.length;
    this.broadcast('CLUSTER_FORMADO', {
      execucao_id: exec.id,
      cluster: { id: open.id, nome: open.nome, keywords: [...open.termos], tamanho: open.termos.length, relevancia_media: round2(media) },
    });
  }

  private complete(exec: Execution): void {
    this.formCluster(exec);
    exec.status = 'concluida';
    this.broadcast('EXECUCAO_CONCLUIDA', {
      execucao_id: exec.id,
      resultado: {
        total_keywords: exec.keywords.length,
        clusters_formados: exec.clustersFormed,
        tempo_total: Math.round(exec.simMs / 1000),
        taxa_sucesso: exec.taxaSucesso,
      },
      download_url: this.downloadUrl(exec.id),
    });
  }

  private fail(exec: Execution): void {
    exec.status = 'erro';
    exec.open = null;
    this.broadcast('EXECUCAO_ERRO', {
      execucao_id: exec.id,
      erro: {
        codigo: 'TIMEOUT_ERROR',
        mensagem: 'Timeout ao processar URL',
        detalhes: { url: `${exec.input.blog_url.replace(/\/+$/, '')}/pagina-lenta`, timeout: exec.input.configuracoes.timeout },
      },
      recomendacao: 'Aumentar timeout ou verificar conectividade',
    });
  }
}
