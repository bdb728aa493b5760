/**
 * The two ends of seed 003's webhooks, for demo mode and tests:
 *
 * - a **sink**: an HTTP endpoint the console's outbound deliveries can target, recording
 *   everything and answering from a script (slow, failing, rate-limited…), so retries,
 *   timeouts and the delivery log can be exercised for real;
 * - a **sender**: the fiscal system itself, POSTing signed `nfe_importada`… events to the
 *   console's inbound receiver.
 *
 * The sender signs with its own code (the `standardwebhooks` reference library, plain
 * node:crypto for the rest), not with the console's signing.ts, so a passing inbound test is
 * a real interoperability check rather than the console agreeing with itself.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { listen as listenOn, portOf } from '../core/http-listen';
import { Webhook } from 'standardwebhooks';
import { verifyInbound, type SignatureScheme, type VerifyFailure } from '../integrations/signing';
import { createRandom, type Random } from './random';
import type { Simulator, SimulatorOptions } from './types';

// ---- sink ------------------------------------------------------------------------------

export interface SinkRequest {
  method: string;
  /** Path and query string as received. */
  path: string;
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: string;
  receivedAt: number;
  /** Only when the sink has a secret: did the signature verify? */
  verified?: boolean;
  /** Why it did not, when `verified` is false. */
  verifyFailure?: VerifyFailure;
}

export interface SinkStep {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  /** Wait this long before answering (exercise the sender's timeout). */
  delayMs?: number;
}

export interface WebhookSinkOptions extends SimulatorOptions {
  /** Verify each request's signature with this secret (recorded, never enforced). */
  secret?: string;
  /** Which scheme `secret` is for; Standard Webhooks by default. */
  scheme?: SignatureScheme;
}

export interface WebhookSink extends Simulator {
  /** Every POST, oldest first; survives restart(), cleared by reset(). */
  readonly requests: readonly SinkRequest[];
  /** Queue answers for the next requests, in order; afterwards the sink answers 200. */
  respondWith(...steps: SinkStep[]): void;
  /** The next `n` requests get `status` (500 by default). */
  failNext(n: number, status?: number): void;
  /** Forget recorded requests and the queued script. */
  reset(): void;
  /** Resolves with the requests once at least `count` arrived; rejects after `timeoutMs`. */
  waitFor(count: number, timeoutMs?: number): Promise<readonly SinkRequest[]>;
}

const MAX_BODY_BYTES = 5 * 1024 * 1024;

