import { randomBytes } from 'node:crypto';
import type { LoginEndpoint } from '../contract/admin';

export class LoginError extends Error {
  constructor(
    message: string,
    readonly statusCode: number,
  ) {
    super(message);
  }
}

export interface Credentials {
  username: string;
  password: string;
}

const tokenFields = ['access_token', 'token', 'jwt', 'access', 'accessToken', 'id_token', 'data.token', 'data.access_token', 'data.jwt'];

const pick = (body: unknown, path: string): unknown =>
  path.split('.').reduce<unknown>((value, key) => (value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined), body);

/**
 * Seed 000's "Obter Novo JWT (Global)": POST the credentials as JSON to the configured login
 * endpoint and take the token from the answer. The credentials are used for this one request;
 * neither they nor the answer's body ever appear in an error message.
 */
export async function obtainToken(endpoint: LoginEndpoint, credentials: Credentials, options: { fetch?: typeof fetch; timeoutMs?: number } = {}): Promise<string> {
  const doFetch = options.fetch ?? fetch;
  let response: Response;
  try {
    response = await doFetch(endpoint.url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ [endpoint.usernameField]: credentials.username, [endpoint.passwordField]: credentials.password }),
      signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
      redirect: 'error',
    });
  } catch (error) {
    const reason = error instanceof Error && error.name === 'TimeoutError' ? 'no answer in time' : error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
    throw new LoginError(`login endpoint unreachable: ${reason}`, 0);
  }
  if (response.status === 401 || response.status === 403) {
    await response.body?.cancel();
    throw new LoginError(`the login endpoint refused these credentials (HTTP ${response.status})`, response.status);
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new LoginError(`the login endpoint answered HTTP ${response.status}`, response.status);
  }
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    throw new LoginError('the login endpoint did not answer JSON', response.status);
  }
  const candidates = endpoint.tokenField ? [endpoint.tokenField] : tokenFields;
  for (const path of candidates) {
    const value = pick(body, path);
    if (typeof value === 'string' && value.trim().length >= 8) return value.trim();
  }
  const keys = body && typeof body === 'object' ? Object.keys(body).slice(0, 10).join(', ') : typeof body;
  throw new LoginError(`no token in the login answer (looked for ${candidates.join(', ')}; the answer has: ${keys || 'nothing'})`, response.status);
}

/**
 * Remembered credentials are kept in the secret vault as one opaque value whose ends are
 * random, so the vault's mask (first/last 4 characters) reveals nothing of the password.
 */
export function packCredentials(credentials: Credentials): string {
  const inner = Buffer.from(JSON.stringify({ u: credentials.username, p: credentials.password })).toString('base64url');
  return `${randomBytes(6).toString('base64url')}.${inner}.${randomBytes(6).toString('base64url')}`;
}

export function unpackCredentials(packed: string | undefined): Credentials | null {
  const inner = packed?.split('.')[1];
  if (!inner) return null;
  try {
    const parsed = JSON.parse(Buffer.from(inner, 'base64url').toString('utf8')) as { u?: unknown; p?: unknown };
    return typeof parsed.u === 'string' && typeof parsed.p === 'string' ? { username: parsed.u, password: parsed.p } : null;
  } catch {
    return null;
  }
}

export const loginSecretName = (tokenName: string) => `admin.login.${tokenName}`;
