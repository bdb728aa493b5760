/**
 * The execution state machine lives in the contract (`contract/execution-machine.ts`), shared by
 * main, the wire reader and the renderer; this module only re-exports it for the connector.
 */
import { actionRules, type ExecAction, type ExecStatus } from '../../contract/execution-machine';

export { acceptUpdate, checkAction, transitions, type ActionCheck } from '../../contract/execution-machine';

/** The status an accepted action leads to. */
export const actionTarget = Object.fromEntries(Object.entries(actionRules).map(([a, r]) => [a, r.to])) as Record<ExecAction, ExecStatus>;
