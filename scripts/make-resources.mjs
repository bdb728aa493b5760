#!/usr/bin/env node
/**
 * Generates the bundled resources, so alerts and icons work offline and the repository holds
 * a reproducible recipe instead of opaque binaries:
 *   resources/sounds/{critical,high,medium,low,info}.wav  (PCM 16-bit mono 22050 Hz)
 *   resources/icon.png (512×512), resources/tray.png and resources/tray-alert.png (32×32)
 *   resources/icons/{16,24,32,48,64,128,256,512}x….png (the installers' icon set: electron-builder
 *   makes the .desktop icons, the Windows .ico and the macOS .icns from it)
 * Plain Node, no dependencies: `node scripts/make-resources.mjs`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = (...parts) => join(root, 'resources', ...parts);

// ---- sounds ----------------------------------------------------------------------------

const RATE = 22050;

/**
 * One note: a sine with a little 2nd/3rd harmonic (cuts through fan and room noise better
 * than a pure sine) and a short attack/release so note edges never click.
 * `decay` (per second) turns a sustained beep into a bell-like chime.
 */
function note(buffer, { at, dur, freq, amp, decay = 0, attack = 0.006, release = 0.02 }) {
  const start = Math.round(at * RATE);
  const count = Math.round(dur * RATE);
  for (let i = 0; i < count && start + i < buffer.length; i++) {
    const t = i / RATE;
    const edge = Math.min(1, t / attack, (dur - t) / release);
    const env = Math.max(0, edge) * Math.exp(-decay * t);
    const phase = 2 * Math.PI * freq * t;
    const wave = Math.sin(phase) + 0.25 * Math.sin(2 * phase) + 0.1 * Math.sin(3 * phase);
    buffer[start + i] += (amp * env * wave) / 1.35;
  }
}

function render(seconds, notes) {
  const buffer = new Float64Array(Math.round(seconds * RATE));
  for (const n of notes) note(buffer, n);
  // Whole-clip fade in/out as a second guard against clicks at the ends.
  const fadeIn = Math.round(0.005 * RATE);
  const fadeOut = Math.round(0.03 * RATE);
  for (let i = 0; i < fadeIn; i++) buffer[i] *= i / fadeIn;
  for (let i = 0; i < fadeOut; i++) buffer[buffer.length - 1 - i] *= i / fadeOut;
  return buffer;
}

function wav(samples) {
  const data = Buffer.alloc(samples.length * 2);
  samples.forEach((s, i) => data.writeInt16LE(Math.round(Math.max(-1, Math.min(1, s)) * 32767), i * 2));
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVE', 8);
  header.write('fmt ', 12);
  header.writeUInt32LE(16, 16); // fmt chunk size
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(RATE, 24);
  header.writeUInt32LE(RATE * 2, 28); // byte rate
  header.writeUInt16LE(2, 32); // block align
  header.writeUInt16LE(16, 34); // bits per sample
  header.write('data', 36);
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

const seq = (count, step, make) => Array.from({ length: count }, (_, i) => make(i * step, i));

const sounds = {
  // Urgent hi-lo two-tone (like a siren), 8 × 150 ms = 1.2 s, loud.
  critical: render(1.2, seq(8, 0.15, (at, i) => ({ at, dur: 0.14, freq: i % 2 ? 740 : 988, amp: 0.85 }))),
  // Three firm beeps at one pitch, ~0.8 s.
  high: render(0.8, seq(3, 0.27, (at) => ({ at, dur: 0.18, freq: 880, amp: 0.7, release: 0.03 }))),
  // Two-note rising chime, softer, ~0.6 s.
  medium: render(0.6, [
    { at: 0, dur: 0.3, freq: 659, amp: 0.42, decay: 4 },
    { at: 0.16, dur: 0.44, freq: 880, amp: 0.42, decay: 5 },
  ]),
  // One soft low chime, ~0.45 s.
  low: render(0.45, [{ at: 0, dur: 0.45, freq: 523, amp: 0.4, decay: 7, attack: 0.01 }]),
  // A short gentle blip, 0.2 s.
  info: render(0.2, [{ at: 0, dur: 0.2, freq: 1047, amp: 0.32, decay: 14, attack: 0.008 }]),
};

mkdirSync(out('sounds'), { recursive: true });
for (const [name, samples] of Object.entries(sounds)) writeFileSync(out('sounds', `${name}.wav`), wav(samples));

// ---- PNG encoder -----------------------------------------------------------------------

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}
/** RGBA, 8 bits per channel, no interlace; every row uses filter 0 (zlib does the rest). */
function png(width, height, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // colour type RGBA
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) rgba.copy(raw, y * (width * 4 + 1) + 1, y * width * 4, (y + 1) * width * 4);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

// ---- icon drawing (signed distances give anti-aliasing for free) -----------------------

const hex = (h) => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16));
const mix = (a, b, t) => a.map((v, i) => v + (b[i] - v) * t);
const clamp01 = (v) => Math.max(0, Math.min(1, v));

function roundedRectSdf(px, py, x0, y0, x1, y1, r) {
  const cx = (x0 + x1) / 2;
  const cy = (y0 + y1) / 2;
  const qx = Math.abs(px - cx) - ((x1 - x0) / 2 - r);
  const qy = Math.abs(py - cy) - ((y1 - y0) / 2 - r);
  return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - r;
}

