import type { Random } from './random';

/**
 * Seed 003's fiscal events with plausible Brazilian data: valid CNPJs and 44-digit access
 * keys, real SEFAZ rejection codes, and an event mix weighted like a real import queue.
 */

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

/** Weighted like a real import queue: mostly NF-e, a few errors. */
export function pickEvent(rand: Random): FiscalEvent {
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
