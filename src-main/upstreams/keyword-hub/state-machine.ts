import { allowedFrom, canAct, isTerminal, type ExecAction, type ExecStatus } from '../../contract/keyword-hub';

/**
 * The seed's execution state machine, pure (no I/O), shared by the connector and the tests.
 *
 *   iniciada → em_andamento | pausada | cancelada | erro
 *   em_andamento → pausada | concluida | cancelada | erro
 *   pausada → em_andamento | cancelada | erro
 *   concluida, cancelada, erro: final
 *
 * Operator actions (pausar/resumir/cancelar) are checked with `checkAction`; status reports from
 * the hub with `acceptUpdate` (the hub is the source of truth, but nothing leaves a final state).
 */

export const transitions: Record<ExecStatus, readonly ExecStatus[]> = {
  iniciada: ['em_andamento', 'pausada', 'cancelada', 'erro'],
  em_andamento: ['pausada', 'concluida', 'cancelada', 'erro'],
  pausada: ['em_andamento', 'cancelada', 'erro'],
  concluida: [],
  cancelada: [],
  erro: [],
};

/** The status an accepted action leads to. */
export const actionTarget: Record<ExecAction, ExecStatus> = { pausar: 'pausada', resumir: 'em_andamento', cancelar: 'cancelada' };

export type ActionCheck = { ok: true; target: ExecStatus } | { ok: false; reason: string };

export function checkAction(status: ExecStatus, action: ExecAction): ActionCheck {
  if (canAct(status, action)) return { ok: true, target: actionTarget[action] };
  return { ok: false, reason: `cannot ${action} an execution that is ${status} (allowed from: ${allowedFrom[action].join(', ')})` };
}

/**
 * What to do with a status reported by the hub:
 * - `same`: no status change (progress only);
 * - `ok`: a transition of the seed's diagram;
 * - `unexpected`: not in the diagram (e.g. iniciada → concluida on a very fast run): applied, journaled as a warning;
 * - `stale`: the execution is already final; the update is ignored and counted.
 */
export function acceptUpdate(from: ExecStatus, to: ExecStatus): 'same' | 'ok' | 'unexpected' | 'stale' {
  if (from === to) return 'same';
  if (isTerminal(from)) return 'stale';
  return transitions[from].includes(to) ? 'ok' : 'unexpected';
}

/** The actions an operator may take now (the UI enables exactly these). */
export const availableActions = (status: ExecStatus): ExecAction[] => (['pausar', 'resumir', 'cancelar'] as const).filter((a) => canAct(status, a));
