import { describe, expect, it } from 'vitest';
import { ExecStatus, acceptUpdate, actionsFrom, canAct, checkAction, execActions, execStatuses, isTerminal, terminalStatuses, type ExecAction } from '../../src-main/contract/keyword-hub';
import { WireStatus } from '../../src-main/upstreams/keyword-hub/wire';
import * as connector from '../../src-main/upstreams/keyword-hub/state-machine';
import * as machine from '../../src-main/contract/execution-machine';

// The seed's diagram, written out independently of the implementation's tables.
const allowedActions: Record<ExecStatus, ExecAction[]> = {
  iniciada: ['pausar', 'cancelar'],
  em_andamento: ['pausar', 'cancelar'],
  pausada: ['resumir', 'cancelar'],
  concluida: [],
  cancelada: [],
  erro: [],
};
const target: Record<ExecAction, ExecStatus> = { pausar: 'pausada', resumir: 'em_andamento', cancelar: 'cancelada' };
const legal: Array<[ExecStatus, ExecStatus]> = [
  ['iniciada', 'em_andamento'], ['iniciada', 'pausada'], ['iniciada', 'cancelada'], ['iniciada', 'erro'],
  ['em_andamento', 'pausada'], ['em_andamento', 'concluida'], ['em_andamento', 'cancelada'], ['em_andamento', 'erro'],
  ['pausada', 'em_andamento'], ['pausada', 'cancelada'], ['pausada', 'erro'],
];
const final: ExecStatus[] = ['concluida', 'cancelada', 'erro'];

describe('execution state machine (seed 001), one copy in the contract', () => {
  for (const status of execStatuses) {
    for (const action of execActions) {
      const allowed = allowedActions[status].includes(action);
      it(`${action} from ${status} is ${allowed ? 'allowed' : 'refused'}`, () => {
        expect(canAct(status, action)).toBe(allowed);
        const check = checkAction(status, action);
        expect(check.ok).toBe(allowed);
        if (check.ok) expect(check.target).toBe(target[action]);
        else expect(check.reason).toContain(status);
      });
    }
  }

  it('actionsFrom lists exactly the allowed actions (what the buttons enable through canAct)', () => {
    for (const status of execStatuses) expect(actionsFrom(status)).toEqual(execActions.filter((a) => allowedActions[status].includes(a)));
  });

  it('final statuses are the ones with no transition and no action', () => {
    expect([...terminalStatuses].sort()).toEqual([...final].sort());
    for (const s of execStatuses) expect(isTerminal(s), s).toBe(final.includes(s));
  });

  it('classifies every status report from the hub', () => {
    for (const from of execStatuses) {
      for (const to of execStatuses) {
        const verdict = acceptUpdate(from, to);
        if (from === to) expect(verdict, `${from}→${to}`).toBe('same');
        else if (final.includes(from)) expect(verdict, `${from}→${to}`).toBe('stale');
        else if (legal.some(([a, b]) => a === from && b === to)) expect(verdict, `${from}→${to}`).toBe('ok');
        else expect(verdict, `${from}→${to}`).toBe('unexpected');
      }
    }
  });

  it('the connector and the wire reader use the same machine', () => {
    expect(connector.checkAction).toBe(machine.checkAction);
    expect(connector.acceptUpdate).toBe(machine.acceptUpdate);
    for (const a of execActions) expect(connector.actionTarget[a]).toBe(target[a]);
    // Every status of the machine, in either case the seed writes it, and nothing else.
    for (const s of execStatuses) {
      expect(WireStatus.parse(s)).toBe(s);
      expect(WireStatus.parse(s.toUpperCase())).toBe(s);
    }
    expect(WireStatus.safeParse('desconhecido').success).toBe(false);
    expect(ExecStatus.options).toEqual([...execStatuses]);
  });
});
