import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Severity } from '../contract';
import { privateDirMode, privateFileMode } from './data-dir';
import type { SoundChoice } from '../contract/alerts';

/**
 * Upstream alert sounds (`soundUrl`), fetched by main — never by the renderer — with a size
 * cap, a timeout, a content-type check and a magic-bytes check (RIFF/WAVE, ID3 or an MPEG
 * frame, OggS). Good files are cached on disk under `<dataDir>/media/sounds/<sha256>.<ext>`
 * and served by both hosts at `media/sounds/…`; anything else falls back to the bundled
 * severity sound in `resources/sounds/`.
 *
 * Whose URLs main fetches: a sound named by an upstream only from that upstream's own origin,
 * and a redirect only within the origin it started from — otherwise any upstream, or any page
 * or process that can call `alerts.resolveSound`, could make main probe the network for it
 * (which hosts answer, on which ports, with what) and read the answer in the failure reason.
 */

export type AudioKind = 'wav' | 'mp3' | 'ogg';

export interface SoundCacheOptions {
  /** Folder for cached files (both hosts serve `<dataDir>/media` at `/media/`). */
  dir: string;
  maxBytes?: number;
  timeoutMs?: number;
  /** Failures are remembered this long before the URL is tried again. */
  failureTtlMs?: number;
  /** Base URL for relative `soundUrl`s (the seed's `/static/sounds/notification.mp3`). */
  base?: () => string | undefined;
  fetch?: typeof fetch;
  maxFiles?: number;
}

export const bundledSound = (severity: Severity): string => `resources/sounds/${severity}.wav`;

