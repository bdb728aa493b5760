import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultSettings } from '../../src-main/contract/settings';
import type { Alert } from '../../src-main/contract/alerts';
import { alertsModule } from '../../src-main/core/alerts';
import { createCore, type Core } from '../../src-main/core/app-core';
import type { CoreContext } from '../../src-main/core/context';
import { SoundCache, sniffAudio } from '../../src-main/core/sounds';
import { KeyFileCipher } from '../../src-main/secrets/cipher';
import { makeBeepWav } from '../../src-main/demo/wav';

const wav = makeBeepWav({ freqHz: 440, ms: 50 });
const mp3 = Buffer.concat([Buffer.from('ID3\x03\x00\x00\x00\x00\x00\x00', 'latin1'), Buffer.alloc(64)]);
const frame = Buffer.from([0xff, 0xfb, 0x90, 0x64, 0, 0, 0, 0]);
const ogg = Buffer.concat([Buffer.from('OggS'), Buffer.alloc(60)]);
let hits = 0;
let server: Server;
let base = '';
/** Another host:port on the machine: main must never be made to fetch from it. */
let elsewhere: Server;
let elsewhereHits = 0;
let away = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    hits++;
    const send = (type: string, body: Buffer | string) => res.writeHead(200, { 'Content-Type': type }).end(body);
    switch (req.url) {
      case '/ok.wav': return send('audio/wav', wav);
      case '/ok.mp3': return send('audio/mpeg', mp3);
      case '/frame.mp3': return send('application/octet-stream', frame);
      case '/ok.ogg': return send('audio/ogg', ogg);
      case '/page.mp3': return send('text/html; charset=utf-8', '<!doctype html><h1>404</h1>');
      case '/lying.mp3': return send('audio/mpeg', '<!doctype html><h1>oops</h1>');
      case '/big.wav': return send('audio/wav', Buffer.concat([wav, Buffer.alloc(300_000)]));
      case '/hang.wav': return; // never answers
      case '/redir-same.wav': return void res.writeHead(302, { Location: '/ok.wav' }).end();
      case '/redir-away.wav': return void res.writeHead(302, { Location: `${away}/ok.wav` }).end();
      default: res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  elsewhere = createServer((_req, res) => {
    elsewhereHits++;
    res.writeHead(200, { 'Content-Type': 'audio/wav' }).end(wav);
  });
  await new Promise<void>((r) => elsewhere.listen(0, '127.0.0.1', r));
  away = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const s of [server, elsewhere]) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
  for (const core of cores) await core.close();
});
const cores: Core[] = [];

const cache = (dir = mkdtempSync(join(tmpdir(), 'snd-'))) => new SoundCache({ dir, maxBytes: 200_000, timeoutMs: 300, base: () => `ws://127.0.0.1:${base.split(':')[2]}/ws/dashboard_control/` });

