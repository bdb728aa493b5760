import type { WaEvent } from '../../contract/evolution';
import type { LinkSession } from '../../core/lifecycle';
import { JournalBudget } from '../journal-budget';
import { checkUpstream, jsonValueProblem, parseJson, preview } from '../validate';
import { Dedupe } from './dedupe';
import { ConnectionData, KNOWN_EVENTS, MESSAGE_EVENTS, QrData, dedupeKey, messageIdOf, parseEnvelope, sanitize, summarize } from './envelope';
import type { CoreContext } from '../../core/context';
import type { EvolutionSettings, EvolutionStats } from './options';
import type { InstanceBook } from './book';
import type { Metrics } from './metrics';
import type { ClockEstimator } from './clock';
import type { EventHistory } from './history';
import type { EvolutionConfig } from './config';
import type { EvolutionAlerts } from './alerts';
import { RateLimiter } from './rate';

/**
 * Every socket.io event: envelope check, dedupe, secrets scrubbed, then history, metrics, the
 * instance book (state, QR, list changes), the live stream (rate-limited), alerts and the journal.
 */

const JOURNAL_PER_SEC = 100;
const ALWAYS_JOURNAL = new Set(['connection.update', 'qrcode.updated', 'instance.create', 'instance.delete', 'remove.instance', 'logout.instance', 'status.instance']);
const LIST_EVENTS = new Set(['instance.create', 'instance.delete', 'remove.instance']);
const SECRET_WORDS = ['apikey', 'api_key', 'token', 'hash', 'password', 'secret', 'jwt_token', 'authorization'];
/** What an instance event sets off in the instance list (`instances.ts`). */
export interface InstanceEvents {
  /** The instance was deleted: forget it, its link and its alerts. */
  gone(name: string, why: string): void;
  /** One refresh of the list soon, however many events arrive meanwhile. */
  scheduleRefresh(): void;
}

export interface IngestDeps {
  ctx: CoreContext;
  settings: EvolutionSettings;
  stats: EvolutionStats;
  book: InstanceBook;
  metrics: Metrics;
  clock: ClockEstimator;
  history: EventHistory;
  config: EvolutionConfig;
  alerts: EvolutionAlerts;
  /** What instance events set off in the instance list (called once running, never while built). */
  instances: InstanceEvents;
}

/**
 * `"word"` for any of them in any letter case: written as `[aA][pP]…` instead of the `i` flag,
 * which matches the same (ASCII letters only) and scans each event's JSON faster.
 */
export const SECRETISH = new RegExp(`"(?:${SECRET_WORDS.map((w) => w.replace(/[a-z]/g, (c) => `[${c}${c.toUpperCase()}]`)).join('|')})"`);

export class Ingest {
  readonly dedupe: Dedupe;
  readonly limiter: RateLimiter;
  readonly unknownTypes = new Set<string>();
  private readonly journalBudget: JournalBudget;

  constructor(private readonly p: IngestDeps) {
    this.journalBudget = new JournalBudget(JOURNAL_PER_SEC, (n) =>
      p.ctx.journal.record({ upstream: 'evolution', type: 'events.suppressed', level: 'info', ids: {}, summary: `${n} Evolution events not copied to the inspector (limit ${JOURNAL_PER_SEC}/s; all are in the WhatsApp event history)`, raw: null }),
    );
    this.dedupe = new Dedupe(p.config.current.dedupeWindowMs);
    this.limiter = new RateLimiter(p.settings().displayRateLimitPerMin);
  }

  /** New settings: the duplicate window and the display rate limit. */
  configure(dedupeWindowMs: number, displayRatePerMin: number): void {
    this.dedupe.windowMs = dedupeWindowMs;
    this.limiter.setLimit(displayRatePerMin);
  }

