import { z } from 'zod';

/**
 * The keyword hub's execution state machine (seed 001), the one copy: main checks operator
 * actions and classifies the hub's status reports with it, `keyword-hub/wire.ts` reads the
 * seed's statuses with it, and the renderer enables its buttons with it.
 *
 *   iniciada     → em_andamento | pausada | cancelada | erro
 *   em_andamento → pausada | concluida | cancelada | erro
 *   pausada      → em_andamento | cancelada | erro
 *   concluida, cancelada, erro: final
 *
 * Statuses and actions keep the seed's codes as values (they are what the hub sends and what
 * persisted rows hold); docs/glossary.md gives their English meaning.
 */

export const execStatuses = ['iniciada', 'em_andamento', 'pausada', 'concluida', 'cancelada', 'erro'] as const;
export const ExecStatus = z.enum(execStatuses);
export type ExecStatus = z.infer<typeof ExecStatus>;

export const execActions = ['pausar', 'resumir', 'cancelar'] as const;
export const ExecAction = z.enum(execActions);
export type ExecAction = z.infer<typeof ExecAction>;

/** The transitions of the seed's diagram (the hub is the source of truth; see `acceptUpdate`). */
export const transitions: Readonly<Record<ExecStatus, readonly ExecStatus[]>> = {
  iniciada: ['em_andamento', 'pausada', 'cancelada', 'erro'],
  em_andamento: ['pausada', 'concluida', 'cancelada', 'erro'],
  pausada: ['em_andamento', 'cancelada', 'erro'],
  concluida: [],
  cancelada: [],
  erro: [],
};

/** Operator actions: from which statuses each is allowed, and the status it leads to. */
export const actionRules: Readonly<Record<ExecAction, { from: readonly ExecStatus[]; to: ExecStatus }>> = {
  pausar: { from: ['iniciada', 'em_andamento'], to: 'pausada' },
  resumir: { from: ['pausada'], to: 'em_andamento' },
  cancelar: { from: ['iniciada', 'em_andamento', 'pausada'], to: 'cancelada' },
};

/** Final statuses: the ones with no way out. */
export const terminalStatuses: readonly ExecStatus[] = execStatuses.filter((s) => transitions[s].length === 0);

export const isTerminal = (status: ExecStatus): boolean => transitions[status].length === 0;
/** Whether the state machine allows `action` from `status` (main refuses the command otherwise; the screen disables the button). */
export const canAct = (status: ExecStatus, action: ExecAction): boolean => actionRules[action].from.includes(status);
/** The actions allowed from `status`, in `execActions` order. */
export const actionsFrom = (status: ExecStatus): ExecAction[] => execActions.filter((a) => canAct(status, a));

/**
 * What to do with a status reported by the hub:
 * - `same`: no status change (progress only);
 * - `ok`: a transition of the diagram;
 * - `unexpected`: not in the diagram (e.g. iniciada → concluida on a very fast run): applied, journaled as a warning;
 * - `stale`: the execution is already final; the update is ignored and counted.
 */
export function acceptUpdate(from: ExecStatus, to: ExecStatus): 'same' | 'ok' | 'unexpected' | 'stale' {
  if (from === to) return 'same';
  if (isTerminal(from)) return 'stale';
  return transitions[from].includes(to) ? 'ok' : 'unexpected';
}

export type ActionCheck = { ok: true; target: ExecStatus } | { ok: false; reason: string };

/** An operator action checked against the machine: its target status, or why not (English, for logs; screens word the refusal from status and action). */
export function checkAction(status: ExecStatus, action: ExecAction): ActionCheck {
  if (canAct(status, action)) return { ok: true, target: actionRules[action].to };
  return { ok: false, reason: `cannot ${action} an execution that is ${status} (allowed from: ${actionRules[action].from.join(', ')})` };
}
