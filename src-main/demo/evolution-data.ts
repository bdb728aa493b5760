import { randomUUID } from 'node:crypto';
import { crc32, deflateSync } from 'node:zlib';
import type { Random } from './random';

/**
 * Payload builders for the Evolution API simulator, shaped after Evolution v2's Baileys channel
 * (whatsapp.baileys.service.ts `sendDataWebhook` calls) and real `fetchInstances` captures.
 */

export type ConnectionState = 'open' | 'connecting' | 'close';

export interface WebsocketConfig { id: string; enabled: boolean; events: string[]; createdAt: string; updatedAt: string; instanceId: string }

export interface SimInstance {
  id: string;
  name: string;
  token: string;
  number: string;
  profileName: string;
  state: ConnectionState;
  /** Waits on a QR scan: autoplay refreshes its QR instead of sending messages. */
  pairing: boolean;
  qrCount: number;
  websocket: WebsocketConfig | null;
  createdAt: string;
  updatedAt: string;
  disconnectionReasonCode: number | null;
  disconnectionAt: string | null;
  counts: { Message: number; Contact: number; Chat: number };
}

/** EventController.events in evolution-api: the names `/websocket/set` accepts (enabled + [] = all). */
export const EVOLUTION_CONFIG_EVENTS = [
  'APPLICATION_STARTUP', 'QRCODE_UPDATED', 'MESSAGES_SET', 'MESSAGES_UPSERT', 'MESSAGES_EDITED', 'MESSAGES_UPDATE',
  'MESSAGES_DELETE', 'SEND_MESSAGE', 'CONTACTS_SET', 'CONTACTS_UPSERT', 'CONTACTS_UPDATE', 'PRESENCE_UPDATE',
  'CHATS_SET', 'CHATS_UPSERT', 'CHATS_UPDATE', 'CHATS_DELETE', 'GROUPS_UPSERT', 'GROUP_UPDATE', 'GROUPS_UPDATE',
  'GROUP_PARTICIPANTS_UPDATE', 'CONNECTION_UPDATE', 'LABELS_EDIT', 'LABELS_ASSOCIATION', 'CALL', 'TYPEBOT_START',
  'TYPEBOT_CHANGE_STATUS', 'REMOVE_INSTANCE', 'LOGOUT_INSTANCE', 'INSTANCE_CREATE', 'INSTANCE_DELETE', 'STATUS_INSTANCE',
] as const;

/** Same mapping as WebsocketController.emit: `messages.upsert` → `MESSAGES_UPSERT`. */
export const configEventOf = (event: string) => event.replace(/[.-]/gm, '_').toUpperCase();

/** The real server's quirk: local wall-clock time serialized with a trailing `Z` (tzoffset trick). */
export const evolutionDateTime = (now = Date.now()) => new Date(now - new Date(now).getTimezoneOffset() * 60_000).toISOString();

export const DEFAULT_EVOLUTION_INSTANCES = ['atendimento-sp', 'vendas-rj', 'suporte-bh', 'financeiro-poa'];
const PROFILE_NAMES: Record<string, string> = {
  'atendimento-sp': 'Atendimento São Paulo',
  'vendas-rj': 'Vendas Rio',
  'suporte-bh': 'Suporte BH',
  'financeiro-poa': 'Financeiro Porto Alegre',
};
const DDDS = ['11', '21', '31', '51', '41', '61', '71', '81', '85', '19'];
const CONTACTS = ['Maria Souza', 'João Pereira', 'Ana Oliveira', 'Carlos Lima', 'Fernanda Costa', 'Rafael Santos', 'Juliana Alves', 'Bruno Rocha', 'Patrícia Gomes', 'Lucas Ribeiro', 'Camila Martins', 'Diego Carvalho'];
const TEXTS = [
  'Olá, bom dia! Gostaria de saber o status do meu pedido.', 'Boa tarde, vocês abrem no sábado?', 'Obrigado pelo atendimento!',
  'Qual o prazo de entrega para Campinas?', 'Consegue me mandar o boleto atualizado?', 'O produto chegou com defeito 😕',
  'Pode me ligar depois das 14h?', 'Vocês aceitam Pix?', 'Quero cancelar minha assinatura.', 'Perfeito, fechado então 👍',
  'Ainda não recebi o código de rastreio.', 'Tem desconto para pagamento à vista?',
];
const REPLIES = ['Olá! Já verifico para você.', 'Seu pedido saiu para entrega hoje.', 'Segue o boleto atualizado.', 'Certo, vou encaminhar ao setor responsável.'];
const GROUPS = ['Equipe Comercial', 'Suporte N2', 'Logística SP', 'Avisos Gerais'];

