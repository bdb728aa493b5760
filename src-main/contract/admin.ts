import { z } from 'zod';
import { channel, command, lossless } from './define';
import { Ok, UpstreamId } from './common';
import { Settings } from './settings';

/**
 * Admin area: PIN lock, per-session unlock, token store with JWT claims, login flow,
 * export/import of settings and the audit log. No command here ever returns a secret value.
 */

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' });

/** A login endpoint that hands out a token (seed 000: "Obter Novo JWT (Global)"). */
export const LoginEndpoint = z.object({
  url: httpUrl,
  usernameField: z.string().min(1).max(64).default('username'),
  passwordField: z.string().min(1).max(64).default('password'),
  /** Dotted path of the token in the JSON answer; empty = try access_token, token, jwt, access… */
  tokenField: z.string().max(128).default(''),
});
export type LoginEndpoint = z.infer<typeof LoginEndpoint>;

/** `settings.extra.admin`: validated with defaults, edited through `settings.update`. */
export const AdminSettings = z.object({
  /** An unlocked admin session locks itself after this long without admin activity. */
  autoLockMinutes: z.number().int().min(1, 'at least 1 minute').max(240, 'at most 240 minutes').default(5),
  /** Warn through the alert center this long before a token expires. */
  tokenWarnLeadMinutes: z.number().int().min(1, 'at least 1 minute').max(43_200, 'at most 30 days').default(60),
  /** Per secret name (`rpaLogs.token`…): where "obtain a new token" logs in. */
  logins: z.record(z.string(), LoginEndpoint).default({}),
});
export type AdminSettings = z.infer<typeof AdminSettings>;

export const Pin = z.string().min(4, 'the PIN needs at least 4 characters').max(64, 'the PIN is at most 64 characters');

export const AdminStatus = z.object({
  /** False on first run: nothing privileged works (`pin-required`) until a trusted caller sets the first PIN. */
  pinSet: z.boolean(),
  /** This caller's session may run privileged commands now (never without a PIN). */
  unlocked: z.boolean(),
  /** When this session locks itself if nothing happens (null when locked or no PIN). */
  unlockedUntil: z.number().nullable(),
  /** PIN attempts are refused until then (rate limit after repeated failures). */
  lockedOutUntil: z.number().nullable(),
  /** Wrong PINs left before the next lock-out. */
  attemptsLeft: z.number().int(),
  autoLockMs: z.number().int(),
  /** This caller may use admin commands at all (loopback or bridge access token). */
  trusted: z.boolean(),
});
export type AdminStatus = z.infer<typeof AdminStatus>;

export const PinCheck = z.object({
  result: z.enum(['ok', 'wrong-pin', 'locked-out', 'no-pin']),
  attemptsLeft: z.number().int(),
  lockedOutUntil: z.number().nullable(),
});
export type PinCheck = z.infer<typeof PinCheck>;

export const tokenStates = ['missing', 'valid', 'expiring', 'expired', 'rejected', 'no-expiry'] as const;
export const TokenState = z.enum(tokenStates);
export type TokenState = z.infer<typeof TokenState>;

export const TokenInfo = z.object({
  name: z.string(),
  /** The upstream that uses it (null for other secrets). */
  upstream: UpstreamId.nullable(),
  present: z.boolean(),
  masked: z.string(),
  /** Where it is kept: `keyfile`, `safeStorage:…`, `memory` (from `--config` or demo mode). */
  backend: z.string(),
  /** The secret backend is safeStorage's fixed-key fallback. */
  weakBackend: z.boolean(),
  kind: z.enum(['none', 'jwt', 'opaque']),
  claims: z.object({ sub: z.string().nullable(), iat: z.number().nullable(), exp: z.number().nullable() }).nullable(),
  status: TokenState,
  /** ms since epoch; null when unknown. */
  expiresAt: z.number().nullable(),
  rejected: z.object({ at: z.number(), message: z.string() }).nullable(),
  login: z.object({ configured: z.boolean(), remembered: z.boolean() }),
});
export type TokenInfo = z.infer<typeof TokenInfo>;

