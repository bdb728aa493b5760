import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchContext, closeBench, type BenchRow, type BenchSuite } from './harness';

/**
 * `npm run bench`: every suite in ./suites, in name order (`BENCH_ONLY=bridge` picks some).
 * Prints one table comparing the console's path with a bare client on the same feed in the
 * same run, and writes test-results/bench.json.
 */
const SUITE_LIMIT_MS = 5 * 60_000;

/** A suite that hangs becomes a failed row instead of stalling the whole bench. */
function withTimeout<T>(work: Promise<T>, ms: number, name: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${name}: no result after ${ms / 1000} s`)), ms)));
  return Promise.race([work, limit]).finally(() => clearTimeout(timer));
}

async function main(): Promise<void> {
  const only = process.env.BENCH_ONLY?.split(',');
  const dir = join(import.meta.dirname, 'suites');
  const files = readdirSync(dir).filter((f) => f.endsWith('.ts')).sort();
  const rows: BenchRow[] = [];
  const ctx = benchContext();
  for (const file of files) {
    const suite = ((await import(join(dir, file))) as { default: BenchSuite }).default;
    if (only && !only.some((o) => suite.name.includes(o))) continue;
    process.stderr.write(`bench: ${suite.name}…\n`);
    try {
      rows.push(...(await withTimeout(suite.run(ctx), SUITE_LIMIT_MS, suite.name)));
    } catch (error) {
      rows.push({ bench: suite.name, metric: 'failed', console: NaN, bare: null, unit: '', target: '', met: false, note: String(error) });
    }
  }
  await closeBench();
  printTable(rows);
  mkdirSync('test-results', { recursive: true });
  writeFileSync('test-results/bench.json', JSON.stringify({ at: new Date().toISOString(), node: process.version, rows }, null, 2));
  console.log('\nwritten: test-results/bench.json');
}

function printTable(rows: BenchRow[]): void {
  const head = ['bench', 'metric', 'console', 'bare', 'unit', 'target', 'met', 'note'];
  const cells = rows.map((r) => [r.bench, r.metric, fmt(r.console), r.bare === null ? '—' : fmt(r.bare), r.unit, r.target, r.met === null ? '—' : r.met ? 'yes' : 'NO', r.note ?? '']);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => `| ${c.map((v, i) => v.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(line(head));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const c of cells) console.log(line(c));
}

const fmt = (n: number) => (Number.isFinite(n) ? (Math.abs(n) >= 100 ? Math.round(n).toLocaleString('en-US') : String(Math.round(n * 100) / 100)) : 'n/a');

void main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
