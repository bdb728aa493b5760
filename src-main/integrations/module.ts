import type { TestResult } from '../contract';
import { IntegrationSettings, type InboundStatus, type Webhook } from '../contract/integrations';
import { CommandError } from '../core/commands';
import type { CoreContext, Module, ModuleFactory, StoppableSimulator } from '../core/context';
import { DisposableStore, MutableDisposable, timeout } from '../core/disposable';
import type { LinkSession } from '../core/lifecycle';
import { maskSecret } from '../secrets/vault';
import { consoleEventTypes } from '../contract/integrations';
import { samples, watchConsoleEvents } from './catalogue';
import { InboundReceiver, type RefusalReason } from './inbound';
import { HeaderValueError, Outbound } from './outbound';
import { Scheduler } from './scheduler';
import { generateSecret } from './signing';

export const webhookSecretName = (id: string) => `webhooks.${id}.secret`;
export const inboundSecretName = (source: string) => `inbound.${source}.secret`;
const DEMO_HOOK_ID = 'wh_demo_sink';

/** Integration settings live in the settings file's `extra.integrations` section. */
export function readIntegrationSettings(extra: Record<string, unknown>): { value: IntegrationSettings; error: string | null } {
  const parsed = IntegrationSettings.safeParse(extra.integrations ?? {});
  if (parsed.success) return { value: parsed.data, error: null };
  const issue = parsed.error.issues[0];
  return { value: IntegrationSettings.parse({}), error: `integrations settings: ${issue?.path.join('.')}: ${issue?.message}` };
}