export const AuditEntry = z.object({
  seq: z.number().int(),
  at: z.number(),
  /** e.g. `settings.update`, `token.set`, `pin.set`, `unlock.failed`, `export`. */
  action: z.string(),
  /** What it touched: a settings path, a secret name… never a secret value. */
  target: z.string(),
  detail: z.string(),
  /** `web:1a2b…` / `electron:window-1`. */
  caller: z.string(),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

export const ExportResult = z.object({
  fileName: z.string(),
  /** The file's text (JSON). Secret values appear in it only encrypted with the passphrase. */
  content: z.string(),
  /** How many secrets went in (0 without a passphrase). */
  secrets: z.number().int(),
});

export const ImportResult = z.object({
  applied: z.boolean(),
  settings: Settings,
  /** Names of the secrets restored (or that would be, on a dry run). */
  secrets: z.array(z.string()),
  warnings: z.array(z.string()),
});

const TokenName = z.string().regex(/^[a-zA-Z][\w.-]{1,80}$/, 'bad token name');

export const adminCommands = {
  'admin.status': command({ input: z.object({}).strict(), output: AdminStatus, summary: 'PIN set?, this session unlocked?, lock-out, auto-lock.' }),
  'admin.unlock': command({
    input: z.object({ pin: z.string().max(64) }),
    output: z.object({ check: PinCheck, status: AdminStatus }),
    summary: 'Unlock this session with the admin PIN (rate-limited, lock-out after repeated failures).',
  }),
  'admin.lock': command({ input: z.object({}).strict(), output: AdminStatus, summary: 'Lock this session now.' }),
  'admin.touch': command({ input: z.object({}).strict(), output: AdminStatus, summary: 'Admin activity: keeps an unlocked session from auto-locking.' }),
  'admin.verifyPin': command({
    input: z.object({ pin: z.string().max(64) }),
    output: PinCheck,
    summary: 'Check the PIN without unlocking (kiosk exit); shares the rate limit with admin.unlock.',
  }),
  'admin.setPin': command({
    input: z.object({ pin: Pin }),
    output: AdminStatus,
    privileged: true,
    summary: 'Set the first admin PIN (any trusted caller, no PIN needed) or change it (unlocked session); unlocks this session.',
  }),
  'admin.audit': command({
    input: z.object({ limit: z.number().int().min(1).max(5_000).default(200), before: z.number().int().optional() }),
    output: z.array(AuditEntry),
    privileged: true,
    summary: 'The audit log of admin changes, newest first (never secret values).',
  }),
  'admin.export': command({
    input: z.object({ passphrase: z.string().min(8, 'the passphrase needs at least 8 characters').max(1_024).optional() }),
    output: ExportResult,
    privileged: true,
    summary: 'Settings as a file; stored secrets only when a passphrase encrypts them (scrypt + AES-256-GCM).',
  }),
  'admin.import': command({
    input: z.object({ content: z.string().min(1).max(4_000_000), passphrase: z.string().max(1_024).optional(), dryRun: z.boolean().default(false) }),
    output: ImportResult,
    privileged: true,
    summary: 'Read an exported file: validate, then apply settings (and secrets, given the passphrase).',
  }),
  'admin.saveSettings': command({
    input: z.object({ settings: z.unknown() }),
    output: Settings,
    privileged: true,
    summary: 'Validate every field (upstreams and `extra.admin`) and save; `invalid-argument` lists each bad field. Applies without restart.',
  }),
  'tokens.list': command({ input: z.object({}).strict(), output: z.array(TokenInfo), summary: 'Every token: presence, mask, JWT claims, status and expiry — never values.' }),
  'tokens.set': command({
    input: z.object({ name: TokenName, value: z.string().trim().min(1, 'paste the token or key').max(16_384) }),
    output: TokenInfo,
    privileged: true,
    summary: 'Store a pasted JWT or API key (encrypted at rest in main).',
  }),
  'tokens.clear': command({ input: z.object({ name: TokenName }), output: Ok, privileged: true, summary: 'Forget a token (and its remembered login).' }),
  'tokens.login': command({
    input: z.object({
      name: TokenName,
      username: z.string().max(256).optional(),
      password: z.string().max(1_024).optional(),
      /** Keep the credentials (encrypted) for later renewals; default: used once and dropped. */
      remember: z.boolean().default(false),
    }),
    output: TokenInfo,
    privileged: true,
    summary: 'Obtain a new token from the configured login endpoint (seed 000 "Obter Novo JWT (Global)").',
  }),
  'tokens.forgetLogin': command({ input: z.object({ name: TokenName }), output: Ok, privileged: true, summary: 'Drop remembered login credentials.' }),
} as const;

export const adminChannels = {
  'tokens.changed': channel({ schema: TokenInfo, policy: lossless, summary: 'A token was set, cleared, rejected, or changed status (expiring, expired).' }),
} as const;
