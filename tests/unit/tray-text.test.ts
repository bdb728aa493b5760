import { describe, expect, it } from 'vitest';
import type { UpstreamStatus } from '../../src-main/contract';
import { trayLocale, trayText } from '../../src-main/core/tray-text';

const link = (id: UpstreamStatus['id'], state: UpstreamStatus['state'], sub?: string): UpstreamStatus => ({
  id, ...(sub ? { link: sub } : {}), state, since: 0, url: '', lastEventAt: null, events: 0, errors: 0, reconnects: 0, message: '', note: 'connected', reason: null, attempt: 0, retryAt: null, latencyMs: null, demo: false,
});

describe('tray text', () => {
  it('follows the language setting, else the OS: Portuguese unless English', () => {
    expect(trayLocale('auto', 'en-US')).toBe('en');
    expect(trayLocale('auto', 'pt-BR')).toBe('pt-BR');
    expect(trayLocale('auto', 'es-ES')).toBe('pt-BR');
    expect(trayLocale('en', 'pt-BR')).toBe('en');
  });

  it('names the links that are failing, not those an operator stopped', () => {
    const up = trayText('pt-BR', [link('rpaLogs', 'open'), link('dashboard', 'stopped')]);
    expect(up).toMatchObject({ show: 'Abrir o Ops Console', quit: 'Sair', tooltip: 'Ops Console — todas as conexões ativas', alert: false });
    const down = trayText('en', [link('rpaLogs', 'reconnecting'), link('evolution', 'auth-failed', 'loja-sp'), link('keywordHub', 'open')]);
    expect(down).toMatchObject({ tooltip: 'Ops Console — rpaLogs: reconnecting, evolution/loja-sp: auth failed', alert: true });
  });
});
