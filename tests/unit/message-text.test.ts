import type { Ref } from 'vue';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { TestResult } from '../../src-main/contract/common';
import { testMessage, testToken, wordText } from '../../src-renderer/components/message-text';
import { i18n } from '../../src-renderer/i18n';

const locale = i18n.global.locale as unknown as Ref<string>;

describe('text main sends as keys, worded by the screen (decision 13)', () => {
  afterEach(() => (locale.value = 'en'));

  it('a connection test is worded in the screen’s language; the upstream’s own words stay as they came', () => {
    const r: TestResult = { success: true, status_code: 200, message: 'Evolution API 2.1: 3 instance(s); mode both', token_status: 'API key accepted', text: [{ key: 'evoApi', params: { version: '2.1', instances: 3 } }, { key: 'evoMode', params: { mode: 'both' } }], tokenText: { key: 'keyAccepted', params: {} } };
    expect(testMessage(r)).toBe('Evolution API 2.1: 3 instance(s); mode both');
    locale.value = 'pt-BR';
    expect(testMessage(r)).toBe('Evolution API 2.1: 3 instância(s); modo both');
    expect(testToken(r)).toBe('API key aceita');
    expect(testMessage({ message: 'Conexão com API externa de logs estabelecida com sucesso' })).toBe('Conexão com API externa de logs estabelecida com sucesso');
    expect(wordText('testText', [{ key: 'noSuchKey', params: {} }], 'as sent')).toBe('as sent');
  });

  it('every message key main sends has words in pt-BR and en', () => {
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const f of readdirSync(dir)) {
        const p = join(dir, f);
        if (statSync(p).isDirectory()) walk(p);
        else if (p.endsWith('.ts')) files.push(p);
      }
    };
    walk('src-main');
    // Every `{ key, params }` in main is a MessageText (alert titles, connection tests).
    const keys = new Set<string>();
    for (const f of files) for (const m of readFileSync(f, 'utf8').matchAll(/\{\s*key:\s*'(\w+)',\s*params:/g)) keys.add(m[1]!);
    expect(keys.size).toBeGreaterThan(20);
    const g = i18n.global as unknown as { te(key: string, locale: string): boolean };
    const missing = [...keys].flatMap((k) => ['en', 'pt-BR'].filter((l) => !['alertText', 'alertDetail', 'testText'].some((area) => g.te(`${area}.${k}`, l))).map((l) => `${l}: ${k}`));
    expect(missing).toEqual([]);
    const details = new Set(files.flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/detailText: \{ key: '(\w+)'/g)].map((m) => m[1]!)));
    expect(details.size).toBeGreaterThan(3);
    expect([...details].flatMap((k) => ['en', 'pt-BR'].filter((l) => !g.te(`alertDetail.${k}`, l)).map((l) => `${l}: ${k}`))).toEqual([]);
  });
});