export const phoneNumber = (r: Random) => `55${r.pick(DDDS)}9${r.int(10_000_000, 99_999_999)}`;
const jidOf = (number: string) => `${number}@s.whatsapp.net`;
const messageId = (r: Random) => `3EB0${Array.from({ length: 16 }, () => '0123456789ABCDEF'[r.int(0, 15)]).join('')}`;
const nowSec = () => Math.floor(Date.now() / 1000);

export function makeInstance(name: string, r: Random, opts: { pairing: boolean; websocket: boolean }): SimInstance {
  const at = new Date().toISOString();
  const id = randomUUID();
  return {
    id,
    name,
    token: randomUUID().replace(/-/g, '').toUpperCase(),
    number: phoneNumber(r),
    profileName: PROFILE_NAMES[name] ?? name,
    state: opts.pairing ? 'connecting' : 'open',
    pairing: opts.pairing,
    qrCount: 0,
    websocket: opts.websocket ? makeWebsocketConfig(id, true, []) : null,
    createdAt: at,
    updatedAt: at,
    disconnectionReasonCode: null,
    disconnectionAt: null,
    counts: { Message: r.int(200, 5000), Contact: r.int(30, 600), Chat: r.int(10, 300) },
  };
}

/** Mirrors EventController.set: disabled → no events; enabled with [] → every event. */
export function makeWebsocketConfig(instanceId: string, enabled: boolean, events: string[], prev?: WebsocketConfig | null): WebsocketConfig {
  const at = new Date().toISOString();
  return {
    id: prev?.id ?? `cm${randomUUID().replace(/-/g, '').slice(0, 23)}`,
    enabled,
    events: !enabled ? [] : events.length ? [...events] : [...EVOLUTION_CONFIG_EVENTS],
    createdAt: prev?.createdAt ?? at,
    updatedAt: at,
    instanceId,
  };
}

/** One `fetchInstances` row (Prisma Instance + includes), as v2.x returns it. */
export function instanceRow(i: SimInstance) {
  const connected = i.state === 'open' && !i.pairing;
  return {
    id: i.id,
    name: i.name,
    connectionStatus: i.state,
    ownerJid: connected ? jidOf(i.number) : null,
    profileName: connected ? i.profileName : null,
    profilePicUrl: null,
    integration: 'WHATSAPP-BAILEYS',
    number: connected ? i.number : null,
    businessId: null,
    token: i.token,
    clientName: 'evolution_exchange',
    disconnectionReasonCode: i.disconnectionReasonCode,
    disconnectionObject: null,
    disconnectionAt: i.disconnectionAt,
    createdAt: i.createdAt,
    updatedAt: i.updatedAt,
    Chatwoot: null,
    Proxy: null,
    Rabbitmq: null,
    Nats: null,
    Sqs: null,
    Websocket: i.websocket,
    Setting: {
      id: `cm${i.id.replace(/-/g, '').slice(0, 23)}`, instanceId: i.id, rejectCall: false, msgCall: '', groupsIgnore: false,
      alwaysOnline: false, readMessages: false, readStatus: false, syncFullHistory: false, wavoipToken: '',
      createdAt: i.createdAt, updatedAt: i.updatedAt,
    },
    _count: { ...i.counts },
  };
}

export const senderOf = (i: SimInstance) => (i.pairing ? undefined : jidOf(i.number));

export function connectionUpdate(i: SimInstance, state: ConnectionState, statusReason: number) {
  return state === 'open'
    ? { instance: i.name, wuid: jidOf(i.number), profileName: i.profileName, profilePictureUrl: null, state, statusReason }
    : { instance: i.name, state, statusReason };
}

export function qrcodeUpdated(i: SimInstance, r: Random) {
  const code = `2@${Array.from({ length: 48 }, () => 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'[r.int(0, 63)]).join('')},${r.int(1e8, 9e8)}==`;
  return { qrcode: { instance: i.name, pairingCode: null, code, base64: `data:image/png;base64,${qrPng(r).toString('base64')}` } };
}

