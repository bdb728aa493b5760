import { z } from 'zod';
import { checkUpstream, preview, type Parsed } from '../validate';

/** A JSON object (not an array, not a class instance such as a Buffer). */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

const EVENT_NAME = /^[a-z][a-z0-9_]*(?:[.-][a-z0-9_]+)*$/i;
/** Longest accepted text per envelope field. */
const MAX = { event: 100, instance: 200, server_url: 2_000, date_time: 64, sender: 200, apikey: 4_096 } as const;

/**
 * `data` is an object or an array. A type check, not `z.record(…) | z.array(…)`: those copy every
 * key of every payload.
 */
const EnvelopeData = z.custom<Record<string, unknown> | unknown[]>((v) => Array.isArray(v) || isPlainObject(v), 'expected an object or an array');

/** `{event, instance, data, server_url, date_time, sender, apikey}` as WebsocketController emits it. */
export const Envelope = z.looseObject({
  event: z.string().regex(EVENT_NAME, 'not an event name').max(MAX.event),
  instance: z.string().min(1).max(MAX.instance),
  data: EnvelopeData,
  server_url: z.string().max(MAX.server_url).nullish(),
  date_time: z.string().max(MAX.date_time).nullish(),
  sender: z.string().max(MAX.sender).nullish(),
  apikey: z.string().max(MAX.apikey).nullish(),
});
export type Envelope = z.infer<typeof Envelope>;

const text = (v: unknown, max: number): v is string => typeof v === 'string' && v.length <= max;
const optionalText = (v: unknown, max: number): boolean => v === undefined || v === null || text(v, max);

/** `Envelope`'s rules written out, for the common case (a plain object); stricter, never looser. */
function isWellFormed(v: unknown): v is Envelope {
  return (
    isPlainObject(v) &&
    text(v.event, MAX.event) && EVENT_NAME.test(v.event) &&
    text(v.instance, MAX.instance) && v.instance.length > 0 &&
    (Array.isArray(v.data) || isPlainObject(v.data)) &&
    optionalText(v.server_url, MAX.server_url) && optionalText(v.date_time, MAX.date_time) &&
    optionalText(v.sender, MAX.sender) && optionalText(v.apikey, MAX.apikey)
  );
}

/**
 * Validate one envelope. A well-formed one is checked by hand: at burst rates zod's generic parse
 * (with a copy of the object) was the largest single cost of ingest. Anything else goes through
 * `Envelope`, which accepts it or says why not; a unit test holds both to the same answers.
 */
export function parseEnvelope(raw: unknown): Parsed<Envelope> {
  return isWellFormed(raw) ? { ok: true, value: raw } : checkUpstream(Envelope, raw);
}

export const ConnectionData = z.looseObject({
  state: z.enum(['open', 'connecting', 'close']),
  statusReason: z.number().nullish(),
  wuid: z.string().nullish(),
  profileName: z.string().nullish(),
});

const QR_IMAGE = /^data:image\/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/=]+$/;
export const QrData = z.looseObject({
  qrcode: z.looseObject({
    code: z.string().nullish(),
    pairingCode: z.string().nullish(),
    base64: z.string().max(400_000).regex(QR_IMAGE, 'not a base64 image data: URL').nullish(),
  }),
});

/** Event names Evolution v2 emits (Events enum, dotted); others are accepted and flagged once. */
export const KNOWN_EVENTS = new Set([
  'application.startup', 'qrcode.updated', 'messages.set', 'messages.upsert', 'messages.edited', 'messages.update', 'messages.delete',
  'send.message', 'send.message.update', 'contacts.set', 'contacts.upsert', 'contacts.update', 'presence.update', 'chats.set', 'chats.upsert',
  'chats.update', 'chats.delete', 'groups.upsert', 'group.update', 'groups.update', 'group-participants.update', 'group.participants.update',
  'connection.update', 'labels.edit', 'labels.association', 'call', 'typebot.start', 'typebot.change.status', 'remove.instance',
  'logout.instance', 'instance.create', 'instance.delete', 'status.instance', 'errors', 'errors.webhook',
]);

/** Messages counted on the board's per-minute sparkline. */
export const MESSAGE_EVENTS = new Set(['messages.upsert', 'send.message']);

const SECRET_KEYS = /^(apikey|api_key|apiKey|token|hash|password|secret|jwt_token|authorization)$/i;

