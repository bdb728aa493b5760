import { mkdirSync, mkdtempSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { askNewPin, readHidden } from '../../src-main/admin/pin-prompt';
import { PinStore } from '../../src-main/admin/pin';
import { provisionRequest, removeKiosk, setupKiosk, type ProvisionHost } from '../../src-main/admin/provision';
import { exportSettings } from '../../src-main/admin/settings-transfer';
import { defaultSettings } from '../../src-main/contract/settings';
import type { AutostartEnv } from '../../src-main/core/kiosk';
import { Storage } from '../../src-main/core/storage';
import { KeyFileCipher } from '../../src-main/secrets/cipher';
import { SecretVault } from '../../src-main/secrets/vault';
import { until } from './until';

const appImageEnv: AutostartEnv = { platform: 'linux', packaged: true, execPath: '/tmp/.mount_OpsCoXyZ/ops-console', appPath: '/tmp/.mount_OpsCoXyZ/resources/app.asar', appImage: '/home/noc/Apps/Ops Console.AppImage' };
const optEnv: AutostartEnv = { platform: 'linux', packaged: true, execPath: '/opt/Ops Console/ops-console', appPath: '/opt/Ops Console/resources/app.asar' };

function machine(env: AutostartEnv = appImageEnv, askPin: ProvisionHost['askPin'] = async () => null) {
  const home = mkdtempSync(join(tmpdir(), 'provision-'));
  const dataDir = join(home, '.config', 'Ops Console');
  const xdgConfigHome = join(home, '.config');
  const loginItems: Array<{ openAtLogin: boolean; args: string[] }> = [];
  const host: ProvisionHost = {
    dataDir,
    cipher: () => new KeyFileCipher(join(dataDir, 'secret.key')),
    autostart: env,
    xdgConfigHome,
    setLoginItem: (openAtLogin, args) => loginItems.push({ openAtLogin, args }),
    askPin,
    pinPolicy: { freeAttempts: 5, lockoutMs: 30_000, maxLockoutMs: 60_000, poolFreeAttempts: 20, cost: 2 ** 10 },
  };
  const entry = join(xdgConfigHome, 'autostart', 'ops-console.desktop');
  const settingsFile = join(dataDir, 'settings.json');
  const settings = () => JSON.parse(readFileSync(settingsFile, 'utf8'));
  const pinMatches = async (pin: string) => {
    const storage = Storage.open(join(dataDir, 'console.db'));
    try {
      return await new PinStore(storage, host.pinPolicy).matches(pin);
    } finally {
      storage.close();
    }
  };
  const file = (name: string, content: unknown) => {
    const path = join(home, name);
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
    return path;
  };
  return { home, host, entry, settingsFile, settings, pinMatches, file, loginItems };
}

const goodConfig = { upstreams: { rpaLogs: { url: 'https://rpa.example.net' } }, secrets: { 'rpaLogs.token': 'tok-123456789' }, adminPin: '4821' };

describe('kiosk provisioning (--setup-kiosk / --remove-kiosk)', () => {
  it('imports the settings, stores the secrets and the PIN, turns kiosk mode on and autostarts the AppImage file', async () => {
    const m = machine();
    const outcome = await setupKiosk(m.file('kiosk.json', goodConfig), m.host);
    expect(outcome).toMatchObject({ code: 'kiosk-ready', exitCode: 0 });
    expect(outcome.message).not.toContain('\n');
    expect(m.settings().kiosk).toMatchObject({ enabled: true, autostart: true });
    expect(m.settings().upstreams.rpaLogs.url).toBe('https://rpa.example.net');
    expect(await m.pinMatches('4821')).toBe(true);
    expect(new SecretVault(join(m.host.dataDir, 'secrets.json'), m.host.cipher()).get('rpaLogs.token')).toBe('tok-123456789');
    // The AppImage file, not the mount point that vanishes when it exits.
    expect(readFileSync(m.entry, 'utf8')).toContain('Exec="/home/noc/Apps/Ops Console.AppImage" --kiosk\n');
    expect(readFileSync(m.entry, 'utf8')).not.toContain('.mount_');
  });

  it('a deb/tar install autostarts its /opt binary', async () => {
    const m = machine(optEnv);
    expect((await setupKiosk(m.file('kiosk.json', goodConfig), m.host)).code).toBe('kiosk-ready');
    expect(readFileSync(m.entry, 'utf8')).toContain('Exec="/opt/Ops Console/ops-console" --kiosk\n');
  });

  it('refuses a mounted AppImage binary without $APPIMAGE (the entry would point at a vanished mount)', async () => {
    const m = machine({ ...appImageEnv, appImage: undefined });
    const outcome = await setupKiosk(m.file('kiosk.json', goodConfig), m.host);
    expect(outcome).toMatchObject({ code: 'not-installed', exitCode: 5 });
    expect(existsSync(m.entry)).toBe(false);
    expect(existsSync(m.settingsFile)).toBe(false);
  });

  it('Windows and macOS get a login item instead of an XDG entry', async () => {
    const m = machine({ platform: 'win32', packaged: true, execPath: 'C:\\Program Files\\Ops Console\\Ops Console.exe', appPath: '' });
    expect((await setupKiosk(m.file('kiosk.json', goodConfig), m.host)).code).toBe('kiosk-ready');
    expect(m.loginItems).toEqual([{ openAtLogin: true, args: ['--kiosk'] }]);
    expect(existsSync(m.entry)).toBe(false);
    expect((await removeKiosk(m.host)).code).toBe('kiosk-removed');
    expect(m.loginItems.at(-1)).toEqual({ openAtLogin: false, args: ['--kiosk'] });
  });

  it('is idempotent: a second run leaves the same settings, entry and PIN', async () => {
    const m = machine();
    const config = m.file('kiosk.json', goodConfig);
    await setupKiosk(config, m.host);
    const first = { settings: readFileSync(m.settingsFile, 'utf8'), entry: readFileSync(m.entry, 'utf8') };
    const pinRecord = () => {
      const storage = Storage.open(join(m.host.dataDir, 'console.db'));
      try {
        return storage.getJson('admin.pin');
      } finally {
        storage.close();
      }
    };
    const firstPin = pinRecord();
    expect((await setupKiosk(config, m.host)).code).toBe('kiosk-ready');
    expect(readFileSync(m.settingsFile, 'utf8')).toBe(first.settings);
    expect(readFileSync(m.entry, 'utf8')).toBe(first.entry);
    expect(pinRecord()).toEqual(firstPin);
  });

  it('keeps the kiosk’s own dashboard identity when the file leaves it empty', async () => {
    const m = machine();
    await setupKiosk(m.file('kiosk.json', goodConfig), m.host);
    const current = m.settings();
    current.upstreams.dashboard.clientId = 'Kiosk-AB12C';
    writeFileSync(m.settingsFile, JSON.stringify(current));
    await setupKiosk(m.file('kiosk.json', goodConfig), m.host);
    expect(m.settings().upstreams.dashboard.clientId).toBe('Kiosk-AB12C');
  });

  it('--remove-kiosk removes the entry and turns kiosk mode off, keeping the other settings', async () => {
    const m = machine();
    await setupKiosk(m.file('kiosk.json', goodConfig), m.host);
    const outcome = await removeKiosk(m.host);
    expect(outcome).toMatchObject({ code: 'kiosk-removed', exitCode: 0 });
    expect(existsSync(m.entry)).toBe(false);
    expect(m.settings().kiosk).toMatchObject({ enabled: false, autostart: false });
    expect(m.settings().upstreams.rpaLogs.url).toBe('https://rpa.example.net');
    expect(await m.pinMatches('4821')).toBe(true);
    expect((await removeKiosk(m.host)).code).toBe('kiosk-removed'); // twice: same state
  });

  it.each([
    ['not JSON', '{ "upstreams": '],
    ['a bad URL', { upstreams: { rpaLogs: { url: 'ftp://x' } }, adminPin: '4821' }],
    ['a too-short PIN', { adminPin: '12' }],
    ['a bad admin section', { extra: { admin: { autoLockMinutes: -1 } }, adminPin: '4821' }],
  ])('a settings file with %s is refused with one line and nothing written', async (_name, content) => {
    const m = machine();
    const outcome = await setupKiosk(m.file('kiosk.json', content), m.host);
    expect(outcome).toMatchObject({ code: 'bad-config', exitCode: 3 });
    expect(outcome.message).toMatch(/^bad settings file: .*kiosk\.json.* — nothing was changed$/);
    expect(existsSync(m.settingsFile)).toBe(false);
    expect(existsSync(m.entry)).toBe(false);
  });

  it('a missing file is a bad config', async () => {
    const m = machine();
    expect((await setupKiosk(join(m.home, 'nope.json'), m.host)).code).toBe('bad-config');
  });

  it('without a PIN in the file and no terminal, it refuses and writes nothing', async () => {
    const notATty = Object.assign(new PassThrough(), { isTTY: false });
    const m = machine(appImageEnv, () => askNewPin(notATty, new PassThrough()));
    const outcome = await setupKiosk(m.file('kiosk.json', { ...goodConfig, adminPin: undefined }), m.host);
    expect(outcome).toMatchObject({ code: 'pin-required', exitCode: 4 });
    expect(existsSync(m.settingsFile)).toBe(false);
    expect(existsSync(m.entry)).toBe(false);
  });

  it('asks for the PIN on a terminal (twice, without echo) when the file has none', async () => {
    const { input, output, written } = fakeTerminal();
    const m = machine(appImageEnv, () => askNewPin(input, output));
    const run = setupKiosk(m.file('kiosk.json', { ...goodConfig, adminPin: undefined }), m.host);
    await until('the PIN question', () => written().includes('Admin PIN: '));
    input.write('93x\u007f71\r');
    await until('the second PIN question', () => written().includes('again'));
    input.write('9371\r');
    expect((await run).code).toBe('kiosk-ready');
    expect(await m.pinMatches('9371')).toBe(true);
    expect(written()).not.toContain('9371');
  });

  it('two different typed PINs are refused', async () => {
    const { input, output, written } = fakeTerminal();
    const m = machine(appImageEnv, () => askNewPin(input, output));
    const run = setupKiosk(m.file('kiosk.json', { ...goodConfig, adminPin: undefined }), m.host);
    await until('the PIN question', () => written().includes('Admin PIN: '));
    input.write('9371\r');
    await until('the second PIN question', () => written().includes('again'));
    input.write('9372\r');
    expect((await run).code).toBe('bad-pin');
    expect(existsSync(m.settingsFile)).toBe(false);
  });

  it('accepts an admin export (settings only without its passphrase)', async () => {
    const m = machine();
    const settings = { ...defaultSettings(), language: 'en' as const };
    const { content } = await exportSettings(settings, {}, undefined);
    const outcome = await setupKiosk(m.file('export.json', { ...JSON.parse(content) }), m.host);
    // An export carries no PIN: none in the file, no terminal.
    expect(outcome.code).toBe('pin-required');
  });

  it('a write failure leaves neither the entry nor changed settings behind', async () => {
    const m = machine();
    mkdirSync(m.host.dataDir, { recursive: true });
    writeFileSync(m.settingsFile, JSON.stringify({ ...defaultSettings(), language: 'en' }));
    const before = readFileSync(m.settingsFile, 'utf8');
    m.host.cipher = () => {
      throw new Error('secret storage locked');
    };
    const outcome = await setupKiosk(m.file('kiosk.json', goodConfig), m.host);
    expect(outcome).toMatchObject({ code: 'write-failed', exitCode: 1 });
    expect(outcome.message).toContain('secret storage locked');
    expect(readFileSync(m.settingsFile, 'utf8')).toBe(before);
    expect(existsSync(m.entry)).toBe(false);
  });

  it('reads the flags from a command line with Chromium switches mixed in', () => {
    expect(provisionRequest(['/opt/x/ops-console', '--no-sandbox'])).toBeNull();
    expect(provisionRequest(['/opt/x/ops-console', '--setup-kiosk', '--config', '/etc/k.json'])).toEqual({ action: 'setup', config: '/etc/k.json' });
    expect(provisionRequest(['electron', '.', '--config=/etc/k.json', '--setup-kiosk'])).toEqual({ action: 'setup', config: '/etc/k.json' });
    expect(provisionRequest(['x', '--remove-kiosk'])).toEqual({ action: 'remove' });
    expect(provisionRequest(['x', '--setup-kiosk'])).toMatchObject({ action: 'usage' });
    expect(provisionRequest(['x', '--setup-kiosk', '--config'])).toMatchObject({ action: 'usage' });
    expect(provisionRequest(['x', '--setup-kiosk', '--remove-kiosk', '--config', 'f'])).toMatchObject({ action: 'usage' });
  });

  it('readHidden: no terminal, no question; Ctrl+C cancels', async () => {
    const plain = new PassThrough();
    expect(await readHidden(plain, plain, 'PIN: ')).toBeNull();
    const { input, output } = fakeTerminal();
    const answer = readHidden(input, output, 'PIN: ');
    input.write('12\u0003');
    expect(await answer).toBeNull();
  });
});

function fakeTerminal() {
  const input = Object.assign(new PassThrough(), { isTTY: true, raw: false, setRawMode(mode: boolean) { input.raw = mode; return input; } });
  const chunks: string[] = [];
  const output = { write: (text: string) => chunks.push(text) };
  return { input, output, written: () => chunks.join('') };
}