function segmentDistance(px, py, [ax, ay], [bx, by]) {
  const dx = bx - ax;
  const dy = by - ay;
  const t = clamp01(((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy));
  return Math.hypot(px - ax - t * dx, py - ay - t * dy);
}

/** Porter-Duff "over" of a straight-alpha colour onto a straight-alpha pixel. */
function over(dst, color, alpha) {
  const a = alpha + dst[3] * (1 - alpha);
  if (a <= 0) return [0, 0, 0, 0];
  const c = [0, 1, 2].map((i) => (color[i] * alpha + dst[i] * dst[3] * (1 - alpha)) / a);
  return [...c, a];
}

/**
 * A rounded square with a vertical gradient and a heartbeat trace with a soft glow and a
 * bright "live" dot at its end. Sizes are fractions of the icon so one recipe serves all.
 */
function drawIcon(size, style) {
  const pad = size * style.pad;
  const radius = size * style.radius;
  const lineHalf = (size * style.line) / 2;
  const glow = size * style.glow;
  const inner = size - 2 * pad;
  const points = style.points.map(([x, y]) => [pad + x * inner, pad + y * inner]);
  const [dotX, dotY] = points.at(-1);
  const dotR = style.dot === false ? 0 : lineHalf * 1.9;
  const [top, bottom, lineColor, dotColor, rim] = [style.top, style.bottom, style.lineColor, style.dotColor, style.rim].map(hex);

  const pixels = Buffer.alloc(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const px = x + 0.5;
      const py = y + 0.5;
      const box = roundedRectSdf(px, py, pad, pad, size - pad, size - pad, radius);
      const cover = clamp01(0.5 - box);
      if (cover <= 0) continue;

      let pixel = [...mix(top, bottom, (py - pad) / inner), cover];
      // A faint rim just inside the edge gives the square some depth on dark desktops.
      if (style.rimWidth) pixel = over(pixel, rim, 0.35 * clamp01(1 - Math.abs(box + style.rimWidth * size) / (style.rimWidth * size)) * cover);

      let d = Infinity;
      for (let i = 1; i < points.length; i++) d = Math.min(d, segmentDistance(px, py, points[i - 1], points[i]));
      if (glow > 0 && d > lineHalf) pixel = over(pixel, lineColor, 0.35 * Math.exp(-(((d - lineHalf) / glow) ** 2)) * cover);
      pixel = over(pixel, lineColor, clamp01(lineHalf + 0.5 - d) * cover);
      const dot = Math.hypot(px - dotX, py - dotY);
      if (glow > 0 && dotR > 0) pixel = over(pixel, dotColor, 0.5 * Math.exp(-((Math.max(0, dot - dotR) / (glow * 1.2)) ** 2)) * cover);
      pixel = over(pixel, dotColor, clamp01(dotR + 0.5 - dot) * cover);

      const o = (y * size + x) * 4;
      pixels[o] = Math.round(pixel[0]);
      pixels[o + 1] = Math.round(pixel[1]);
      pixels[o + 2] = Math.round(pixel[2]);
      pixels[o + 3] = Math.round(pixel[3] * 255);
    }
  }
  return png(size, size, pixels);
}

// Flat, a small P wave, the QRS spike, a T wave, flat again: reads as "heartbeat" at a glance.
const ecg = [
  [0.12, 0.56], [0.31, 0.56], [0.36, 0.49], [0.41, 0.56], [0.46, 0.56],
  [0.53, 0.2], [0.61, 0.8], [0.67, 0.56], [0.71, 0.56], [0.76, 0.47], [0.81, 0.56], [0.88, 0.56],
];
// At 32 px only the spike survives: fewer, bolder strokes and no end dot (it reads as a blob).
const ecgSmall = [[0.08, 0.56], [0.3, 0.56], [0.44, 0.16], [0.58, 0.86], [0.7, 0.56], [0.84, 0.56]];

const dark = { top: '#1d2633', bottom: '#0b1017', rim: '#3a4a5e' };
const icon = drawIcon(512, {
  ...dark, pad: 0.06, radius: 0.19, line: 0.045, glow: 0.035, rimWidth: 0.006,
  lineColor: '#2ee6a8', dotColor: '#b9ffe6', points: ecg,
});
const tray = drawIcon(32, {
  ...dark, pad: 0.03, radius: 0.22, line: 0.11, glow: 0, rimWidth: 0, dot: false,
  lineColor: '#2ee6a8', dotColor: '#2ee6a8', points: ecgSmall,
});
// Alert: the whole square turns red so it is unmistakable in a crowded tray.
const trayAlert = drawIcon(32, {
  top: '#f0464b', bottom: '#b3161c', rim: '#ff8a8d', pad: 0.03, radius: 0.22, line: 0.11, glow: 0, rimWidth: 0, dot: false,
  lineColor: '#ffffff', dotColor: '#ffffff', points: ecgSmall,
});

// The installers' icon set: the full drawing from 48 px up, the bolder small-size drawing below
// (at 16–32 px the P and T waves and the dot turn to mush).
const iconSizes = [16, 24, 32, 48, 64, 128, 256, 512];
mkdirSync(out('icons'), { recursive: true });
for (const size of iconSizes) {
  const drawn = size === 512 ? icon : size >= 48
    ? drawIcon(size, { ...dark, pad: 0.06, radius: 0.19, line: 0.045, glow: 0.035, rimWidth: 0.006, lineColor: '#2ee6a8', dotColor: '#b9ffe6', points: ecg })
    : drawIcon(size, { ...dark, pad: 0.03, radius: 0.22, line: 0.11, glow: 0, rimWidth: 0, dot: false, lineColor: '#2ee6a8', dotColor: '#2ee6a8', points: ecgSmall });
  writeFileSync(out('icons', `${size}x${size}.png`), drawn);
}

writeFileSync(out('icon.png'), icon);
writeFileSync(out('tray.png'), tray);
writeFileSync(out('tray-alert.png'), trayAlert);

console.log('resources written:', ['icon.png', ...iconSizes.map((n) => `icons/${n}x${n}.png`), 'tray.png', 'tray-alert.png', ...Object.keys(sounds).map((n) => `sounds/${n}.wav`)].join(', '));