/** What the first bytes say the file is, or null when it is not audio we can play. */
export function sniffAudio(bytes: Uint8Array): AudioKind | null {
  const ascii = (from: number, to: number) => String.fromCharCode(...bytes.subarray(from, to));
  if (bytes.length >= 12 && ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WAVE') return 'wav';
  if (bytes.length >= 4 && ascii(0, 4) === 'OggS') return 'ogg';
  if (bytes.length >= 3 && ascii(0, 3) === 'ID3') return 'mp3';
  // MPEG audio frame sync: 11 set bits, a valid version/layer and bitrate index.
  if (bytes.length >= 4 && bytes[0] === 0xff && (bytes[1]! & 0xe0) === 0xe0 && (bytes[1]! & 0x18) !== 0x08 && (bytes[1]! & 0x06) !== 0 && (bytes[2]! & 0xf0) !== 0xf0) return 'mp3';
  return null;
}

const audioTypes = /^(audio\/[\w.+-]+|application\/ogg|application\/octet-stream|binary\/octet-stream)$/i;

export type SoundResult = { ok: true; file: string; src: string; kind: AudioKind; bytes: number } | { ok: false; reason: string };

/** Where a sound may come from: these origins only (`http://host:port`), or `any` (an admin's own URL). */
export type SoundOrigins = readonly string[] | 'any';

const MAX_REDIRECTS = 5;

/** The http(s) origin of an upstream URL (`ws://h:p/path` → `http://h:p`), or null. */
export function httpOrigin(url: string): string | null {
  try {
    const parsed = new URL(url.replace(/^ws(s?):/i, 'http$1:'));
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.origin : null;
  } catch {
    return null;
  }
}

export class SoundCache {
  private readonly memo = new Map<string, { result: SoundResult; at: number }>();
  private readonly inflight = new Map<string, Promise<SoundResult>>();
  private readonly maxBytes: number;
  private readonly timeoutMs: number;

  constructor(private readonly options: SoundCacheOptions) {
    this.maxBytes = options.maxBytes ?? 2 * 1024 * 1024;
    this.timeoutMs = options.timeoutMs ?? 5_000;
  }

  /** Absolute http(s) URL for a soundUrl, or null if it cannot be one. */
  absolute(url: string): string | null {
    try {
      const base = this.options.base?.();
      const parsed = new URL(url, base ? base.replace(/^ws/, 'http') : undefined);
      return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : null;
    } catch {
      return null;
    }
  }

  /** The sound to play for an alert: the validated upstream file, else the bundled one. */
  async choose(url: string | undefined, severity: Severity, origins: SoundOrigins): Promise<SoundChoice> {
    if (!url) return { src: bundledSound(severity), bundled: true };
    const result = await this.resolve(url, origins);
    return result.ok ? { src: result.src, bundled: false } : { src: bundledSound(severity), bundled: true, reason: result.reason };
  }

  resolve(url: string, origins: SoundOrigins): Promise<SoundResult> {
    const href = this.absolute(url);
    if (!href) return Promise.resolve({ ok: false, reason: `not an http(s) URL: ${url.slice(0, 120)}` });
    const origin = new URL(href).origin;
    if (origins !== 'any' && !origins.includes(origin)) return Promise.resolve({ ok: false, reason: `not from the upstream's own origin (${origin.slice(0, 120)})` });
    const memo = this.memo.get(href);
    if (memo && (memo.result.ok ? existsSync(memo.result.file) : Date.now() - memo.at < (this.options.failureTtlMs ?? 60_000))) return Promise.resolve(memo.result);
    const cached = this.onDisk(href);
    if (cached) {
      this.memo.set(href, { result: cached, at: Date.now() });
      return Promise.resolve(cached);
    }
    let pending = this.inflight.get(href);
    if (!pending) {
      pending = this.download(href).then((result) => {
        this.memo.set(href, { result, at: Date.now() });
        this.inflight.delete(href);
        return result;
      });
      this.inflight.set(href, pending);
    }
    return pending;
  }

  private nameOf(href: string): string {
    return createHash('sha256').update(href).digest('hex').slice(0, 40);
  }

  private onDisk(href: string): SoundResult | null {
    const name = this.nameOf(href);
    for (const kind of ['wav', 'mp3', 'ogg'] as const) {
      const file = join(this.options.dir, `${name}.${kind}`);
      if (existsSync(file)) return { ok: true, file, src: `media/sounds/${name}.${kind}`, kind, bytes: statSync(file).size };
    }
    return null;
  }

  private async download(href: string): Promise<SoundResult> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.timeoutMs);
    try {
      const response = await this.fetchSameOrigin(href, controller.signal);
      if (!response.ok) return { ok: false, reason: response.status >= 300 && response.status < 400 ? `redirected to another origin (HTTP ${response.status})` : `HTTP ${response.status}` };
      const type = (response.headers.get('content-type') ?? '').split(';')[0]!.trim();
      if (type && !audioTypes.test(type)) {
        await response.body?.cancel();
        return { ok: false, reason: `not audio (content-type ${type})` };
      }
      const declared = Number(response.headers.get('content-length') ?? NaN);
      if (declared > this.maxBytes) {
        await response.body?.cancel();
        return { ok: false, reason: `too large (${declared} bytes > ${this.maxBytes})` };
      }
      const chunks: Uint8Array[] = [];
      let size = 0;
      const reader = response.body?.getReader();
      if (!reader) return { ok: false, reason: 'empty body' };
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        size += value.byteLength;
        if (size > this.maxBytes) {
          await reader.cancel();
          return { ok: false, reason: `too large (over ${this.maxBytes} bytes)` };
        }
        chunks.push(value);
      }
      const bytes = Buffer.concat(chunks);
      const kind = sniffAudio(bytes);
      if (!kind) return { ok: false, reason: `not audio (content does not look like WAV, MP3 or Ogg${type ? `; content-type ${type}` : ''})` };
      // Private like the rest of the data folder (docs/security.md): not the umask's 0644.
      mkdirSync(this.options.dir, { recursive: true, mode: privateDirMode });
      const name = this.nameOf(href);
      const file = join(this.options.dir, `${name}.${kind}`);
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, bytes, { mode: privateFileMode });
      renameSync(tmp, file);
      this.trim();
      return { ok: true, file, src: `media/sounds/${name}.${kind}`, kind, bytes: bytes.length };
    } catch (error) {
      const e = error as Error & { cause?: { code?: string } };
      if (e.name === 'AbortError') return { ok: false, reason: `timed out after ${this.timeoutMs} ms` };
      return { ok: false, reason: `unreachable (${e.cause?.code ?? e.message})` };
    } finally {
      clearTimeout(timer);
    }
  }

  /** GET `href`, following redirects only while they stay on its origin (a 3xx that leaves it is returned as is). */
  private async fetchSameOrigin(href: string, signal: AbortSignal): Promise<Response> {
    const origin = new URL(href).origin;
    let url = href;
    for (let hop = 0; ; hop++) {
      const response = await (this.options.fetch ?? fetch)(url, { signal, redirect: 'manual', headers: { accept: 'audio/*' } });
      const location = response.headers.get('location');
      if (response.status < 300 || response.status >= 400 || !location || hop >= MAX_REDIRECTS) return response;
      let next: URL;
      try {
        next = new URL(location, url);
      } catch {
        return response;
      }
      if (next.origin !== origin) return response;
      await response.body?.cancel().catch(() => undefined);
      url = next.href;
    }
  }

  /** Keep the cache folder bounded: oldest files go first. */
  private trim(): void {
    const max = this.options.maxFiles ?? 200;
    try {
      const files = readdirSync(this.options.dir)
        .filter((f) => /\.(wav|mp3|ogg)$/.test(f))
        .map((f) => ({ f, t: statSync(join(this.options.dir, f)).mtimeMs }))
        .sort((a, b) => a.t - b.t);
      for (const { f } of files.slice(0, Math.max(0, files.length - max))) unlinkSync(join(this.options.dir, f));
    } catch {
      /* best effort */
    }
  }
}
