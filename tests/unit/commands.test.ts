import { describe, expect, it, vi } from 'vitest';
import { CommandError, CommandRegistry, type CallerContext } from '../../src-main/core/commands';

const local: CallerContext = { host: 'web', trusted: true, session: 's1' };
const remote: CallerContext = { host: 'web', trusted: false, session: 's2' };

describe('CommandRegistry (generic contract dispatch)', () => {
  const registry = new CommandRegistry();
  registry.handle('connections.test', ({ id }) => ({ success: id === 'rpaLogs', message: 'ok', status_code: 200, token_status: 'Token JWT global válido' }));
  registry.handle('secrets.clear', () => ({ ok: true as const }));
  registry.handle('connections.list', () => [{ bogus: true }] as never);

  it('validates input and returns typed field issues, without calling the handler', async () => {
    const result = await registry.dispatch('connections.test', { id: 'nope' }, local);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('invalid-argument');
    expect(result.error.issues?.[0]?.path).toBe('id');
  });

  it('answers unknown and unavailable commands with typed errors', async () => {
    expect(await registry.dispatch('rm -rf', {}, local)).toMatchObject({ ok: false, error: { code: 'unknown-command' } });
    expect(await registry.dispatch('system.info', {}, local)).toMatchObject({ ok: false, error: { code: 'unavailable' } });
  });

  it('runs a valid call', async () => {
    expect(await registry.dispatch('connections.test', { id: 'rpaLogs' }, local)).toEqual({
      ok: true,
      value: { success: true, message: 'ok', status_code: 200, token_status: 'Token JWT global válido' },
    });
  });

  it('refuses privileged commands to an untrusted caller', async () => {
    expect(await registry.dispatch('secrets.clear', { name: 'x' }, remote)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await registry.dispatch('secrets.clear', { name: 'x' }, local)).toEqual({ ok: true, value: { ok: true } });
  });

  it('never returns a value outside the contract', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    expect(await registry.dispatch('connections.list', {}, local)).toMatchObject({ ok: false, error: { code: 'internal' } });
  });

  it('maps thrown CommandErrors and keeps running after a handler crash', async () => {
    const r = new CommandRegistry();
    r.handle('connections.connect', () => {
      throw new CommandError('conflict', 'already connecting');
    });
    r.handle('connections.disconnect', () => {
      throw new TypeError('bug');
    });
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    expect(await r.dispatch('connections.connect', { id: 'dashboard' }, local)).toMatchObject({ ok: false, error: { code: 'conflict', message: 'already connecting' } });
    expect(await r.dispatch('connections.disconnect', { id: 'dashboard' }, local)).toMatchObject({ ok: false, error: { code: 'internal', message: 'bug' } });
  });
});
