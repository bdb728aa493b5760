import { AdminSettings, type AdminStatus, type PinCheck } from '../contract/admin';
import { commands, type BridgeError, type CommandName } from '../contract';
import { secretNames, type Settings } from '../contract/settings';
import { CommandError, type CallerContext } from '../core/commands';
import type { CoreContext, Module, ModuleFactory } from '../core/context';
import { DisposableStore } from '../core/disposable';
import { maskSecret } from '../secrets/vault';
import { parseSettings, SettingsError } from '../settings/settings-store';
import { AdminSessions } from './admin-session';
import { AuditLog, diffSettings, showValue } from './audit';
import { LoginError, loginSecretName, obtainToken, packCredentials, unpackCredentials } from './login-flow';
import { PinStore, type PinCaller, type PinPolicy } from './pin';
import { TransferError, exportSettings, importSettings } from './settings-transfer';
import { TokenWatch, decodeJwt, tokenUpstream, upstreamToken } from './tokens';

const secretNamePattern = /^[a-zA-Z][\w.-]{1,80}$/;
/** Admin-area commands that only trusted callers (loopback, bridge token, our windows) may even try. */
const adminArea = (name: string) => name.startsWith('admin.') || name.startsWith('tokens.') || name.startsWith('secrets.') || name.startsWith('settings.update');

/** PIN attempt budgets: per session, and per pool — Electron windows never share one with web clients. */
const pinCaller = (caller: Pick<CallerContext, 'host' | 'session'>): PinCaller => ({ session: caller.session, pool: caller.host === 'electron' ? 'desktop' : 'web' });

export const callerLabel = (caller: Pick<CallerContext, 'host' | 'session'>) => `${caller.host}:${caller.session.slice(0, 12)}`;

/** `settings.extra.admin` with defaults; a damaged section falls back to defaults. */
export function adminSettingsOf(settings: Settings): AdminSettings {
  const parsed = AdminSettings.safeParse(settings.extra.admin ?? {});
  return parsed.success ? parsed.data : AdminSettings.parse({});
}

/** Validate a full settings object including `extra.admin`, collecting every field's problem. */
export function validateSettings(raw: unknown): Settings {
  let settings: Settings;
  try {
    settings = parseSettings(raw, 'settings');
  } catch (error) {
    if (error instanceof SettingsError) throw new CommandError('invalid-argument', `settings not saved: ${error.issues.length} field(s) need attention`, error.issues);
    throw error;
  }
  const admin = AdminSettings.safeParse(settings.extra.admin ?? {});
  if (!admin.success) {
    const issues = admin.error.issues.map((i) => ({ path: ['extra', 'admin', ...i.path].join('.'), message: i.message }));
    throw new CommandError('invalid-argument', `settings not saved: ${issues.length} field(s) need attention`, issues);
  }
  return { ...settings, extra: { ...settings.extra, admin: admin.data } };
}

export interface AdminModuleOptions {
  pinPolicy?: PinPolicy;
  fetch?: typeof fetch;
}

/**
 * The admin area in main: installs the privileged-command gate (no privileged command without a
 * PIN; per-session unlock with auto-lock; trusted callers only), the token store with JWT status and expiry alerts, the
 * login flow, export/import and the audit log.
 */
