import { safeStorage } from 'electron';
import { join } from 'node:path';
import { KeyFileCipher, type Cipher } from '../secrets/cipher';

/**
 * Secrets encrypted by the OS (Keychain, DPAPI, libsecret/kwallet). On Linux without a
 * secret service Electron falls back to a fixed key (`basic_text`): we say so plainly.
 */
export class SafeStorageCipher implements Cipher {
  readonly backend: string;
  readonly weak: boolean;

  constructor() {
    if (!safeStorage.isEncryptionAvailable()) throw new Error('safeStorage encryption is not available on this system');
    const selected = process.platform === 'linux' ? safeStorage.getSelectedStorageBackend() : 'os';
    this.backend = `safeStorage:${selected}`;
    this.weak = selected === 'basic_text';
  }

  encrypt(plain: string): Buffer {
    return safeStorage.encryptString(plain);
  }

  decrypt(data: Buffer): string {
    return safeStorage.decryptString(data);
  }
}

/** The OS's secret storage, else an owner-only key file in the data folder (said in `warnings`). */
export function chooseCipher(dataDir: string, warnings: string[]): Cipher {
  try {
    return new SafeStorageCipher();
  } catch (error) {
    warnings.push(`OS secret storage unavailable (${(error as Error).message}); using an owner-only key file.`);
    return new KeyFileCipher(join(dataDir, 'secret.key'));
  }
}