/** Baileys-like `messages.upsert` (incoming) or `send.message` (fromMe) payload. */
export function messagePayload(i: SimInstance, r: Random, fromMe = false) {
  const contact = r.pick(CONTACTS);
  const text = fromMe ? r.pick(REPLIES) : r.pick(TEXTS);
  const extended = r.chance(0.3);
  return {
    key: { remoteJid: jidOf(phoneNumber(r)), fromMe, id: messageId(r) },
    pushName: fromMe ? i.profileName : contact,
    status: fromMe ? 'PENDING' : 'DELIVERY_ACK',
    message: extended ? { extendedTextMessage: { text } } : { conversation: text },
    messageType: extended ? 'extendedTextMessage' : 'conversation',
    messageTimestamp: nowSec(),
    instanceId: i.id,
    source: r.pick(['android', 'ios', 'web']),
  };
}

/** Builders for the remaining autoplay events, keyed by event name. */
export const OTHER_EVENTS: Record<string, (i: SimInstance, r: Random) => unknown> = {
  'messages.update': (i, r) => {
    const jid = jidOf(phoneNumber(r));
    return { messageId: randomUUID(), keyId: messageId(r), remoteJid: jid, fromMe: true, participant: jid, status: r.pick(['SERVER_ACK', 'DELIVERY_ACK', 'READ']), instanceId: i.id };
  },
  'messages.delete': (_i, r) => ({ remoteJid: jidOf(phoneNumber(r)), fromMe: false, id: messageId(r) }),
  'presence.update': (_i, r) => {
    const jid = jidOf(phoneNumber(r));
    return { id: jid, presences: { [jid]: { lastKnownPresence: r.pick(['composing', 'available', 'unavailable', 'recording']) } } };
  },
  'chats.upsert': (i, r) => [{ remoteJid: jidOf(phoneNumber(r)), instanceId: i.id, name: r.pick(CONTACTS), unreadMessages: r.int(1, 5) }],
  'chats.update': (i, r) => [{ remoteJid: jidOf(phoneNumber(r)), instanceId: i.id, unreadMessages: r.int(0, 3) }],
  'contacts.update': (i, r) => [{ remoteJid: jidOf(phoneNumber(r)), pushName: r.pick(CONTACTS), profilePicUrl: null, instanceId: i.id }],
  'groups.update': (_i, r) => [{ id: `1203630${r.int(10_000_000, 99_999_999)}${r.int(1000, 9999)}@g.us`, subject: r.pick(GROUPS), announce: r.chance(0.2), restrict: false }],
  'send.message': (i, r) => messagePayload(i, r, true),
  call: (_i, r) => ({ id: messageId(r), from: jidOf(phoneNumber(r)), date: new Date().toISOString(), isVideo: r.chance(0.2), isGroup: false, status: 'offer', offline: false }),
};

/** A small but real grayscale PNG that looks like a QR code (finder patterns + random modules). */
export function qrPng(r: Random, modules = 25, scale = 4, quiet = 2): Buffer {
  const grid: boolean[][] = Array.from({ length: modules }, () => Array.from({ length: modules }, () => r.chance(0.5)));
  for (const [oy, ox] of [[0, 0], [0, modules - 7], [modules - 7, 0]] as const) {
    for (let y = -1; y < 8; y++) {
      for (let x = -1; x < 8; x++) {
        const row = grid[oy + y];
        if (!row || ox + x < 0 || ox + x >= modules) continue;
        const ring = Math.max(Math.abs(y - 3), Math.abs(x - 3));
        row[ox + x] = ring !== 2 && ring !== 4;
      }
    }
  }
  const size = (modules + quiet * 2) * scale;
  const raw = Buffer.alloc((size + 1) * size, 255);
  for (let y = 0; y < size; y++) {
    raw[y * (size + 1)] = 0; // filter: none
    const my = Math.floor(y / scale) - quiet;
    for (let x = 0; x < size; x++) {
      const mx = Math.floor(x / scale) - quiet;
      if (grid[my]?.[mx]) raw[y * (size + 1) + 1 + x] = 0;
    }
  }
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body) >>> 0, body.length + 4);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr.set([8, 0, 0, 0, 0], 8); // 8-bit grayscale, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
