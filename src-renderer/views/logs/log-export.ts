import type { LogLine } from '../../../src-main/contract/logs';
import { exportLines, formatLine } from '../../stores/logs';

/** Copy and download of the lines a pane shows. */

export type ExportFormat = 'text' | 'ndjson' | 'csv';

export async function copyLines(lines: LogLine[], utc: boolean): Promise<void> {
  const text = lines.map((l) => formatLine(l, utc)).join('\n');
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    const area = document.createElement('textarea');
    area.value = text;
    document.body.append(area);
    area.select();
    document.execCommand('copy');
    area.remove();
  }
}

/** Saves the lines as a file named after the job and the time. */
export function downloadLines(lines: LogLine[], format: ExportFormat, utc: boolean, jobId: string): void {
  const body = exportLines(lines, format, utc);
  const ext = format === 'text' ? 'txt' : format;
  const type = format === 'csv' ? 'text/csv' : format === 'ndjson' ? 'application/x-ndjson' : 'text/plain';
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([body], { type: `${type};charset=utf-8` }));
  a.download = `job-${jobId.replace(/[^\w.-]+/g, '_')}-${new Date().toISOString().slice(0, 19).replace(/:/g, '')}.${ext}`;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 5_000);
}