describe('alert sounds fetched by main', () => {
  it('recognises WAV, MP3 (ID3 or frame sync) and Ogg by their first bytes, and nothing else', () => {
    expect(sniffAudio(wav)).toBe('wav');
    expect(sniffAudio(mp3)).toBe('mp3');
    expect(sniffAudio(frame)).toBe('mp3');
    expect(sniffAudio(ogg)).toBe('ogg');
    expect(sniffAudio(Buffer.from('<!doctype html>'))).toBeNull();
    expect(sniffAudio(Buffer.from('RIFF0000AVI '))).toBeNull();
    expect(sniffAudio(Buffer.alloc(0))).toBeNull();
  });

  it('downloads valid audio once, caches it on disk and reuses it offline', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'snd-'));
    const c = cache(dir);
    const r = await c.resolve(`${base}/ok.wav`, 'any');
    expect(r).toMatchObject({ ok: true, kind: 'wav', src: expect.stringMatching(/^media\/sounds\/[0-9a-f]{40}\.wav$/) });
    if (!r.ok) throw new Error('expected ok');
    expect(readFileSync(r.file).equals(wav)).toBe(true);
    // Cached files are private like the rest of the data folder, whatever the umask gives.
    expect(statSync(r.file).mode & 0o777).toBe(0o600);
    const before = hits;
    await c.resolve(`${base}/ok.wav`, 'any');
    // A new cache (a restart) finds the file on disk without the network.
    const again = await cache(dir).resolve(`${base}/ok.wav`, 'any');
    expect(again).toMatchObject({ ok: true, src: r.src });
    expect(hits).toBe(before);
    expect(await c.resolve(`${base}/ok.mp3`, 'any')).toMatchObject({ ok: true, kind: 'mp3' });
    expect(await c.resolve(`${base}/frame.mp3`, 'any')).toMatchObject({ ok: true, kind: 'mp3' });
    expect(await c.resolve(`${base}/ok.ogg`, 'any')).toMatchObject({ ok: true, kind: 'ogg' });
  });

  it('resolves the seed’s relative /static/sounds/… against the upstream URL', async () => {
    expect(await cache().resolve('/ok.wav', 'any')).toMatchObject({ ok: true });
  });

  it('refuses HTML pages, lying content types, oversized files, hangs, 404s, dead hosts and odd schemes', async () => {
    const c = cache();
    expect(await c.resolve(`${base}/page.mp3`, 'any')).toMatchObject({ ok: false, reason: expect.stringContaining('content-type text/html') });
    expect(await c.resolve(`${base}/lying.mp3`, 'any')).toMatchObject({ ok: false, reason: expect.stringContaining('does not look like') });
    expect(await c.resolve(`${base}/big.wav`, 'any')).toMatchObject({ ok: false, reason: expect.stringContaining('too large') });
    expect(await c.resolve(`${base}/hang.wav`, 'any')).toMatchObject({ ok: false, reason: expect.stringContaining('timed out') });
    expect(await c.resolve(`${base}/missing.wav`, 'any')).toMatchObject({ ok: false, reason: 'HTTP 404' });
    expect(await c.resolve('http://127.0.0.1:1/x.wav', 'any')).toMatchObject({ ok: false, reason: expect.stringContaining('unreachable') });
    expect(await c.resolve('file:///etc/passwd', 'any')).toMatchObject({ ok: false, reason: expect.stringContaining('not an http') });
  });

  it('chooses the bundled severity sound when the upstream one is unusable', async () => {
    const c = cache();
    expect(await c.choose(undefined, 'high', 'any')).toEqual({ src: 'resources/sounds/high.wav', bundled: true });
    expect(await c.choose(`${base}/page.mp3`, 'critical', 'any')).toMatchObject({ src: 'resources/sounds/critical.wav', bundled: true, reason: expect.any(String) });
    expect(await c.choose(`${base}/ok.wav`, 'critical', 'any')).toMatchObject({ bundled: false });
  });
});

