import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, statSync } from 'node:fs';
import { writeFileAtomic } from '../settings/atomic';

/** AES-GCM: 96-bit nonce, full 128-bit tag (never a shorter one, see decrypt). */
export const ivBytes = 12;
export const tagBytes = 16;

/** How secrets are encrypted at rest: Electron's safeStorage, or a key file in the headless host. */
export interface Cipher {
  /** Shown to admins, e.g. `keyfile`, `safeStorage:gnome_libsecret`, `safeStorage:basic_text`. */
  readonly backend: string;
  /** True when the key protecting secrets is not really secret (safeStorage's basic_text fallback). */
  readonly weak: boolean;
  encrypt(plain: string): Buffer;
  decrypt(data: Buffer): string;
}

/**
 * AES-256-GCM with a random 32-byte key kept in a file only its owner can read (0600).
 * A key file that others can read is tightened and reported.
 */
export class KeyFileCipher implements Cipher {
  readonly backend = 'keyfile';
  readonly weak = false;
  readonly warnings: string[] = [];
  private readonly key: Buffer;

  constructor(keyFile: string) {
    if (!existsSync(keyFile)) writeFileAtomic(keyFile, randomBytes(32), 0o600);
    const mode = statSync(keyFile).mode & 0o777;
    if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
      chmodSync(keyFile, 0o600);
      this.warnings.push(`Key file ${keyFile} was readable by others (mode ${mode.toString(8)}); it is now owner-only.`);
    }
    this.key = readFileSync(keyFile);
    if (this.key.length !== 32) throw new Error(`key file ${keyFile} is damaged (expected 32 bytes, found ${this.key.length})`);
  }

  encrypt(plain: string): Buffer {
    const iv = randomBytes(ivBytes);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv, { authTagLength: tagBytes });
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]);
  }

  decrypt(data: Buffer): string {
    // iv (12) + tag (16) at least; the tag length is pinned so a cut-down tag cannot be forged more easily.
    if (data.length < ivBytes + tagBytes) throw new Error('encrypted value is too short');
    const decipher = createDecipheriv('aes-256-gcm', this.key, data.subarray(0, ivBytes), { authTagLength: tagBytes });
    decipher.setAuthTag(data.subarray(ivBytes, ivBytes + tagBytes));
    return Buffer.concat([decipher.update(data.subarray(ivBytes + tagBytes)), decipher.final()]).toString('utf8');
  }
}