export async function startWebhookSink(opts: WebhookSinkOptions = {}): Promise<WebhookSink> {
  const host = opts.host ?? '127.0.0.1';
  const scheme = opts.scheme ?? 'standard';
  const requests: SinkRequest[] = [];
  let script: SinkStep[] = [];
  const waiters = new Set<{ count: number; resolve: () => void }>();
  const sockets = new Set<Socket>();
  const delays = new Set<NodeJS.Timeout>();

  const record = (entry: SinkRequest) => {
    requests.push(entry);
    for (const waiter of waiters) if (requests.length >= waiter.count) waiter.resolve();
  };

  const answer = (res: ServerResponse, step: SinkStep) => {
    if (res.destroyed) return;
    const body = step.body ?? '';
    res.writeHead(step.status, { 'content-length': Buffer.byteLength(body), ...step.headers });
    res.end(body);
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'POST') {
      // GET / doubles as a reachability check for the console's "test endpoint" button.
      const allowed = req.method === 'GET' || req.method === 'HEAD';
      answer(res, allowed ? { status: 200, body: 'webhook sink' } : { status: 405, headers: { allow: 'POST' } });
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        answer(res, { status: 413 });
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) {
        if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
      }
      const entry: SinkRequest = { method: 'POST', path: req.url ?? '/', headers, body, receivedAt: Date.now() };
      if (opts.secret !== undefined) {
        const result = verifyInbound(scheme, opts.secret, headers, body);
        entry.verified = result.ok;
        if (!result.ok) entry.verifyFailure = result.reason;
      }
      record(entry);
      const step = script.shift() ?? { status: 200, headers: { 'content-type': 'application/json' }, body: '{"recebido":true}' };
      if (!step.delayMs) return answer(res, step);
      const timer = setTimeout(() => {
        delays.delete(timer);
        answer(res, step);
      }, step.delayMs);
      delays.add(timer);
    });
  };

  const server = createServer(handle);
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  const listen = (port: number) => listenOn(server, port, host);

  const dropClients = () => {
    for (const timer of delays) clearTimeout(timer);
    delays.clear();
    for (const socket of sockets) socket.destroy();
  };

  const close = () =>
    new Promise<void>((resolve) => {
      dropClients();
      if (!server.listening) return resolve();
      server.close(() => resolve());
    });

  const url = await listen(opts.port ?? 0);
  const port = portOf(server);

  return {
    name: 'webhook-sink',
    url,
    port,
    requests,
    respondWith(...steps) {
      script.push(...steps);
    },
    failNext(n, status = 500) {
      for (let i = 0; i < n; i++) script.push({ status, body: `falha simulada ${i + 1}/${n}` });
    },
    reset() {
      requests.length = 0;
      script = [];
    },
    waitFor(count, timeoutMs = 2_000) {
      if (requests.length >= count) return Promise.resolve(requests);
      return new Promise((resolve, reject) => {
        const waiter = {
          count,
          resolve: () => {
            clearTimeout(timer);
            waiters.delete(waiter);
            resolve(requests);
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`webhook sink: ${requests.length}/${count} requests after ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    async restart() {
      await close();
      await listen(port);
    },
    dropClients,
    stop: close,
  };
}

// ---- sender ----------------------------------------------------------------------------

export const FISCAL_EVENTS = [
  'nfe_importada',
  'cte_importado',
  'consulta_concluida',
  'documento_atualizado',
  'erro_importacao',
] as const;
export type FiscalEvent = (typeof FISCAL_EVENTS)[number];

export interface FiscalWebhookPayload {
  event: FiscalEvent;
  /** ISO 8601, when the event happened. */
  timestamp: string;
  data: Record<string, unknown>;
}

export interface WebhookSenderOptions {
  /** The console's inbound receiver URL. */
  targetUrl: string;
  secret: string;
  scheme: SignatureScheme;
  /** Average events per minute while autoplaying (default 6). */
  ratePerMin?: number;
  /** Send on a timer (default true); false = only send() sends. */
  autoplay?: boolean;
  seed?: number;
}

export interface SentWebhook {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface WebhookSender {
  /** Sign and POST one event now; `data` overrides fields of the generated payload. */
  send(event: FiscalEvent, data?: Record<string, unknown>): Promise<SentWebhook>;
  /** Deliveries attempted by autoplay that failed to connect (target down). */
  readonly errors: number;
  /** Stop autoplay; resolves once in-flight sends have settled. */
  stop(): Promise<void>;
}

export function startWebhookSender(opts: WebhookSenderOptions): WebhookSender {
  const rand = createRandom(opts.seed);
  const ratePerMin = opts.ratePerMin ?? 6;
  const inFlight = new Set<Promise<unknown>>();
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
  let errors = 0;

  const send = async (event: FiscalEvent, data?: Record<string, unknown>): Promise<SentWebhook> => {
    const payload = makeFiscalPayload(event, rand);
    if (data) Object.assign(payload.data, data);
    const body = JSON.stringify(payload);
    const msgId = `msg_${base62(rand, 27)}`;
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'Fiscal-Webhooks/1.0 (demo)',
      'x-webhook-event': event,
      ...senderSignature(opts.scheme, opts.secret, body, msgId),
    };
    const request = fetch(opts.targetUrl, { method: 'POST', headers, body, signal: AbortSignal.timeout(10_000) }).then(
      async (res) => ({ status: res.status, headers: Object.fromEntries(res.headers), body: await res.text() }),
    );
    inFlight.add(request);
    try {
      return await request;
    } finally {
      inFlight.delete(request);
    }
  };

  // Poisson-ish spacing (±50 % around the mean) so a wallboard doesn't tick like a metronome.
  const schedule = () => {
    if (stopped || ratePerMin <= 0) return;
    const meanMs = 60_000 / ratePerMin;
    timer = setTimeout(() => {
      send(pickEvent(rand)).catch(() => errors++);
      schedule();
    }, meanMs * (0.5 + rand.next()));
    timer.unref();
  };
  if (opts.autoplay ?? true) schedule();

  return {
    send,
    get errors() {
      return errors;
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await Promise.allSettled([...inFlight]);
    },
  };
}

/** Independent signer (see the file comment): each scheme as its provider documents it. */
function senderSignature(scheme: SignatureScheme, secret: string, body: string, msgId: string): Record<string, string> {
  const now = new Date();
  const hex = (data: string) => createHmac('sha256', secret).update(data).digest('hex');
  switch (scheme) {
    case 'standard':
      return {
        'webhook-id': msgId,
        'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
        'webhook-signature': new Webhook(secret).sign(msgId, now, body),
      };
    case 'simple':
      return { 'x-signature': hex(body) };
    case 'github':
      return { 'x-hub-signature-256': `sha256=${hex(body)}`, 'x-github-delivery': randomUUID(), 'x-github-event': 'fiscal' };
    case 'stripe': {
      const t = Math.floor(now.getTime() / 1000);
      return { 'stripe-signature': `t=${t},v1=${hex(`${t}.${body}`)}` };
    }
  }
}

// ---- fiscal payloads -------------------------------------------------------------------

/** Weighted like a real import queue: mostly NF-e, a few errors. */
function pickEvent(rand: Random): FiscalEvent {
  const roll = rand.next();
  if (roll < 0.45) return 'nfe_importada';
  if (roll < 0.7) return 'cte_importado';
  if (roll < 0.82) return 'documento_atualizado';
  if (roll < 0.92) return 'consulta_concluida';
  return 'erro_importacao';
}

const UFS = [
  { uf: 'SP', code: '35', cities: ['São Paulo', 'Campinas', 'Ribeirão Preto', 'Santos'] },
  { uf: 'RJ', code: '33', cities: ['Rio de Janeiro', 'Niterói', 'Duque de Caxias'] },
  { uf: 'MG', code: '31', cities: ['Belo Horizonte', 'Uberlândia', 'Contagem'] },
  { uf: 'PR', code: '41', cities: ['Curitiba', 'Londrina', 'Maringá'] },
  { uf: 'RS', code: '43', cities: ['Porto Alegre', 'Caxias do Sul'] },
  { uf: 'SC', code: '42', cities: ['Joinville', 'Florianópolis', 'Blumenau'] },
  { uf: 'BA', code: '29', cities: ['Salvador', 'Feira de Santana'] },
  { uf: 'GO', code: '52', cities: ['Goiânia', 'Anápolis'] },
] as const;

const COMPANIES = [
  'Distribuidora Paulista de Alimentos Ltda',
  'Metalúrgica Vale do Aço S.A.',
  'Agropecuária Cerrado Verde Ltda',
  'Comercial Nordeste Atacadista Eireli',
  'Indústria Têxtil Santa Clara S.A.',
  'Farmacêutica Bem Estar Ltda',
  'Papelaria e Informática Central ME',
  'Cerâmica São Bento Indústria e Comércio Ltda',
  'Laticínios Serra da Mantiqueira Ltda',
] as const;

const CARRIERS = [
  'Transportadora Rota Sul Ltda',
  'Expresso Serra Gaúcha Transportes Ltda',
  'Logística Rápida Cargas S.A.',
  'TransBrasil Cargas e Encomendas Ltda',
] as const;

const NATUREZAS = ['Venda de mercadoria', 'Venda de produção do estabelecimento', 'Remessa para industrialização', 'Devolução de compra', 'Transferência entre filiais'] as const;

const SEFAZ_ERRORS = [
  { codigo: '217', mensagem: 'Rejeição: NF-e não consta na base de dados da SEFAZ', etapa: 'consulta_sefaz' },
  { codigo: '225', mensagem: 'Rejeição: Falha no Schema XML do lote de NFe', etapa: 'validacao_xml' },
  { codigo: '539', mensagem: 'Rejeição: Duplicidade de NF-e, com diferença na Chave de Acesso', etapa: 'importacao' },
  { codigo: '656', mensagem: 'Rejeição: Consumo Indevido', etapa: 'distribuicao_dfe' },
  { codigo: '280', mensagem: 'Rejeição: Certificado Transmissor inválido', etapa: 'autenticacao' },
] as const;

const digits = (rand: Random, n: number) => Array.from({ length: n }, () => rand.int(0, 9)).join('');
const base62 = (rand: Random, n: number) =>
  Array.from({ length: n }, () => '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'[rand.int(0, 61)]).join('');
const money = (rand: Random, min: number, max: number) => Math.round((min + rand.next() * (max - min)) * 100) / 100;

/** CNPJ with valid check digits (branch 0001), formatted 00.000.000/0001-00. */
export function makeCnpj(rand: Random): string {
  const base = digits(rand, 8) + '0001';
  const dv = (value: string) => {
    const weights = value.length === 12 ? [5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2] : [6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2];
    const rest = [...value].reduce((sum, d, i) => sum + Number(d) * weights[i]!, 0) % 11;
    return rest < 2 ? 0 : 11 - rest;
  };
  const first = base + dv(base);
  const n = first + dv(first);
  return `${n.slice(0, 2)}.${n.slice(2, 5)}.${n.slice(5, 8)}/${n.slice(8, 12)}-${n.slice(12)}`;
}

/**
 * 44-digit access key (chave de acesso) of an NF-e (model 55) or CT-e (57):
 * cUF + AAMM + CNPJ + modelo + série + número + tpEmis + código + DV (módulo 11).
 */
export function makeChave(ufCode: string, when: Date, cnpj: string, modelo: '55' | '57', serie: number, numero: number, rand: Random): string {
  const aamm = `${String(when.getFullYear()).slice(2)}${String(when.getMonth() + 1).padStart(2, '0')}`;
  const key43 = `${ufCode}${aamm}${cnpj.replace(/\D/g, '')}${modelo}${String(serie).padStart(3, '0')}${String(numero).padStart(9, '0')}1${digits(rand, 8)}`;
  let sum = 0;
  for (let i = 0; i < 43; i++) sum += Number(key43[42 - i]) * (2 + (i % 8));
  const dv = 11 - (sum % 11);
  return key43 + (dv >= 10 ? 0 : dv);
}

/** A seed-shaped payload `{event, timestamp, data}` with plausible Brazilian fiscal data. */
export function makeFiscalPayload(event: FiscalEvent, rand: Random, now = new Date()): FiscalWebhookPayload {
  const origin = rand.pick(UFS);
  const dest = rand.pick(UFS);
  const cnpjEmitente = makeCnpj(rand);
  const serie = rand.int(1, 3);
  const numero = rand.int(1_000, 250_000);
  const emissao = new Date(now.getTime() - rand.int(0, 3 * 24 * 3600) * 1000).toISOString();
  const doc = (modelo: '55' | '57') => ({
    chave: makeChave(origin.code, now, cnpjEmitente, modelo, serie, numero, rand),
    numero: String(numero),
    serie: String(serie),
    modelo,
  });

  let data: Record<string, unknown>;
  switch (event) {
    case 'nfe_importada':
      data = {
        ...doc('55'),
        emitente: rand.pick(COMPANIES),
        cnpj_emitente: cnpjEmitente,
        uf_emitente: origin.uf,
        destinatario: rand.pick(COMPANIES),
        cnpj_destinatario: makeCnpj(rand),
        uf_destinatario: dest.uf,
        valor: money(rand, 150, 85_000),
        natureza_operacao: rand.pick(NATUREZAS),
        data_emissao: emissao,
        situacao: 'Autorizada',
      };
      break;
    case 'cte_importado':
      data = {
        ...doc('57'),
        emitente: rand.pick(CARRIERS),
        cnpj_emitente: cnpjEmitente,
        remetente: rand.pick(COMPANIES),
        destinatario: rand.pick(COMPANIES),
        origem: `${rand.pick(origin.cities)}/${origin.uf}`,
        destino: `${rand.pick(dest.cities)}/${dest.uf}`,
        modal: 'Rodoviário',
        valor: money(rand, 280, 12_000),
        data_emissao: emissao,
      };
      break;
    case 'consulta_concluida': {
      const nfes = rand.int(0, 40);
      const ctes = rand.int(0, 12);
      data = {
        empresa: rand.pick(COMPANIES),
        cnpj: cnpjEmitente,
        uf: origin.uf,
        periodo_inicio: new Date(now.getTime() - 7 * 24 * 3600 * 1000).toISOString().slice(0, 10),
        periodo_fim: now.toISOString().slice(0, 10),
        documentos_encontrados: nfes + ctes,
        nfes_novas: nfes,
        ctes_novos: ctes,
        duracao_segundos: rand.int(3, 180),
        status: 'sucesso',
      };
      break;
    }
    case 'documento_atualizado': {
      const [anterior, atual] = rand.pick([
        ['Autorizada', 'Cancelada'],
        ['Autorizada', 'Ciência da Operação'],
        ['Ciência da Operação', 'Confirmação da Operação'],
        ['Autorizada', 'Carta de Correção registrada'],
      ] as const);
      data = {
        ...doc('55'),
        tipo: 'NFe',
        emitente: rand.pick(COMPANIES),
        cnpj_emitente: cnpjEmitente,
        valor: money(rand, 150, 85_000),
        situacao_anterior: anterior,
        situacao_atual: atual,
      };
      break;
    }
    case 'erro_importacao': {
      const error = rand.pick(SEFAZ_ERRORS);
      const { chave } = doc('55');
      data = {
        chave,
        numero: String(numero),
        emitente: rand.pick(COMPANIES),
        arquivo: `${chave}-nfe.xml`,
        codigo: error.codigo,
        erro: error.mensagem,
        etapa: error.etapa,
        tentativa: rand.int(1, 3),
      };
      break;
    }
  }
  return { event, timestamp: now.toISOString(), data };
}
