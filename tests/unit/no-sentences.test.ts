/**
 * Decision 13 / 20: main sends codes and parameters, screens word them. A Portuguese sentence
 * in main outside the edge is a screen text that escaped the i18n files — unless it is an
 * alert's `title` kept for history and webhooks beside the `text` key screens use.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** Where Portuguese belongs: the seeds' wire and simulators, words main sends to other systems, and the tray main draws itself in both languages. */
const allowed = [/^src-main\/demo\//, /\/wire\.ts$/, /^src-main\/integrations\/catalogue\.ts$/, /^src-main\/core\/tray-text\.ts$/];
// A string literal holding a letter only Portuguese (not English) writes.
const portuguese = /(['"`])(?:(?!\1).)*[ãõçáéíóúâêôàÃÕÇÁÉÍÓÚ](?:(?!\1).)*\1/;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('no Portuguese sentence leaves main for a screen', () => {
  it('only the edge, outbound payloads, the tray and alert titles with a text key hold Portuguese', () => {
    const found: string[] = [];
    for (const file of files('src-main')) {
      const path = file.replaceAll('\\', '/');
      if (allowed.some((r) => r.test(path))) continue;
      const lines = readFileSync(file, 'utf8').split('\n');
      lines.forEach((line, i) => {
        const code = line.replace(/\/\*.*?\*\//g, '').replace(/\/\/.*$/, '').replace(/^\s*\*.*$/, '');
        if (!portuguese.test(code)) return;
        // An alert title the console keeps for history, worded on screens by its `text` key (same object, within two lines).
        const near = lines.slice(Math.max(0, i - 2), i + 3).join('\n');
        if (/\btitle:/.test(code) && /\btext:\s*\{\s*key:/.test(near)) return;
        // The seed's own words read from the wire (a severity the hub spells in Portuguese).
        if (/===\s*'[^']*'/.test(code) && !/(title|message|detail|summary|reason):/.test(code)) return;
        found.push(`${path}:${i + 1}: ${line.trim().slice(0, 120)}`);
      });
    }
    expect(found).toEqual([]);
  });
});
