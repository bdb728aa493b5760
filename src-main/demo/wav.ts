/**
 * Tiny WAV encoder so the dashboard simulator can serve real, playable alert sounds without
 * shipping binary assets: RIFF/WAVE, PCM 16-bit little-endian, mono, 22 050 Hz.
 */
export const WAV_SAMPLE_RATE = 22_050;

export interface BeepOptions {
  freqHz: number;
  ms: number;
  /** 0..1 of full scale; default 0.5 so the beep is audible but not harsh. */
  volume?: number;
}

const HEADER_BYTES = 44;
/** Short linear fade in/out: a sine cut at a non-zero sample clicks audibly. */
const FADE_MS = 5;

export function makeBeepWav({ freqHz, ms, volume = 0.5 }: BeepOptions): Buffer {
  if (!(freqHz > 0 && freqHz < WAV_SAMPLE_RATE / 2)) throw new RangeError(`freqHz out of range: ${freqHz}`);
  if (!(ms > 0)) throw new RangeError(`ms must be > 0: ${ms}`);
  const samples = Math.max(1, Math.round((WAV_SAMPLE_RATE * ms) / 1000));
  const dataBytes = samples * 2;
  const buf = Buffer.alloc(HEADER_BYTES + dataBytes);

  buf.write('RIFF', 0, 'ascii');
  buf.writeUInt32LE(36 + dataBytes, 4); // size of everything after this field
  buf.write('WAVE', 8, 'ascii');
  buf.write('fmt ', 12, 'ascii');
  buf.writeUInt32LE(16, 16); // fmt chunk size for PCM
  buf.writeUInt16LE(1, 20); // audio format: PCM
  buf.writeUInt16LE(1, 22); // channels
  buf.writeUInt32LE(WAV_SAMPLE_RATE, 24);
  buf.writeUInt32LE(WAV_SAMPLE_RATE * 2, 28); // byte rate = rate * channels * bytesPerSample
  buf.writeUInt16LE(2, 32); // block align
  buf.writeUInt16LE(16, 34); // bits per sample
  buf.write('data', 36, 'ascii');
  buf.writeUInt32LE(dataBytes, 40);

  const amplitude = Math.min(1, Math.max(0, volume)) * 32767;
  const fade = Math.max(1, Math.min(Math.floor(samples / 2), Math.round((WAV_SAMPLE_RATE * FADE_MS) / 1000)));
  const step = (2 * Math.PI * freqHz) / WAV_SAMPLE_RATE;
  for (let i = 0; i < samples; i++) {
    const envelope = Math.min(1, i / fade, (samples - 1 - i) / fade);
    buf.writeInt16LE(Math.round(Math.sin(step * i) * amplitude * envelope), HEADER_BYTES + i * 2);
  }
  return buf;
}
