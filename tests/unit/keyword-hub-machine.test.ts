import { describe, expect, it } from 'vitest';
import { canAct, execActions, execStatuses, type ExecAction, type ExecStatus } from '../../src-main/contract/keyword-hub';
import { acceptUpdate, availableActions, checkAction } from '../../src-main/upstreams/keyword-hub/state-machine';

// The seed's diagram, written out independently of the implementation's tables.
const allowedActions: Record<ExecStatus, ExecAction[]> = {
  iniciada: ['pausar', 'cancelar'],
  em_andamento: ['pausar', 'cancelar'],
  pausada: ['resumir', 'cancelar'],
  concluida: [],
  cancelada: [],
  erro: [],
};
const legal: Array<[ExecStatus, ExecStatus]> = [
  ['iniciada', 'em_andamento'], ['iniciada', 'pausada'], ['iniciada', 'cancelada'], ['iniciada', 'erro'],
  ['em_andamento', 'pausada'], ['em_andamento', 'concluida'], ['em_andamento', 'cancelada'], ['em_andamento', 'erro'],
  ['pausada', 'em_andamento'], ['pausada', 'cancelada'], ['pausada', 'erro'],
];

describe('execution state machine (seed 001)', () => {
  for (const status of execStatuses) {
    for (const action of execActions) {
      const allowed = allowedActions[status].includes(action);
      it(`${action} from ${status} is ${allowed ? 'allowed' : 'refused'}`, () => {
        expect(canAct(status, action)).toBe(allowed);
        const check = checkAction(status, action);
        expect(check.ok).toBe(allowed);
        if (check.ok) expect(check.target).toBe({ pausar: 'pausada', resumir: 'em_andamento', cancelar: 'cancelada' }[action]);
        else expect(check.reason).toContain(status);
      });
    }
  }

  it('the UI offers exactly the allowed actions', () => {
    for (const status of execStatuses) expect(availableActions(status).sort()).toEqual([...allowedActions[status]].sort());
  });

  it('classifies every status report from the hub', () => {
    for (const from of execStatuses) {
      for (const to of execStatuses) {
        const verdict = acceptUpdate(from, to);
        if (from === to) expect(verdict, `${from}→${to}`).toBe('same');
        else if (['concluida', 'cancelada', 'erro'].includes(from)) expect(verdict, `${from}→${to}`).toBe('stale');
        else if (legal.some(([a, b]) => a === from && b === to)) expect(verdict, `${from}→${to}`).toBe('ok');
        else expect(verdict, `${from}→${to}`).toBe('unexpected');
      }
    }
  });
});
