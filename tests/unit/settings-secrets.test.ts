import { mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KeyFileCipher } from '../../src-main/secrets/cipher';
import { maskSecret, SecretVault } from '../../src-main/secrets/vault';
import { readConfigFile, SettingsError, SettingsStore } from '../../src-main/settings/settings-store';

const tmp = () => mkdtempSync(join(tmpdir(), 'ops-test-'));

describe('SettingsStore', () => {
  it('starts from defaults, validates and persists with a backup', () => {
    const dir = tmp();
    const file = join(dir, 'settings.json');
    const store = new SettingsStore(file);
    expect(store.get().upstreams.rpaLogs.bufferLines).toBe(100_000);
    store.patch((s) => ((s.upstreams.rpaLogs.url = 'http://logs.example:8000'), s));
    store.patch((s) => ((s.language = 'en'), s));
    expect(JSON.parse(readFileSync(file, 'utf8')).language).toBe('en');
    expect(JSON.parse(readFileSync(`${file}.bak`, 'utf8')).upstreams.rpaLogs.url).toBe('http://logs.example:8000');
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('refuses an invalid update with a field-level message and keeps the old value', () => {
    const store = new SettingsStore(join(tmp(), 'settings.json'));
    let caught: unknown;
    try {
      store.update({ upstreams: { keywordHub: { url: 'not a url' } } });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(SettingsError);
    expect((caught as SettingsError).issues[0]!.path).toBe('upstreams.keywordHub.url');
    expect(store.get().upstreams.keywordHub.url).toBe('');
  });

  it('recovers from a corrupted file: keeps it aside, uses the last good copy, warns', () => {
    const dir = tmp();
    const file = join(dir, 'settings.json');
    const first = new SettingsStore(file);
    first.patch((s) => ((s.language = 'en'), s));
    first.patch((s) => ((s.upstreams.dashboard.clientId = 'Kiosk-ABCDE'), s));
    writeFileSync(file, '{"version": 1, "upstreams": {"dashbo');
    const second = new SettingsStore(file);
    expect(second.warnings[0]).toMatch(/unreadable/);
    expect(second.get().language).toBe('en');
    expect(readdirSync(dir).some((f) => f.startsWith('settings.json.corrupt-'))).toBe(true);
    expect(JSON.parse(readFileSync(file, 'utf8')).language).toBe('en');
  });

  it('migrates a v0 file (top-level URLs) to v1', () => {
    const file = join(tmp(), 'settings.json');
    writeFileSync(file, JSON.stringify({ rpaLogsUrl: 'http://10.0.0.1:8000', language: 'pt-BR' }));
    const store = new SettingsStore(file);
    expect(store.get().version).toBe(1);
    expect(store.get().upstreams.rpaLogs.url).toBe('http://10.0.0.1:8000');
  });

  it('notifies listeners so changes apply without restart', () => {
    const store = new SettingsStore(null);
    const seen: string[] = [];
    store.onChange((next, prev) => seen.push(`${prev.language}->${next.language}`));
    store.patch((s) => ((s.language = 'en'), s));
    expect(seen).toEqual(['auto->en']);
  });
});

/** `{"a":{"a":…}}` `levels` deep: passes `z.unknown()` but breaks JSON.stringify at 20,000. */
const deep = (levels: number): unknown => {
  let value: unknown = 1;
  for (let i = 0; i < levels; i++) value = { a: value };
  return value;
};
const deepText = (levels: number) => '{"a":'.repeat(levels) + '1' + '}'.repeat(levels);

describe('settings size limits (hostile input)', () => {
  it('a deeply nested update is refused with a typed error before anything is kept; the old settings stay and still serialize', () => {
    const file = join(tmp(), 'settings.json');
    const store = new SettingsStore(file);
    store.patch((s) => ((s.language = 'en'), s));
    const seen: unknown[] = [];
    store.onChange((next) => seen.push(next));
    for (const extra of [{ x: deep(20_000) }, { x: deep(33) }, { x: 'y'.repeat(100_001) }]) {
      let caught: unknown;
      try {
        store.update({ ...store.get(), extra });
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(SettingsError);
      expect((caught as SettingsError).issues[0]!.path).toMatch(/^extra\.x/);
    }
    expect(seen).toEqual([]);
    expect(store.get().extra).toEqual({});
    expect(() => JSON.stringify(store.get())).not.toThrow();
    expect(JSON.parse(readFileSync(file, 'utf8')).language).toBe('en');
    // Deep but within the limit is fine (other areas' sections).
    expect(store.update({ ...store.get(), extra: { x: deep(20) } }).extra.x).toEqual(deep(20));
  });

  it('a settings file with such content is kept aside with a warning; the console starts on the last good copy', () => {
    const dir = tmp();
    const file = join(dir, 'settings.json');
    const first = new SettingsStore(file);
    first.patch((s) => ((s.language = 'en'), s));
    first.patch((s) => ((s.upstreams.dashboard.clientId = 'Kiosk-ABCDE'), s)); // the .bak now holds language: en
    writeFileSync(file, `{"version":1,"extra":{"x":${deepText(20_000)}}}`);
    const store = new SettingsStore(file);
    expect(store.warnings[0]).toMatch(/unreadable \(.*extra\.x.*nested too deeply.*kept as .*corrupt/);
    expect(store.get().language).toBe('en');
    expect(() => JSON.stringify(store.get())).not.toThrow();
  });

  it('a --config file with such content is refused with the field named (the host exits 2 with it)', () => {
    const file = join(tmp(), 'c.json');
    writeFileSync(file, `{"extra":{"x":${deepText(20_000)}}}`);
    expect(() => readConfigFile(file)).toThrow(SettingsError);
    expect(() => readConfigFile(file)).toThrow(/extra\.x.*nested too deeply/);
    writeFileSync(file, JSON.stringify({ secrets: { 'rpaLogs.token': 'x'.repeat(200_000) } }));
    expect(() => readConfigFile(file)).toThrow(/secrets\.rpaLogs\.token: text too long/);
  });
});

describe('--config FILE', () => {
  it('reads settings with inline secrets', () => {
    const file = join(tmp(), 'c.json');
    writeFileSync(file, JSON.stringify({ upstreams: { evolution: { url: 'http://127.0.0.1:8080', mode: 'instance' } }, secrets: { 'evolution.apiKey': 'k' } }));
    const { settings, secrets } = readConfigFile(file);
    expect(settings.upstreams.evolution.mode).toBe('instance');
    expect(secrets).toEqual({ 'evolution.apiKey': 'k' });
  });

  it('may carry the admin PIN (plain, like the inline secrets), kept out of the settings', () => {
    const file = join(tmp(), 'c.json');
    writeFileSync(file, JSON.stringify({ language: 'en', adminPin: '2468' }));
    const config = readConfigFile(file);
    expect(config.adminPin).toBe('2468');
    expect(JSON.stringify(config.settings)).not.toContain('2468');
    writeFileSync(file, JSON.stringify({ adminPin: '12' }));
    expect(() => readConfigFile(file)).toThrow(/adminPin: the PIN needs at least 4 characters/);
  });

  it('names the bad field and does not touch the file', () => {
    const file = join(tmp(), 'c.json');
    const text = JSON.stringify({ upstreams: { rpaLogs: { idleTimeoutMs: 5 } } });
    writeFileSync(file, text);
    expect(() => readConfigFile(file)).toThrow(/upstreams\.rpaLogs\.idleTimeoutMs/);
    expect(readFileSync(file, 'utf8')).toBe(text);
    writeFileSync(file, '{oops');
    expect(() => readConfigFile(file)).toThrow(/not valid JSON/);
    expect(() => readConfigFile(join(tmp(), 'missing.json'))).toThrow(/ENOENT/);
  });
});

describe('secrets', () => {
  it('round-trips through an owner-only key file, never storing plaintext', () => {
    const dir = tmp();
    const cipher = new KeyFileCipher(join(dir, 'secret.key'));
    expect(statSync(join(dir, 'secret.key')).mode & 0o777).toBe(0o600);
    const vault = new SecretVault(join(dir, 'secrets.json'), cipher);
    const token = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbiJ9.c2lnbmF0dXJlLXNlY3JldA';
    vault.set('rpaLogs.token', token);
    const onDisk = readFileSync(join(dir, 'secrets.json'), 'utf8');
    expect(onDisk).not.toContain(token);
    expect(onDisk).not.toContain('c2lnbmF0dXJl');
    expect(statSync(join(dir, 'secrets.json')).mode & 0o777).toBe(0o600);
    const reopened = new SecretVault(join(dir, 'secrets.json'), new KeyFileCipher(join(dir, 'secret.key')));
    expect(reopened.get('rpaLogs.token')).toBe(token);
    expect(reopened.status()).toEqual([{ name: 'rpaLogs.token', present: true, masked: maskSecret(token), backend: 'keyfile' }]);
    expect(maskSecret(token)).toBe('eyJh…Y3JldA'.slice(0, 5) + token.slice(-4));
  });

  it('masks so that a token is recognisable but unusable', () => {
    expect(maskSecret('abcdefghijklmnop')).toBe('abcd…mnop');
    expect(maskSecret('short')).toBe('•••••');
  });

  it('tightens a key file others can read, and reports it', () => {
    const dir = tmp();
    const key = join(dir, 'secret.key');
    new KeyFileCipher(key);
    chmodSync(key, 0o644);
    const cipher = new KeyFileCipher(key);
    expect(statSync(key).mode & 0o777).toBe(0o600);
    expect(cipher.warnings[0]).toMatch(/readable by others/);
  });

  it('handles a corrupted secrets file with a clear message and keeps running', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'secrets.json'), '{"version":1,"entries":{"x":"AAAA"}}');
    const vault = new SecretVault(join(dir, 'secrets.json'), new KeyFileCipher(join(dir, 'secret.key')));
    expect(vault.warnings[0]).toMatch(/could not be decrypted.*Enter the tokens again/);
    expect(vault.get('x')).toBeUndefined();
    vault.set('x', 'new-value');
    expect(vault.get('x')).toBe('new-value');
  });

  it('keeps ephemeral (demo, --config) secrets in memory only', () => {
    const dir = tmp();
    const vault = new SecretVault(join(dir, 'secrets.json'), new KeyFileCipher(join(dir, 'secret.key')));
    vault.setEphemeral('evolution.apiKey', 'demo-key-123456');
    expect(vault.get('evolution.apiKey')).toBe('demo-key-123456');
    expect(readdirSync(dir)).not.toContain('secrets.json');
  });
});