  /** One socket.io event from `/` or `/{instance}`: validate, dedupe, keep, publish, alert. */
  ingest(name: string, args: unknown[], via: 'global' | 'instance', namespace: string, session: LinkSession): void {
    const { ctx, stats } = this.p;
    const receivedAt = Date.now();
    session.activity();
    // socket.io decoded the packet itself: the same limits as on JSON text, on the values.
    const tooBig = jsonValueProblem(args);
    if (tooBig) return this.invalid(session, `event "${preview(name, 60)}": ${tooBig}`, null, null);
    if (args.length !== 1) return this.invalid(session, `event "${preview(name, 60)}" with ${args.length} arguments (expected one envelope)`, args, null);
    let raw = args[0];
    if (typeof raw === 'string') {
      const json = parseJson(raw);
      if (!json.ok) return this.invalid(session, `event "${preview(name, 60)}": payload ${json.message}`, preview(raw, 2_000), null);
      raw = json.value;
    }
    const parsed = parseEnvelope(raw);
    if (!parsed.ok) return this.invalid(session, `event "${preview(name, 60)}": ${parsed.message}`, raw, raw && typeof raw === 'object' ? (raw as { apikey?: unknown }).apikey : null);
    const env = parsed.value;
    if (env.event !== name) return this.invalid(session, `socket event "${preview(name, 60)}" carries an envelope for "${env.event}"`, raw, env.apikey);
    if (via === 'instance' && env.instance !== namespace) return this.invalid(session, `namespace /${namespace} delivered an event of instance "${env.instance}"`, raw, env.apikey);

    // The payload's JSON is needed for the secret check and the history; for the dedupe key only
    // when the event has no message id (so a duplicate with an id costs no stringify).
    // Without `date_time` (seed 002 does not promise it) a message id no longer tells two status
    // updates of one message apart: the whole payload is the key then.
    const id = env.date_time ? messageIdOf(env) : null;
    let t = id === null ? JSON.stringify(env.data) : null;
    if (this.dedupe.check(dedupeKey(env, id ?? t!), receivedAt)) {
      stats.duplicates++;
      return;
    }
    t ??= JSON.stringify(env.data);
    const dirty = SECRETISH.test(t) || (!!env.apikey && t.includes(env.apikey));
    const data = dirty ? sanitize(env.data, env.apikey) : env.data;
    stats.accepted++;
    session.event();

    const latencyMs = this.p.clock.latency(env.date_time, receivedAt);
    const event: WaEvent = {
      seq: this.p.history.nextSeq(),
      receivedAt,
      dateTime: env.date_time ?? null,
      latencyMs,
      event: env.event,
      instance: env.instance,
      via,
      sender: env.sender ?? null,
      summary: summarize(env.event, data),
      data,
    };
    this.p.history.add(event, dirty ? undefined : t);
    this.p.metrics.count(env.event, receivedAt, latencyMs);
    this.p.book.touch(env.instance, receivedAt, MESSAGE_EVENTS.has(env.event));
    if (!KNOWN_EVENTS.has(env.event) && !this.unknownTypes.has(env.event) && this.unknownTypes.size < 100) {
      this.unknownTypes.add(env.event);
      ctx.journal.record({ upstream: 'evolution', type: 'event.unknown', level: 'warn', ids: { instance: env.instance }, summary: `event type "${env.event}" is not one Evolution v2 documents — shown as is`, raw: null });
    }
    this.applyState(event, session);
    const hidden = this.p.config.hiddenTypes.has(env.event);
    if (!hidden && this.limiter.take(receivedAt)) ctx.hub.publish('whatsapp.events', event);
    this.p.alerts.applyRules(event);
    this.journal(event);
  }

  private invalid(session: LinkSession, message: string, raw: unknown, apikey: unknown): void {
    this.p.stats.invalid++;
    session.error(`invalid event: ${message}`);
    let shown: string;
    try {
      shown = preview(JSON.stringify(sanitize(raw, typeof apikey === 'string' ? apikey : null)) ?? String(raw), 2_000);
    } catch {
      shown = 'unserialisable';
    }
    this.p.ctx.journal.record({ upstream: 'evolution', type: 'invalid', level: 'error', ids: {}, summary: `invalid event: ${message}`, raw: shown });
  }

  /** connection.update → state (and alerts); qrcode.updated → QR; instance events → list refresh. */
  private applyState(event: WaEvent, session: LinkSession): void {
    const { ctx, book, alerts, instances } = this.p;
    const { instance, receivedAt } = event;
    if (event.event === 'connection.update') {
      const parsed = checkUpstream(ConnectionData, event.data);
      if (!parsed.ok) {
        this.p.stats.invalid++;
        session.error(`connection.update of ${instance}: ${parsed.message}`);
        ctx.journal.record({ upstream: 'evolution', type: 'invalid', level: 'error', ids: { instance }, summary: `connection.update without a valid state: ${parsed.message}`, raw: null });
        return;
      }
      const d = parsed.value;
      const change = book.connection(instance, d.state, d.statusReason ?? null, receivedAt, { profileName: d.profileName ?? null, number: d.wuid ? d.wuid.split('@')[0]! : null });
      if (change) alerts.stateChanged(change, 'event');
    } else if (event.event === 'qrcode.updated') {
      const parsed = checkUpstream(QrData, event.data);
      if (!parsed.ok) {
        session.error(`qrcode.updated of ${instance}: ${parsed.message}`);
        ctx.journal.record({ upstream: 'evolution', type: 'invalid', level: 'error', ids: { instance }, summary: `qrcode.updated: ${parsed.message}`, raw: null });
        return;
      }
      const first = book.qr(instance, parsed.value.qrcode.base64 ?? null, parsed.value.qrcode.pairingCode ?? null, receivedAt);
      if (first) alerts.qrNeeded(instance);
    } else if (event.event === 'logout.instance') {
      const change = book.connection(instance, 'close', null, receivedAt);
      if (change) alerts.stateChanged(change, 'event');
    }
    if (event.event === 'remove.instance' || event.event === 'instance.delete') {
      instances.gone(instance, event.event);
      instances.scheduleRefresh();
    } else if (LIST_EVENTS.has(event.event)) instances.scheduleRefresh();
  }

  /** State-like events always; others at most JOURNAL_PER_SEC a second (the rest counted). */
  private journal(event: WaEvent): void {
    if (!this.journalBudget.take(event.receivedAt, ALWAYS_JOURNAL.has(event.event))) {
      this.p.stats.journalSuppressed++;
      return;
    }
    const level = event.event === 'connection.update' && /state close/.test(event.summary) ? 'warn' : event.event === 'logout.instance' ? 'warn' : 'info';
    // QR images stay in the WhatsApp history; the inspector gets the event without the picture.
    const raw = event.event === 'qrcode.updated' ? { ...event, data: { qrcode: '(image omitted)' } } : event;
    this.p.ctx.journal.record({ upstream: 'evolution', type: event.event, level, ids: { instance: event.instance }, summary: `${event.instance}: ${event.summary}`, raw, at: event.receivedAt });
  }
}
