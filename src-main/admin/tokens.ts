import type { TokenInfo, TokenState } from '../contract/admin';
import type { UpstreamId } from '../contract';

export interface JwtClaims {
  sub: string | null;
  iat: number | null;
  exp: number | null;
}

/** Decode (not verify) a JWT's payload for display: `sub`, `iat`, `exp`. Null if not a JWT. */
export function decodeJwt(token: string): JwtClaims | null {
  const parts = token.trim().split('.');
  if (parts.length !== 3 || !parts[0] || !parts[1]) return null;
  try {
    const header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8')) as unknown;
    const payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as Record<string, unknown>;
    if (typeof header !== 'object' || header === null || typeof payload !== 'object' || payload === null || Array.isArray(payload)) return null;
    const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
    return { sub: typeof payload.sub === 'string' ? payload.sub : payload.sub == null ? null : String(payload.sub), iat: num(payload.iat), exp: num(payload.exp) };
  } catch {
    return null;
  }
}

/** Which upstream uses which secret. */
export const tokenUpstream: Record<string, UpstreamId> = {
  'rpaLogs.token': 'rpaLogs',
  'keywordHub.token': 'keywordHub',
  'evolution.apiKey': 'evolution',
  'dashboard.token': 'dashboard',
};
export const upstreamToken = Object.fromEntries(Object.entries(tokenUpstream).map(([name, id]) => [id, name])) as Partial<Record<UpstreamId, string>>;

export interface TokenFacts {
  name: string;
  value: string | undefined;
  backend: string;
  weakBackend: boolean;
  rejected: { at: number; message: string } | null;
  login: { configured: boolean; remembered: boolean };
}

/** Status at `now` with a warning lead time: missing, rejected, expired, expiring, valid, no-expiry. */
export function tokenStatus(value: string | undefined, rejected: boolean, leadMs: number, now: number): { state: TokenState; claims: JwtClaims | null; expiresAt: number | null } {
  if (!value) return { state: 'missing', claims: null, expiresAt: null };
  const claims = decodeJwt(value);
  const expiresAt = claims?.exp != null ? claims.exp * 1000 : null;
  if (rejected) return { state: 'rejected', claims, expiresAt };
  if (expiresAt === null) return { state: 'no-expiry', claims, expiresAt };
  if (expiresAt <= now) return { state: 'expired', claims, expiresAt };
  if (expiresAt - now <= leadMs) return { state: 'expiring', claims, expiresAt };
  return { state: 'valid', claims, expiresAt };
}

export function describeToken(facts: TokenFacts, leadMs: number, now: number, mask: (v: string) => string): TokenInfo {
  const { state, claims, expiresAt } = tokenStatus(facts.value, facts.rejected !== null, leadMs, now);
  return {
    name: facts.name,
    upstream: tokenUpstream[facts.name] ?? null,
    present: !!facts.value,
    masked: facts.value ? mask(facts.value) : '',
    backend: facts.backend,
    weakBackend: facts.weakBackend,
    kind: !facts.value ? 'none' : claims ? 'jwt' : 'opaque',
    claims,
    status: state,
    expiresAt,
    rejected: facts.value ? facts.rejected : null,
    login: facts.login,
  };
}

/** The next moment a token's status changes by itself (expiring → expired), or null. */
export function nextTransition(expiresAt: number | null, leadMs: number, now: number): number | null {
  if (expiresAt === null) return null;
  if (now < expiresAt - leadMs) return expiresAt - leadMs;
  if (now < expiresAt) return expiresAt;
  return null;
}

