import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SoundCache, sniffAudio } from '../../src-main/core/sounds';
import { makeBeepWav } from '../../src-main/demo/wav';

const wav = makeBeepWav({ freqHz: 440, ms: 50 });
const mp3 = Buffer.concat([Buffer.from('ID3\x03\x00\x00\x00\x00\x00\x00', 'latin1'), Buffer.alloc(64)]);
const frame = Buffer.from([0xff, 0xfb, 0x90, 0x64, 0, 0, 0, 0]);
const ogg = Buffer.concat([Buffer.from('OggS'), Buffer.alloc(60)]);
let hits = 0;
let server: Server;
let base = '';

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
      default: res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

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
    const r = await c.resolve(`${base}/ok.wav`);
    expect(r).toMatchObject({ ok: true, kind: 'wav', src: expect.stringMatching(/^media\/sounds\/[0-9a-f]{40}\.wav$/) });
    if (!r.ok) throw new Error('expected ok');
    expect(readFileSync(r.file).equals(wav)).toBe(true);
    const before = hits;
    await c.resolve(`${base}/ok.wav`);
    // A new cache (a restart) finds the file on disk without the network.
    const again = await cache(dir).resolve(`${base}/ok.wav`);
    expect(again).toMatchObject({ ok: true, src: r.src });
    expect(hits).toBe(before);
    expect(await c.resolve(`${base}/ok.mp3`)).toMatchObject({ ok: true, kind: 'mp3' });
    expect(await c.resolve(`${base}/frame.mp3`)).toMatchObject({ ok: true, kind: 'mp3' });
    expect(await c.resolve(`${base}/ok.ogg`)).toMatchObject({ ok: true, kind: 'ogg' });
  });

  it('resolves the seed’s relative /static/sounds/… against the upstream URL', async () => {
    expect(await cache().resolve('/ok.wav')).toMatchObject({ ok: true });
  });

  it('refuses HTML pages, lying content types, oversized files, hangs, 404s, dead hosts and odd schemes', async () => {
    const c = cache();
    expect(await c.resolve(`${base}/page.mp3`)).toMatchObject({ ok: false, reason: expect.stringContaining('content-type text/html') });
    expect(await c.resolve(`${base}/lying.mp3`)).toMatchObject({ ok: false, reason: expect.stringContaining('does not look like') });
    expect(await c.resolve(`${base}/big.wav`)).toMatchObject({ ok: false, reason: expect.stringContaining('too large') });
    expect(await c.resolve(`${base}/hang.wav`)).toMatchObject({ ok: false, reason: expect.stringContaining('timed out') });
    expect(await c.resolve(`${base}/missing.wav`)).toMatchObject({ ok: false, reason: 'HTTP 404' });
    expect(await c.resolve('http://127.0.0.1:1/x.wav')).toMatchObject({ ok: false, reason: expect.stringContaining('unreachable') });
    expect(await c.resolve('file:///etc/passwd')).toMatchObject({ ok: false, reason: expect.stringContaining('not an http') });
  });

  it('chooses the bundled severity sound when the upstream one is unusable', async () => {
    const c = cache();
    expect(await c.choose(undefined, 'high')).toEqual({ src: 'resources/sounds/high.wav', bundled: true });
    expect(await c.choose(`${base}/page.mp3`, 'critical')).toMatchObject({ src: 'resources/sounds/critical.wav', bundled: true, reason: expect.any(String) });
    expect(await c.choose(`${base}/ok.wav`, 'critical')).toMatchObject({ bundled: false });
  });
});