/**
 * Copy of `data` without values under secret-looking keys and without any string equal to the
 * envelope's apikey (an instance token). Depth- and size-limited; large blobs stay (QR images).
 */
export function sanitize(data: unknown, apikey: string | null | undefined, depth = 0): unknown {
  if (typeof data === 'string') return apikey && data.includes(apikey) ? data.split(apikey).join('***') : data;
  if (data === null || typeof data !== 'object') return data;
  if (depth > 8) return '…';
  if (Array.isArray(data)) return data.slice(0, 500).map((v) => sanitize(v, apikey, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(data)) out[k] = SECRET_KEYS.test(k) && v !== null && typeof v !== 'object' ? '***' : sanitize(v, apikey, depth + 1);
  return out;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v ? v : null);

function messageText(message: unknown): string | null {
  if (!message || typeof message !== 'object') return null;
  const m = message as Record<string, unknown>;
  const ext = m.extendedTextMessage as { text?: unknown } | undefined;
  const img = m.imageMessage as { caption?: unknown } | undefined;
  return str(m.conversation) ?? str(ext?.text) ?? str(img?.caption) ?? null;
}

/** A one-line summary an operator reads in the stream (upstream text, rendered as text only). */
export function summarize(event: string, data: unknown): string {
  const d = (Array.isArray(data) ? data[0] : data) as Record<string, unknown> | undefined;
  const count = Array.isArray(data) && data.length > 1 ? ` (+${data.length - 1})` : '';
  if (!d || typeof d !== 'object') return event;
  switch (event) {
    case 'messages.upsert':
    case 'send.message': {
      const key = d.key as { remoteJid?: unknown; fromMe?: unknown } | undefined;
      const who = str(d.pushName) ?? str(key?.remoteJid) ?? '?';
      const text = messageText(d.message) ?? str(d.messageType) ?? '';
      return preview(`${key?.fromMe ? '→ ' : ''}${who}: ${text}`, 200);
    }
    case 'messages.update':
      return `${str(d.keyId) ?? str(d.messageId) ?? '?'} → ${str(d.status) ?? '?'}${count}`;
    case 'connection.update':
      return `state ${str(d.state) ?? '?'}${typeof d.statusReason === 'number' ? ` (${d.statusReason})` : ''}${str(d.profileName) ? ` — ${str(d.profileName)}` : ''}`;
    case 'qrcode.updated':
      return 'QR code updated — waiting for pairing';
    case 'presence.update': {
      const presences = d.presences as Record<string, { lastKnownPresence?: unknown }> | undefined;
      const first = presences ? Object.values(presences)[0] : undefined;
      return `${str(d.id) ?? '?'}: ${str(first?.lastKnownPresence) ?? '?'}`;
    }
    case 'call':
      return `call from ${str(d.from) ?? '?'} (${str(d.status) ?? '?'}${d.isVideo ? ', video' : ''})`;
    case 'groups.update':
    case 'groups.upsert':
      return `${str(d.subject) ?? str(d.id) ?? '?'}${count}`;
    case 'contacts.update':
    case 'contacts.upsert':
      return `${str(d.pushName) ?? str(d.remoteJid) ?? '?'}${count}`;
    case 'chats.update':
    case 'chats.upsert':
      return `${str(d.name) ?? str(d.remoteJid) ?? '?'}${count}`;
    case 'messages.delete':
      return `deleted ${str(d.id) ?? '?'} in ${str(d.remoteJid) ?? '?'}`;
    default:
      return preview(JSON.stringify(d), 160);
  }
}

/** The message id of an event (`data.key.id`, `keyId`, `messageId`), null when it has none. */
export function messageIdOf(env: Envelope): string | null {
  const d = (Array.isArray(env.data) ? undefined : env.data) as Record<string, unknown> | undefined;
  const key = d?.key as { id?: unknown } | undefined;
  return str(key?.id) ?? str(d?.keyId) ?? str(d?.messageId);
}

/** What makes two deliveries the same event: `messageIdOf(env)` where there is one, else the payload's JSON. */
export function dedupeKey(env: Envelope, idOrDataJson: string): string {
  // join() makes one flat string; a template literal would keep a tree of parts (and the packet's
  // strings) alive for the whole dedupe window — twice the memory and much more GC at burst rates.
  return [env.event, env.instance, env.date_time ?? '', idOrDataJson].join('\u0000');
}