export function formatDuration(ms: number): string {
  const minutes = Math.max(1, Math.round(ms / 60_000));
  if (minutes <= 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
  return `${Math.floor(hours / 24)} d`;
}

export interface TokenWatchDeps {
  names(): string[];
  facts(name: string): TokenFacts;
  leadMs(): number;
  mask(value: string): string;
  raise(alert: { source: UpstreamId | 'console'; severity: 'high' | 'medium'; key: string; title: string; text: { key: string; params: Record<string, string | number> }; detail: string; view: string }): void;
  resolve(key: string): void;
  publish(info: TokenInfo): void;
}

const alertKeys = (name: string) => ({ expiring: `admin:token-expiring:${name}`, expired: `admin:token-expired:${name}`, rejected: `admin:token-rejected:${name}` });
/** setTimeout's limit is ~24.8 days; longer waits are done in steps. */
const maxDelay = 2 ** 31 - 1;

/**
 * Follows every token's status over time: raises "expires soon" / "expired" / "rejected"
 * alerts on transitions, resolves them when a new token is stored, and publishes
 * `tokens.changed`. One timer, armed for the next transition (works with fake clocks).
 */
export class TokenWatch {
  private readonly last = new Map<string, TokenState>();
  private timer: NodeJS.Timeout | null = null;
  private disposed = false;

  constructor(private readonly deps: TokenWatchDeps) {}

  list(now = Date.now()): TokenInfo[] {
    return this.deps.names().map((name) => describeToken(this.deps.facts(name), this.deps.leadMs(), now, this.deps.mask));
  }

  /** Re-evaluate every token now (after a change, a rejection, a lead-time change, or the timer). */
  evaluate(now = Date.now(), force: readonly string[] = []): void {
    if (this.disposed) return;
    const lead = this.deps.leadMs();
    let next: number | null = null;
    for (const info of this.list(now)) {
      const previous = this.last.get(info.name);
      if (previous !== info.status || force.includes(info.name)) {
        this.last.set(info.name, info.status);
        this.onTransition(info, now);
        this.deps.publish(info);
      }
      const at = info.status === 'rejected' ? null : nextTransition(info.expiresAt, lead, now);
      if (at !== null && (next === null || at < next)) next = at;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (next !== null) {
      this.timer = setTimeout(() => this.evaluate(), Math.min(maxDelay, Math.max(0, next - now)));
      this.timer.unref?.();
    }
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private onTransition(info: TokenInfo, now: number): void {
    const keys = alertKeys(info.name);
    const source = info.upstream ?? 'console';
    const view = '/settings/tokens';
    const who = info.upstream ? ` (${info.upstream})` : '';
    switch (info.status) {
      case 'expiring':
        this.deps.raise({
          source, severity: 'medium', key: keys.expiring, view,
          title: `Token ${info.name}${who} expires in ${formatDuration((info.expiresAt ?? now) - now)}`,
          text: { key: 'tokenExpiring', params: { name: info.name, who, in: formatDuration((info.expiresAt ?? now) - now) } },
          detail: `Expires at ${new Date(info.expiresAt ?? now).toISOString()}. Obtain or paste a new token in Settings → Tokens.`,
        });
        break;
      case 'expired':
        this.deps.resolve(keys.expiring);
        this.deps.raise({
          source, severity: 'high', key: keys.expired, view,
          title: `Token ${info.name}${who} has expired`,
          text: { key: 'tokenExpired', params: { name: info.name, who } },
          detail: `Expired at ${new Date(info.expiresAt ?? now).toISOString()}. The upstream will refuse it; obtain or paste a new token in Settings → Tokens.`,
        });
        break;
      case 'rejected':
        this.deps.raise({
          source, severity: 'high', key: keys.rejected, view,
          title: `Token ${info.name}${who} was rejected by the upstream`,
          text: { key: 'tokenRejected', params: { name: info.name, who } },
          detail: info.rejected?.message ?? 'authentication failed',
        });
        break;
      default:
        for (const key of Object.values(keys)) this.deps.resolve(key);
    }
    if (info.status !== 'rejected') this.deps.resolve(keys.rejected);
    if (info.status === 'valid' || info.status === 'no-expiry' || info.status === 'missing') {
      this.deps.resolve(keys.expiring);
      this.deps.resolve(keys.expired);
    }
  }
}
