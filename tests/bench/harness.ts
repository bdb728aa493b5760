import { chromium, type Browser } from 'playwright-core';

/** One line of the benchmark table: the console's path and the bare client, side by side. */
export interface BenchRow {
  bench: string;
  metric: string;
  console: number;
  /** The same feed through a bare client in the same run; null where there is none. */
  bare: number | null;
  unit: string;
  /** e.g. `≥ 0.8 × bare`, `< 200 ms`. */
  target: string;
  /** Whether the target was met in this run (measured, not asserted). */
  met: boolean | null;
  note?: string;
}

export interface BenchSuite {
  name: string;
  run(ctx: BenchContext): Promise<BenchRow[]>;
}

export interface BenchContext {
  browser(): Promise<Browser>;
  /** Scale factor from BENCH_SCALE (default 1) so CI can run a shorter pass. */
  scale: number;
}

let shared: Browser | null = null;

export function benchContext(): BenchContext {
  return {
    scale: Number(process.env.BENCH_SCALE ?? 1),
    async browser() {
      shared ??= await chromium.launch({
        executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
        args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
      });
      return shared;
    },
  };
}

export async function closeBench(): Promise<void> {
  await shared?.close();
  shared = null;
}

export const ratioRow = (bench: string, metric: string, consoleValue: number, bare: number, unit: string, minRatio: number, note?: string): BenchRow => ({
  bench,
  metric,
  console: Math.round(consoleValue),
  bare: Math.round(bare),
  unit,
  target: `≥ ${minRatio} × bare`,
  met: consoleValue >= minRatio * bare,
  ...(note ? { note } : {}),
});

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