/** Outbound webhooks, the inbound receiver and the scheduled jobs, wired to the core. */
export const integrationsModule: ModuleFactory = (ctx: CoreContext): Module => {
  const simulators = ctx.isDemo('webhooks') ? ctx.webhookSimulators : null;
  const demo = simulators !== null;
  // Seed-only demo: the seed-003 simulators speak only what the seed documents; the demo source
  // then uses `simple`.
  const seedOnly = demo && ctx.seedOnly;
  let settings = readIntegrationSettings(ctx.settings.get().extra).value;
  let sink: StoppableSimulator | null = null;
  let sender: { stop(): Promise<void> } | null = null;
  let demoPort: number | null = null;
  let session: LinkSession | null = null;
  /** Commands, listeners, the status timer and the receiver's link: disposed on stop. */
  const owned = new DisposableStore();

  const status = (name: string) => {
    const value = ctx.secrets.get(name);
    return { present: value !== undefined, masked: value ? maskSecret(value) : '' };
  };

  const outbound = new Outbound({
    storage: ctx.storage,
    secretOf: (id) => ctx.secrets.get(webhookSecretName(id)),
    secretStatus: (id) => status(webhookSecretName(id)),
    // Custom header values (Authorization…) are secrets: the vault keeps them, never SQLite.
    headerVault: { get: (n) => ctx.secrets.get(n), set: (n, v) => void ctx.secrets.set(n, v), clear: (n) => ctx.secrets.clear(n) },
    settings: () => settings.outbound,
    onWebhook: (w) => ctx.hub.publish('webhooks.changed', w),
    onDelivery: (d) => ctx.hub.publish('webhooks.delivery', d),
    onDisabled: (w, reason) => {
      ctx.alerts.raise({ source: 'webhooks', severity: 'high', key: `webhooks:disabled:${w.id}`, title: `Webhook “${w.name}” desativado: ${reason}`, detail: w.url, view: '/integrations' });
    },
    onSettled: (d) => {
      const level = d.state === 'failed' ? 'error' : d.state === 'pending' ? 'warn' : 'info';
      const what = d.state === 'succeeded' ? `delivered (HTTP ${d.lastStatus})` : d.state === 'failed' ? `failed for good: ${d.lastError}` : `attempt ${d.attempts} failed: ${d.lastError}; retry scheduled`;
      ctx.journal.record({ upstream: 'webhooks', type: `delivery.${d.state}`, level, ids: { webhook: d.eventId }, summary: `${d.eventType} → ${d.webhookName}: ${what}`, raw: d });
    },
  });

  // ---- inbound receiver ------------------------------------------------------------------

  const inboundSettings = () => {
    const s = settings.inbound;
    if (!demo) return s;
    const scheme = seedOnly ? ('simple' as const) : ('standard' as const);
    const sources = s.sources.some((x) => x.name === 'fiscal')
      ? s.sources.map((x) => (x.name === 'fiscal' && seedOnly ? { ...x, scheme } : x))
      : [...s.sources, { name: 'fiscal', scheme, enabled: true }];
    return { ...s, enabled: true, bind: '127.0.0.1', port: demoPort ?? 0, sources };
  };
  const receiver = new InboundReceiver({
    storage: ctx.storage,
    settings: inboundSettings,
    secretOf: (source) => ctx.secrets.get(inboundSecretName(source)),
    onEvent: (event, payload) => {
      session?.event();
      ctx.hub.publish('inbound.events', event);
      ctx.journal.record({ upstream: 'webhooks', type: `inbound.${event.event}`, level: event.level, ids: { webhook: event.id }, summary: `${event.source}: ${event.summary}`, raw: payload });
      applyRules(event.event, payload, event.id, event.summary, event.source);
      outbound.emit('inbound.received', { source: event.source, event: event.event, id: event.id, summary: event.summary, data: payload.data ?? null });
      publishStatusSoon();
    },
    // Each refusal is a counter (link errors, the status per minute), never a journal entry
    // of its own: 300 bad requests must not become 300 entries. One line per minute instead.
    onRefused: (reason: RefusalReason, source, detail) => {
      session?.error(`inbound ${source}: refused (${reason}) — ${detail}`);
      publishStatusSoon();
    },
    onRefusalMinute: (minute) => {
      const total = Object.values(minute.reasons).reduce((a, b) => a + b, 0);
      const parts = Object.entries(minute.reasons).map(([reason, n]) => `${reason} ${n}`).join(', ');
      ctx.journal.record({ upstream: 'webhooks', type: 'inbound.refused', level: 'error', ids: {}, summary: `inbound: ${total} request(s) refused in the minute from ${new Date(minute.at).toISOString().slice(11, 16)} UTC (${parts})`, raw: minute });
    },
  });

  function applyRules(event: string, payload: Record<string, unknown>, id: string, summary: string, source: string): void {
    for (const rule of settings.inbound.rules) {
      if (rule.event !== '*' && rule.event !== event) continue;
      if (rule.field) {
        const value = rule.field.split('.').reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), payload);
        if (value === undefined || (rule.equals !== '' && String(value) !== rule.equals)) continue;
      }
      ctx.alerts.raise({ source: 'webhooks', severity: rule.severity, key: `webhooks:rule:${rule.id}`, title: `${event} (${source})`, detail: summary, ids: { webhook: id }, view: '/integrations' });
    }
  }

  const inboundStatus = (): InboundStatus => {
    const s = inboundSettings();
    return {
      enabled: s.enabled,
      listening: receiver.listening,
      url: receiver.listening ? receiver.url : `http://${s.bind}:${s.port}`,
      accepted: receiver.accepted,
      refused: receiver.refused,
      refusedPerMinute: receiver.refusedPerMinute(),
      sources: s.sources.map((src) => ({ ...src, secret: status(inboundSecretName(src.name)) })),
      message: link.status().message,
    };
  };
  const statusTimer = owned.add(new MutableDisposable<ReturnType<typeof timeout>>());
  const publishStatusSoon = () => {
    if (statusTimer.value?.pending) return;
    statusTimer.value = timeout(500, () => ctx.hub.publish('inbound.status', inboundStatus()));
  };

  const test = async (): Promise<TestResult> => {
    const s = inboundSettings();
    if (!s.enabled) return { success: false, message: 'receptor de webhooks desligado', status_code: 0, token_status: 'n/a' };
    const withSecret = s.sources.filter((src) => ctx.secrets.get(inboundSecretName(src.name))).length;
    try {
      const res = await fetch(`${receiver.url}/health`, { signal: AbortSignal.timeout(3_000) });
      return { success: res.ok, message: res.ok ? `ouvindo em ${receiver.url}` : `HTTP ${res.status}`, status_code: res.status, token_status: `${withSecret}/${s.sources.length} origens com segredo` };
    } catch (error) {
      return { success: false, message: `sem resposta: ${(error as Error).message}`, status_code: 0, token_status: `${withSecret}/${s.sources.length} origens com segredo` };
    }
  };
  ctx.links.setTest('webhooks', test);
  const link = ctx.links.create({
    id: 'webhooks',
    url: () => (receiver.listening ? receiver.url : `http://${inboundSettings().bind}:${inboundSettings().port}`),
    demo: () => demo,
    async open(s) {
      await receiver.start(inboundSettings().port);
      session = s;
      if (demo) demoPort = receiver.port;
      publishStatusSoon();
    },
    close() {
      session = null;
      void receiver.stop().then(publishStatusSoon, ctx.journal.failed('webhooks', 'stopping the inbound receiver'));
    },
    test,
  });
  owned.add(link);
  const applyInbound = () => {
    if (inboundSettings().enabled) link.connect();
    else link.disconnect('disabled');
    publishStatusSoon();
  };

  // ---- scheduled jobs --------------------------------------------------------------------

  const scheduler = new Scheduler({
    storage: ctx.storage,
    settings: () => settings.schedule,
    retention: ({ deliveryLog, history, keepErrors }) => ({
      ...outbound.queue.purgeOlderThan(deliveryLog),
      journal: ctx.journal.purgeOlderThan(history, keepErrors),
      alerts: ctx.alerts.purgeOlderThan(history),
      inbound: receiver.purgeOlderThan(history, keepErrors),
    }),
    summary: (from, to) => {
      ctx.journal.flush();
      const db = ctx.storage.db;
      const events = db.prepare('SELECT upstream, COUNT(*) AS n FROM journal WHERE at >= ? AND at <= ? GROUP BY upstream').all(from, to) as Array<{ upstream: string; n: number }>;
      const alerts = db.prepare('SELECT severity, COUNT(*) AS n FROM alerts WHERE raised_at >= ? AND raised_at <= ? GROUP BY severity').all(from, to) as Array<{ severity: string; n: number }>;
      return {
        eventsByUpstream: Object.fromEntries(events.map((r) => [r.upstream, Number(r.n)])),
        alertsBySeverity: Object.fromEntries(alerts.map((r) => [r.severity, Number(r.n)])),
        deliveries: outbound.queue.countBetween(from, to),
        inbound: receiver.countBetween(from, to),
      };
    },
    onRetention: (result) => {
      ctx.hub.publish('integrations.retention', result);
      const total = result.deliveries + result.attempts + result.journal + result.alerts + result.inbound;
      ctx.journal.record({ upstream: 'console', type: 'retention.run', level: 'info', ids: {}, summary: `retention: ${total} rows removed`, raw: result });
    },
    onSummary: (summary) => {
      ctx.hub.publish('integrations.summary', summary);
      ctx.journal.record({ upstream: 'console', type: 'summary.daily', level: 'info', ids: {}, summary: `daily summary${summary.sent ? '' : ' (no activity: not sent)'}`, raw: summary });
      if (summary.sent) outbound.emit('daily.summary', summary);
    },
  });

  // ---- commands --------------------------------------------------------------------------

  const requireHook = (id: string): Webhook => {
    const hook = outbound.get(id);
    if (!hook) throw new CommandError('invalid-argument', `no webhook ${id}`);
    return hook;
  };
  const c = ctx.commands.ownedBy(owned);
  c.handle('integrations.catalogue', () => consoleEventTypes.map((type) => ({ type, sample: samples[type] })));
  c.handle('integrations.settings', () => settings);
  c.handle('integrations.saveSettings', ({ settings: next }) => {
    const names = new Set(next.inbound.sources.map((s) => s.name));
    if (names.size !== next.inbound.sources.length) throw new CommandError('invalid-argument', 'two inbound sources with the same name');
    ctx.settings.patch((current) => ({ ...current, extra: { ...current.extra, integrations: next } }));
    return settings;
  });
  c.handle('webhooks.list', () => outbound.list());
  /** A masked header value with nothing stored behind it is the caller's mistake, not ours. */
  const headerErrors = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (error) {
      if (error instanceof HeaderValueError) throw new CommandError('invalid-argument', error.message);
      throw error;
    }
  };
  c.handle('webhooks.create', ({ webhook, secret }) => {
    const created = headerErrors(() => outbound.create(webhook));
    ctx.secrets.set(webhookSecretName(created.id), secret ?? generateSecret());
    ctx.journal.record({ upstream: 'webhooks', type: 'webhook.created', level: 'info', ids: {}, summary: `webhook ${created.name} created (${created.url})`, raw: { id: created.id } });
    return { webhook: requireHook(created.id) };
  });
  c.handle('webhooks.update', ({ id, webhook, secret }) => {
    requireHook(id);
    const updated = headerErrors(() => outbound.update(id, webhook));
    if (secret) ctx.secrets.set(webhookSecretName(id), secret);
    if (updated.enabled) ctx.alerts.resolve(`webhooks:disabled:${id}`);
    ctx.journal.record({ upstream: 'webhooks', type: 'webhook.updated', level: 'info', ids: {}, summary: `webhook ${updated.name} updated${updated.enabled ? '' : ' (disabled)'}`, raw: { id } });
    return updated;
  });
  c.handle('webhooks.delete', ({ id }) => {
    const hook = requireHook(id);
    outbound.remove(id);
    ctx.secrets.clear(webhookSecretName(id));
    ctx.alerts.resolve(`webhooks:disabled:${id}`);
    ctx.hub.publish('webhooks.removed', { id });
    ctx.journal.record({ upstream: 'webhooks', type: 'webhook.deleted', level: 'info', ids: {}, summary: `webhook ${hook.name} deleted`, raw: { id } });
    return { ok: true as const };
  });
  c.handle('webhooks.test', ({ id }) => {
    const hook = requireHook(id);
    if (!hook.enabled) throw new CommandError('conflict', `webhook ${hook.name} is disabled; enable it first`);
    const [delivery] = outbound.emit('webhook.test', { ...samples['webhook.test'], at: new Date().toISOString() }, { webhookId: id });
    return delivery!;
  });
  c.handle('webhooks.dispatch', ({ type, data, webhookId }) => {
    if (webhookId) requireHook(webhookId);
    const payload = Object.keys(data).length ? data : samples[type];
    return outbound.emit(type, payload, webhookId ? { webhookId } : {});
  });
  c.handle('webhooks.replay', ({ id }) => {
    const delivery = outbound.replay(id);
    if (!delivery) throw new CommandError('invalid-argument', `no delivery ${id}`);
    ctx.journal.record({ upstream: 'webhooks', type: 'delivery.replay', level: 'info', ids: { webhook: delivery.eventId }, summary: `replay of ${id} → ${delivery.webhookName}`, raw: delivery });
    return delivery;
  });
  c.handle('webhooks.deliveries', (filter) => outbound.deliveries(filter));
  c.handle('webhooks.attempts', ({ id }) => outbound.attempts(id));
  c.handle('webhooks.stats', () => outbound.stats());
  c.handle('inbound.status', () => inboundStatus());
  c.handle('inbound.setSecret', ({ source, secret }) => {
    if (!inboundSettings().sources.some((s) => s.name === source)) throw new CommandError('invalid-argument', `no inbound source ${source}`);
    ctx.secrets.set(inboundSecretName(source), secret);
    publishStatusSoon();
    return { ok: true as const };
  });
  c.handle('inbound.events', ({ limit }) => receiver.recent(limit));
  c.handle('schedule.status', () => scheduler.status());
  c.handle('schedule.runRetention', () => scheduler.runRetention());
  c.handle('schedule.runSummary', () => scheduler.runSummary());

  return {
    name: 'integrations',
    async start() {
      const read = readIntegrationSettings(ctx.settings.get().extra);
      settings = read.value;
      if (read.error) ctx.warn(read.error);
      owned.defer(
        ctx.settings.onChange((next) => {
          const before = JSON.stringify(settings.inbound);
          const r = readIntegrationSettings(next.extra);
          settings = r.value;
          if (JSON.stringify(settings.inbound) !== before) applyInbound();
        }),
      );
      owned.defer(watchConsoleEvents(ctx.hub, (event) => outbound.emit(event.type, event.data)));
      if (simulators) await startDemo(simulators);
      outbound.start();
      scheduler.start();
      applyInbound();
      if (simulators) {
        // The fiscal system of seed 003, posting signed events to our receiver once it listens.
        const secret = ctx.secrets.get(inboundSecretName('fiscal'))!;
        const waitListening = async () => {
          for (let i = 0; i < 100 && !receiver.listening; i++) await new Promise((r) => setTimeout(r, 50));
        };
        await waitListening();
        sender = simulators.startSender({ targetUrl: `${receiver.url}/hooks/fiscal`, secret, scheme: 'standard', ratePerMin: 6, seedOnly });
      }
    },
    async stop() {
      owned.dispose();
      scheduler.stop();
      await sender?.stop();
      await outbound.stop();
      await receiver.stop();
      await sink?.stop();
    },
  };

  async function startDemo(simulators: NonNullable<CoreContext['webhookSimulators']>): Promise<void> {
    if (!ctx.secrets.get(inboundSecretName('fiscal'))) ctx.secrets.setEphemeral(inboundSecretName('fiscal'), generateSecret());
    const secret = ctx.secrets.get(webhookSecretName(DEMO_HOOK_ID)) ?? generateSecret();
    ctx.secrets.setEphemeral(webhookSecretName(DEMO_HOOK_ID), secret);
    sink = await simulators.startSink({ secret, scheme: 'standard', seedOnly });
    const input = {
      name: 'Demo sink (simulator)',
      url: `${sink.url}/hooks/console`,
      events: consoleEventTypes.filter((t) => t !== 'webhook.test'),
      headers: { 'x-console-demo': '1' },
      timeoutMs: 5_000,
      enabled: true,
      signing: 'both' as const,
      simpleSignature: 'sha256' as const,
      template: 'standard' as const,
      allowLinkLocal: false,
    };
    if (outbound.get(DEMO_HOOK_ID)) outbound.update(DEMO_HOOK_ID, input);
    else outbound.create(input, DEMO_HOOK_ID);
  }
};

