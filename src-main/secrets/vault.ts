import { existsSync, readFileSync, renameSync } from 'node:fs';
import type { SecretStatus } from '../contract/settings';
import { writeFileAtomic } from '../settings/atomic';
import type { Cipher } from './cipher';

/** `eyJh…x9Qk`: enough to recognise a token, never enough to use it. */
export function maskSecret(value: string): string {
  if (value.length <= 8) return '•'.repeat(value.length);
  return `${value.slice(0, 4)}…${value.slice(-4)}`;
}

interface VaultFile {
  version: 1;
  backend: string;
  entries: Record<string, string>;
}

/**
 * Tokens and keys, encrypted at rest, readable only in main. The renderer only ever sees
 * `status()`. Values given by `--config` or demo mode live in memory and are never written.
 */
export class SecretVault {
  private readonly stored = new Map<string, string>();
  private readonly ephemeral = new Map<string, string>();
  private readonly listeners = new Set<(name: string) => void>();
  readonly warnings: string[] = [];

  constructor(
    private readonly file: string | null,
    private readonly cipher: Cipher,
  ) {
    this.load();
    if (cipher.weak) {
      this.warnings.push('Secrets are stored with a fixed, non-secret key (no OS secret service): anyone with this account’s files can read them.');
    }
  }

  get backend(): string {
    return this.cipher.backend;
  }

  get(name: string): string | undefined {
    return this.ephemeral.get(name) ?? this.stored.get(name);
  }

  set(name: string, value: string): SecretStatus {
    this.stored.set(name, value);
    this.ephemeral.delete(name);
    this.persist();
    this.emit(name);
    return this.statusOf(name);
  }

  /** In memory only (demo tokens, `--config` inline secrets). */
  setEphemeral(name: string, value: string): void {
    this.ephemeral.set(name, value);
    this.emit(name);
  }

  clear(name: string): void {
    const had = this.stored.delete(name) || this.ephemeral.delete(name);
    if (!had) return;
    this.persist();
    this.emit(name);
  }

  names(): string[] {
    return [...new Set([...this.stored.keys(), ...this.ephemeral.keys()])].sort();
  }

  statusOf(name: string): SecretStatus {
    const value = this.get(name);
    return { name, present: value !== undefined, masked: value ? maskSecret(value) : '', backend: this.ephemeral.has(name) ? 'memory' : this.cipher.backend };
  }

  status(known: readonly string[] = []): SecretStatus[] {
    return [...new Set([...known, ...this.names()])].map((name) => this.statusOf(name));
  }

  /** Called with the secret's name (never its value) when it changes. */
  /** Listeners now (tests: none left after the core stops). */
  get listenerCount(): number {
    return this.listeners.size;
  }

  onChange(listener: (name: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Every value, for checks that they never leak (tests, log scrubbing). */
  values(): string[] {
    return [...this.stored.values(), ...this.ephemeral.values()];
  }

  private emit(name: string): void {
    for (const listener of this.listeners) listener(name);
  }

  private load(): void {
    if (!this.file || !existsSync(this.file)) return;
    try {
      const parsed = JSON.parse(readFileSync(this.file, 'utf8')) as VaultFile;
      if (parsed.version !== 1 || typeof parsed.entries !== 'object') throw new Error('unknown format');
      for (const [name, blob] of Object.entries(parsed.entries)) this.stored.set(name, this.cipher.decrypt(Buffer.from(blob, 'base64')));
    } catch (error) {
      this.stored.clear();
      const aside = `${this.file}.unreadable-${Date.now()}`;
      renameSync(this.file, aside);
      const reason = error instanceof Error ? error.message : String(error);
      this.warnings.push(`The secrets file could not be decrypted (${reason}); it was moved to ${aside}. Enter the tokens again.`);
    }
  }

  private persist(): void {
    if (!this.file) return;
    const entries = Object.fromEntries([...this.stored].map(([name, value]) => [name, this.cipher.encrypt(value).toString('base64')]));
    const body: VaultFile = { version: 1, backend: this.cipher.backend, entries };
    writeFileAtomic(this.file, JSON.stringify(body, null, 2), 0o600);
  }
}