describe('whose URLs main fetches (issue 12, item 8)', () => {
  it('an upstream’s sound only from that upstream’s origin; redirects only within the origin', async () => {
    const c = cache();
    const before = elsewhereHits;
    expect(await c.resolve(`${away}/ok.wav`, [base])).toMatchObject({ ok: false, reason: expect.stringContaining('not from the upstream') });
    expect(await c.resolve(`${base}/redir-same.wav`, [base])).toMatchObject({ ok: true, kind: 'wav' });
    expect(await c.resolve(`${base}/redir-away.wav`, [base])).toMatchObject({ ok: false, reason: expect.stringContaining('redirected to another origin') });
    // Even an admin's own URL does not follow a redirect off its origin.
    expect(await cache().resolve(`${base}/redir-away.wav`, 'any')).toMatchObject({ ok: false, reason: expect.stringContaining('redirected to another origin') });
    expect(elsewhereHits).toBe(before);
  });

  let alerts: CoreContext['alerts'];
  async function boot(): Promise<Core> {
    const dataDir = mkdtempSync(join(tmpdir(), 'snd-core-'));
    const settings = defaultSettings();
    // The dashboard upstream lives on `base`; its alerts may name sounds there only.
    settings.upstreams.dashboard.url = `ws://${base.slice('http://'.length)}/ws/dashboard_control/`;
    settings.upstreams.dashboard.enabled = false;
    const core = await createCore({ host: 'web', version: 'test', dataDir, cipher: new KeyFileCipher(join(dataDir, 'k')), demo: false, config: { settings, secrets: {} }, modules: [alertsModule, (ctx) => ((alerts = ctx.alerts), { name: 'probe', start: () => undefined, stop: () => undefined })] });
    cores.push(core);
    return core;
  }

  it('alerts.resolveSound: a non-admin caller gets no fetch of other hosts and no reason; an admin gets both', async () => {
    const core = await boot();
    const before = elsewhereHits;
    const resolve = async (url: string, trusted: boolean) => {
      const r = await core.commands.dispatch('alerts.resolveSound', { url, severity: 'high' }, { host: 'web', trusted, session: trusted ? 'admin' : 'lan' });
      if (!r.ok) throw new Error(r.error.message);
      return r.value as { src: string; bundled: boolean; reason?: string };
    };
    // A page or process that reaches the bridge: no probe of other ports, no "unreachable" / "HTTP 404" / "not audio".
    expect(await resolve(`${away}/ok.wav`, false)).toEqual({ src: 'resources/sounds/high.wav', bundled: true, reason: 'unavailable' });
    expect(await resolve('http://127.0.0.1:1/x.wav', false)).toEqual({ src: 'resources/sounds/high.wav', bundled: true, reason: 'unavailable' });
    expect(await resolve(`${base}/missing.wav`, false)).toEqual({ src: 'resources/sounds/high.wav', bundled: true, reason: 'unavailable' });
    expect(elsewhereHits).toBe(before);
    // The configured upstream's own sounds still play for everyone (relative ones too).
    expect(await resolve(`${base}/ok.wav`, false)).toMatchObject({ bundled: false, src: expect.stringMatching(/^media\/sounds\//) });
    expect(await resolve('/ok.mp3', false)).toMatchObject({ bundled: false });
    // An admin may try any URL and is told why it failed.
    expect(await resolve('http://127.0.0.1:1/x.wav', true)).toMatchObject({ bundled: true, reason: expect.stringContaining('unreachable') });
    expect(await resolve(`${away}/ok.wav`, true)).toMatchObject({ bundled: false });
  });

  it('a dashboard alert naming a sound on another host plays the bundled sound; main never fetches it', async () => {
    const core = await boot();
    // The alert once main has resolved its sound: the `alerts.changed` event that carries it.
    const resolved = (suffix: string) =>
      new Promise<Alert>((done) => {
        const off = core.hub.on('alerts.changed', (a) => {
          if (!a.key.endsWith(suffix) || !a.sound) return;
          off();
          done(a);
        });
      });
    const [xResolved, yResolved] = [resolved(':x'), resolved(':y')];
    const before = elsewhereHits;
    alerts.raise({ source: 'dashboard', severity: 'critical', key: 'dashboard:critical_alert:x', title: 'x', soundUrl: `${away}/ok.wav` });
    alerts.raise({ source: 'dashboard', severity: 'critical', key: 'dashboard:critical_alert:y', title: 'y', soundUrl: `${base}/ok.wav` });
    const [x, y] = await Promise.all([xResolved, yResolved]);
    expect(x.sound).toMatchObject({ bundled: true, src: 'resources/sounds/critical.wav', reason: expect.stringContaining('not from the upstream') });
    expect(y.sound).toMatchObject({ bundled: false });
    expect(elsewhereHits).toBe(before);
  });
});