export const createAdminModule =
  (options: AdminModuleOptions = {}): ModuleFactory =>
  (ctx: CoreContext): Module => {
    const { secrets, settings, hub, journal, alerts } = ctx;
    const owned = new DisposableStore();
    const registry = ctx.commands.ownedBy(owned);
    const pins = new PinStore(ctx.storage, options.pinPolicy);
    const audit = new AuditLog(ctx.storage);
    const rejected = new Map<string, { at: number; message: string }>();
    let adminSettings = adminSettingsOf(settings.get());
    /** The privileged caller whose handler is running now (for audit entries written by listeners). */
    let currentCaller = 'main';
    let currentCommand = '';
    /** A first PIN is being hashed: a second "first" PIN must not race it. */
    let firstPinPending = false;

    const note = (action: string, target: string, detail: string, caller: string, level: 'info' | 'warn' | 'error' = 'info') => {
      audit.record({ action, target, detail, caller });
      journal.record({ upstream: 'console', type: `admin.${action}`, level, ids: {}, summary: `${action} ${target}${detail ? ` — ${detail}` : ''}`, raw: { action, target, caller } });
    };

    const sessions = new AdminSessions(adminSettings.autoLockMinutes * 60_000, (session) =>
      note('session.auto-locked', 'admin session', `no admin activity for ${adminSettings.autoLockMinutes} min`, `${session.slice(0, 12)}`),
    );

    const tokenNames = () => [...new Set([...secretNames, ...secrets.names().filter((n) => !n.startsWith('admin.'))])];
    const watch = new TokenWatch({
      names: tokenNames,
      facts: (name) => ({
        name,
        value: secrets.get(name),
        backend: secrets.statusOf(name).backend,
        weakBackend: secrets.backend.endsWith('basic_text'),
        rejected: rejected.get(name) ?? null,
        login: { configured: !!adminSettings.logins[name], remembered: !!secrets.get(loginSecretName(name)) },
      }),
      leadMs: () => adminSettings.tokenWarnLeadMinutes * 60_000,
      mask: maskSecret,
      raise: (alert) => alerts.raise(alert),
      resolve: (key) => alerts.resolve(key),
      publish: (info) => hub.publish('tokens.changed', info),
    });
    const infoOf = (name: string) => watch.list().find((t) => t.name === name)!;

    const statusFor = (caller: CallerContext): AdminStatus => {
      const now = Date.now();
      const unlocked = pins.isSet && sessions.isUnlocked(caller.session, now);
      return {
        pinSet: pins.isSet,
        unlocked: caller.trusted && unlocked,
        unlockedUntil: unlocked ? sessions.unlockedUntil(caller.session, now) : null,
        lockedOutUntil: pins.lockedOutUntil(pinCaller(caller), now),
        attemptsLeft: pins.attemptsLeft(pinCaller(caller)),
        autoLockMs: sessions.autoLock,
        trusted: caller.trusted,
      };
    };

    const isAdmin = (caller: CallerContext): boolean => statusFor(caller).unlocked;

    const gate = (name: CommandName, caller: CallerContext): BridgeError | null => {
      const spec = commands[name];
      const privileged = 'privileged' in spec && spec.privileged === true;
      if ((privileged || adminArea(name)) && !caller.trusted) {
        return { code: 'forbidden', message: `${name}: admin commands are accepted only from this machine (loopback) or with the bridge access token` };
      }
      if (!privileged) return null;
      if (!pins.isSet) {
        // No privileged command without a PIN, ever: the first PIN is the one thing a trusted
        // caller may do without one (the first-run setup step).
        if (name !== 'admin.setPin') return { code: 'pin-required', message: `${name} needs an admin PIN: set one first (Settings → Security)` };
      } else if (!sessions.touch(caller.session)) {
        return { code: 'forbidden', message: `${name} needs an unlocked admin session: enter the admin PIN` };
      }
      currentCaller = callerLabel(caller);
      currentCommand = name;
      queueMicrotask(() => ((currentCaller = 'main'), (currentCommand = '')));
      return null;
    };

    const pinOutcome = (check: PinCheck, what: string, caller: CallerContext) => {
      const who = callerLabel(caller);
      if (check.result === 'ok') return;
      if (check.result === 'locked-out') {
        note(`${what}.locked-out`, 'admin PIN', `attempts refused until ${new Date(check.lockedOutUntil ?? Date.now()).toISOString()}`, who, 'warn');
        alerts.raise({
          source: 'console', severity: 'medium', key: 'admin:pin-lockout', view: '/settings/security',
          title: 'Admin PIN locked out after repeated wrong attempts',
          text: { key: 'pinLockout', params: {} },
          detail: `Someone entered a wrong admin PIN too many times (${what}); attempts are refused for a while.`,
        });
      } else if (check.result === 'wrong-pin') note(`${what}.failed`, 'admin PIN', `wrong PIN, ${check.attemptsLeft} attempt(s) left before lock-out`, who, 'warn');
    };

    const setToken = (name: string, value: string, action: string, detail: string, caller: string) => {
      if (!secretNamePattern.test(name)) throw new CommandError('invalid-argument', `bad token name: ${name}`, [{ path: 'name', message: 'bad token name' }]);
      rejected.delete(name);
      secrets.set(name, value);
      const claims = decodeJwt(value);
      const shape = claims ? `JWT${claims.sub ? ` sub=${claims.sub}` : ''}${claims.exp ? `, exp ${new Date(claims.exp * 1000).toISOString()}` : ', no exp'}` : 'opaque key';
      note(action, name, `${detail}${detail ? '; ' : ''}${shape}`, caller);
      watch.evaluate(Date.now(), [name]);
      const upstream = tokenUpstream[name];
      // Connectors react to the change themselves; a link parked in auth-failed gets its retry here.
      if (upstream) setTimeout(() => ctx.links.get(upstream)?.retryAuth(), 0);
      return infoOf(name);
    };

    const handlers = () => {
      registry.handle('admin.status', (_args, caller) => statusFor(caller));
      registry.handle('admin.touch', (_args, caller) => (sessions.touch(caller.session), statusFor(caller)));
      registry.handle('admin.lock', (_args, caller) => {
        if (sessions.isUnlocked(caller.session)) note('session.locked', 'admin session', 'locked by the user', callerLabel(caller));
        sessions.lock(caller.session);
        return statusFor(caller);
      });
      registry.handle('admin.unlock', async ({ pin }, caller) => {
        const check = await pins.check(pin, pinCaller(caller));
        if (check.result === 'ok') {
          sessions.unlock(caller.session);
          note('session.unlocked', 'admin session', '', callerLabel(caller));
        } else pinOutcome(check, 'unlock', caller);
        return { check, status: statusFor(caller) };
      });
      registry.handle('admin.verifyPin', async ({ pin }, caller) => {
        const check = await pins.check(pin, pinCaller(caller));
        if (check.result === 'ok') note('pin.verified', 'admin PIN', 'PIN confirmed (kiosk exit or confirmation)', callerLabel(caller));
        else pinOutcome(check, 'verify', caller);
        return check;
      });
      registry.handle('admin.setPin', async ({ pin }, caller) => {
        const had = pins.isSet;
        // The gate let a caller without an unlocked session through only for the first PIN:
        // if another one got there first (or is hashing now), this caller must unlock instead.
        if (!sessions.isUnlocked(caller.session) && (had || firstPinPending)) {
          throw new CommandError('conflict', 'an admin PIN was just set from another session: unlock with that PIN');
        }
        firstPinPending = !had;
        try {
          await pins.set(pin);
        } finally {
          firstPinPending = false;
        }
        sessions.lockAll();
        sessions.unlock(caller.session);
        alerts.resolve('admin:pin-lockout');
        note(had ? 'pin.changed' : 'pin.set', 'admin PIN', had ? 'every other admin session was locked' : 'first PIN: privileged commands now need an unlocked session', callerLabel(caller));
        return statusFor(caller);
      });
      registry.handle('admin.audit', ({ limit, before }) => audit.list(limit, before));
      registry.handle('admin.saveSettings', ({ settings: raw }, caller) => {
        const next = validateSettings(raw);
        currentCaller = callerLabel(caller);
        return settings.update(next);
      });
      registry.handle('admin.export', async ({ passphrase }, caller) => {
        // Only what is stored on this machine: demo and --config secrets come from their own sources.
        const values: Record<string, string> = {};
        if (passphrase) for (const name of secrets.names()) if (secrets.statusOf(name).backend !== 'memory') values[name] = secrets.get(name)!;
        const now = new Date();
        const { content, secrets: count } = await exportSettings(settings.get(), values, passphrase, now);
        note('export', 'settings', passphrase ? `settings and ${count} encrypted secret(s)` : 'settings only (no passphrase: no secrets)', callerLabel(caller));
        const stamp = now.toISOString().slice(0, 16).replace(/[-:]/g, '').replace('T', '-');
        return { fileName: `ops-console-settings-${stamp}.json`, content, secrets: count };
      });
      registry.handle('admin.import', async ({ content, passphrase, dryRun }, caller) => {
        let parsed;
        try {
          parsed = await importSettings(content, passphrase || undefined);
        } catch (error) {
          if (error instanceof TransferError) throw new CommandError('invalid-argument', error.message, [{ path: error.field, message: error.message }]);
          throw error;
        }
        const badName = Object.keys(parsed.secrets).find((n) => !secretNamePattern.test(n));
        if (badName) throw new CommandError('invalid-argument', `the file names an invalid secret: ${badName.slice(0, 40)}`, [{ path: 'content', message: 'invalid secret name' }]);
        const next = validateSettings(parsed.settings);
        const restored = Object.keys(parsed.secrets).sort();
        if (!dryRun) {
          const who = callerLabel(caller);
          currentCaller = who;
          settings.update(next);
          for (const name of restored) {
            rejected.delete(name);
            secrets.set(name, parsed.secrets[name]!);
          }
          note('import', 'settings', `settings${restored.length ? ` and secret(s) ${restored.join(', ')}` : ''} imported`, who);
          watch.evaluate(Date.now(), restored);
        }
        return { applied: !dryRun, settings: next, secrets: restored, warnings: parsed.warnings };
      });
      registry.handle('tokens.list', () => watch.list());
      registry.handle('tokens.set', ({ name, value }, caller) => setToken(name, value, 'token.set', 'pasted', callerLabel(caller)));
      registry.handle('tokens.clear', ({ name }, caller) => {
        rejected.delete(name);
        secrets.clear(name);
        secrets.clear(loginSecretName(name));
        note('token.cleared', name, '', callerLabel(caller));
        watch.evaluate(Date.now(), [name]);
        return { ok: true as const };
      });
      registry.handle('tokens.forgetLogin', ({ name }, caller) => {
        secrets.clear(loginSecretName(name));
        note('login.forgotten', name, 'remembered credentials removed', callerLabel(caller));
        watch.evaluate(Date.now(), [name]);
        return { ok: true as const };
      });
      registry.handle('tokens.login', async ({ name, username, password, remember }, caller) => {
        const who = callerLabel(caller);
        const endpoint = adminSettings.logins[name];
        if (!endpoint) throw new CommandError('unavailable', `no login endpoint is configured for ${name} (Settings → Tokens)`);
        const given = username && password ? { username, password } : null;
        const credentials = given ?? unpackCredentials(secrets.get(loginSecretName(name)));
        if (!credentials) throw new CommandError('invalid-argument', 'enter the username and password', [{ path: 'username', message: 'required' }, { path: 'password', message: 'required' }]);
        let token: string;
        try {
          token = await obtainToken(endpoint, credentials, options.fetch ? { fetch: options.fetch } : {});
        } catch (error) {
          if (error instanceof LoginError) {
            note('token.login-failed', name, `${new URL(endpoint.url).host}: ${error.message}`, who, 'warn');
            if (error.statusCode === 401 || error.statusCode === 403) throw new CommandError('invalid-argument', error.message, [{ path: 'password', message: error.message }]);
            throw new CommandError('unavailable', error.message);
          }
          throw error;
        }
        if (given && remember) secrets.set(loginSecretName(name), packCredentials(given));
        else if (given) secrets.clear(loginSecretName(name));
        return setToken(name, token, 'token.login', `obtained from ${new URL(endpoint.url).host}${given && remember ? ', login remembered' : given ? ', login not kept' : ', with the remembered login'}`, who);
      });
    };

    /** `adminPin` of `--config` is the PIN of this run, like its settings: applied at every start. */
    const applyConfigPin = async (pin: string) => {
      if (await pins.matches(pin)) return;
      await pins.set(pin);
      sessions.lockAll();
      note('pin.set', 'admin PIN', 'from the --config file', 'main');
    };

    return {
      name: 'admin',
      async start() {
        ctx.commands.gate = gate;
        ctx.commands.isAdmin = isAdmin;
        ctx.commands.anyAdminUnlocked = () => pins.isSet && sessions.anyUnlocked();
        handlers();
        if (ctx.configAdminPin !== undefined) await applyConfigPin(ctx.configAdminPin);
        owned.add(watch);
        owned.defer(
          settings.onChange((next, previous) => {
            const changes = diffSettings(previous, next);
            for (const change of changes.slice(0, 50)) audit.record({ action: 'settings.update', target: change.path, detail: `${showValue(change.from)} → ${showValue(change.to)}`, caller: currentCaller });
            if (changes.length > 50) audit.record({ action: 'settings.update', target: '…', detail: `${changes.length - 50} more change(s)`, caller: currentCaller });
            adminSettings = adminSettingsOf(next);
            sessions.setAutoLock(adminSettings.autoLockMinutes * 60_000);
            watch.evaluate(Date.now(), Object.keys(adminSettings.logins));
          }),
        );
        owned.defer(
          secrets.onChange((name) => {
            // Names only, never values; the admin commands above add their own, richer entries.
            if (!currentCommand.startsWith('secrets.') || name.startsWith('admin.')) return;
            audit.record({ action: secrets.get(name) ? 'secret.set' : 'secret.cleared', target: name, detail: '', caller: currentCaller });
          }),
        );
        owned.defer(
          hub.on('connections.status', (status) => {
            if (status.link) return;
            const name = upstreamToken[status.id];
            if (!name) return;
            if (status.state === 'auth-failed' && secrets.get(name) && !rejected.has(name)) {
              rejected.set(name, { at: Date.now(), message: status.message || 'authentication failed' });
              journal.record({ upstream: status.id, type: 'token.rejected', level: 'error', ids: {}, summary: `${status.id} rejected token ${name}: ${status.message}`, raw: { name, message: status.message } });
              watch.evaluate();
            } else if (status.state === 'open' && rejected.has(name)) {
              rejected.delete(name);
              watch.evaluate();
            }
          }),
        );
        // Secrets set by the foundation's own commands (secrets.set/clear) are audited above;
        // one more pass so their new status shows.
        owned.defer(secrets.onChange(() => watch.evaluate()));
        watch.evaluate();
        owned.interval(15_000, () => sessions.sweep());
      },
      stop() {
        owned.dispose();
      },
    };
  };

export const adminModule: ModuleFactory = createAdminModule();
