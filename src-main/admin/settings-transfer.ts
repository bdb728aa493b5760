import { createCipheriv, createDecipheriv, randomBytes, scrypt } from 'node:crypto';
import { ivBytes, tagBytes } from '../secrets/cipher';
import { z } from 'zod';
import type { Settings } from '../contract/settings';
import { parseSettings, SettingsError } from '../settings/settings-store';

/**
 * The settings file admins move between machines. Secrets go in only when a passphrase is
 * given, encrypted with a key derived by scrypt and AES-256-GCM; their names are in clear (and
 * authenticated) so an import can say what it would restore.
 */
export const exportFormat = 'ops-console-settings';

/**
 * The key derivation cost every export uses. An import accepts exactly these parameters: taking
 * them from the file would let a crafted file make main spend seconds and a gigabyte on one key.
 */
const kdfCost = { N: 2 ** 15, r: 8, p: 1 } as const;
const base64 = (max: number) => z.string().max(max).regex(/^[A-Za-z0-9+/]*={0,2}$/, 'not base64');

const SecretsBlock = z.object({
  kdf: z.object({
    name: z.literal('scrypt'),
    N: z.literal(kdfCost.N, 'unsupported key derivation cost (N)'),
    r: z.literal(kdfCost.r, 'unsupported key derivation cost (r)'),
    p: z.literal(kdfCost.p, 'unsupported key derivation cost (p)'),
    salt: base64(64),
  }),
  cipher: z.literal('aes-256-gcm'),
  iv: base64(32),
  tag: base64(32),
  names: z.array(z.string().max(100)).max(1_000),
  data: base64(4_000_000),
});

const ExportFile = z.object({
  format: z.literal(exportFormat),
  version: z.literal(1),
  exportedAt: z.string(),
  settings: z.unknown(),
  secrets: SecretsBlock.nullable(),
});
type ExportFile = z.infer<typeof ExportFile>;

export class TransferError extends Error {
  constructor(
    readonly field: 'content' | 'passphrase',
    message: string,
  ) {
    super(message);
  }
}

/** Async, so a slow key derivation never blocks the event loop (and every upstream with it). */
const deriveKey = (passphrase: string, salt: Buffer, kdf: { N: number; r: number; p: number }) =>
  new Promise<Buffer>((resolve, reject) =>
    scrypt(passphrase.normalize('NFKC'), salt, 32, { ...kdf, maxmem: 256 * kdf.N * kdf.r }, (error, key) => (error ? reject(error) : resolve(key))),
  );

export async function exportSettings(settings: Settings, secrets: Record<string, string>, passphrase: string | undefined, now = new Date()): Promise<{ content: string; secrets: number }> {
  let block: ExportFile['secrets'] = null;
  const names = Object.keys(secrets).sort();
  if (passphrase && names.length > 0) {
    const salt = randomBytes(16);
    const iv = randomBytes(ivBytes);
    const cipher = createCipheriv('aes-256-gcm', await deriveKey(passphrase, salt, kdfCost), iv, { authTagLength: tagBytes });
    cipher.setAAD(Buffer.from(JSON.stringify(names)));
    const data = Buffer.concat([cipher.update(JSON.stringify(Object.fromEntries(names.map((n) => [n, secrets[n]]))), 'utf8'), cipher.final()]);
    block = {
      kdf: { name: 'scrypt', ...kdfCost, salt: salt.toString('base64') },
      cipher: 'aes-256-gcm',
      iv: iv.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
      names,
      data: data.toString('base64'),
    };
  }
  const file: ExportFile = { format: exportFormat, version: 1, exportedAt: now.toISOString(), settings, secrets: block };
  return { content: JSON.stringify(file, null, 2), secrets: block ? names.length : 0 };
}

export interface ParsedImport {
  settings: Settings;
  /** Decrypted values (empty without passphrase or without a secrets block). */
  secrets: Record<string, string>;
  /** Names in the file, whether or not they could be decrypted. */
  secretNames: string[];
  warnings: string[];
}

/** Read an exported file: clear messages for a damaged file, a wrong passphrase, bad settings. */
export async function importSettings(content: string, passphrase: string | undefined): Promise<ParsedImport> {
  let raw: unknown;
  try {
    raw = JSON.parse(content);
  } catch (error) {
    throw new TransferError('content', `not a settings file: it is not valid JSON (${(error as Error).message})`);
  }
  const parsed = ExportFile.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.join('.') || '(root)';
    throw new TransferError('content', `not an Ops Console settings export (${where}: ${issue?.message ?? 'unexpected shape'})`);
  }
  let settings: Settings;
  try {
    settings = parseSettings(parsed.data.settings, 'file');
  } catch (error) {
    throw new TransferError('content', error instanceof SettingsError ? `the file's settings are invalid: ${error.message}` : String(error));
  }
  const warnings: string[] = [];
  const block = parsed.data.secrets;
  if (!block) return { settings, secrets: {}, secretNames: [], warnings };
  if (!passphrase) {
    warnings.push(`The file holds ${block.names.length} encrypted secret(s) (${block.names.join(', ')}); without the passphrase only the settings are imported.`);
    return { settings, secrets: {}, secretNames: block.names, warnings };
  }
  const salt = Buffer.from(block.kdf.salt, 'base64');
  const iv = Buffer.from(block.iv, 'base64');
  const tag = Buffer.from(block.tag, 'base64');
  // A shorter GCM tag is a weaker one: only the full 16 bytes our exports write are accepted.
  if (salt.length !== 16 || iv.length !== ivBytes || tag.length !== tagBytes) {
    throw new TransferError('content', 'the encrypted secrets in the file are damaged (salt, iv or tag of the wrong length) — nothing was imported');
  }
  let plain: string;
  const key = await deriveKey(passphrase, salt, kdfCost);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: tagBytes });
    decipher.setAAD(Buffer.from(JSON.stringify(block.names)));
    decipher.setAuthTag(tag);
    plain = Buffer.concat([decipher.update(Buffer.from(block.data, 'base64')), decipher.final()]).toString('utf8');
  } catch {
    throw new TransferError('passphrase', 'wrong passphrase, or the secrets in the file were altered — nothing was imported');
  }
  let decoded: unknown = null;
  try {
    decoded = JSON.parse(plain);
  } catch {
    /* reported below */
  }
  const values = z.record(z.string(), z.string()).safeParse(decoded);
  if (!values.success) throw new TransferError('content', 'the encrypted secrets in the file are not in the expected form');
  return { settings, secrets: values.data, secretNames: block.names, warnings };
}
