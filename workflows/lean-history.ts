import { patched } from '@temporalio/workflow';

/**
 * The patch of runs that write a shorter history: the plan checked by a local activity (one marker event instead
 * of an activity task's six), search attributes changed in one workflow activation upserted together, and the
 * weight of 100 after a canary's promote call upserted with the phase Promoted. Runs
 * started before it keep writing the history they started with (replay must find the same commands).
 */
export const LEAN_HISTORY = 'lean-history';

/**
 * One marker for every run started by this code or later, where each change had one of its own: a patch marker
 * costs two history events (the marker, and an upsert of TemporalChangeVersion). A current run takes the path of
 * every change asked through `inForce`, and checks its plan and reads its policy in one local activity (one event
 * where the policy's activity took six, and one workflow task fewer).
 * Runs started before it ask each patch where they did, and replay the same commands. A later change needs a
 * patch of its own (or a new CURRENT_RUNS).
 */
export const CURRENT_RUNS = 'runs-2026-11';

/** Whether this run was started by this code or later. deploymentWorkflow asks first, so its marker leads. */
export function isCurrentRun(): boolean {
  return patched(CURRENT_RUNS);
}

/** Whether the change guarded by patch `id` is in force for this run: always for a current run, with no marker. */
export function inForce(id: string): boolean {
  return isCurrentRun() || patched(id);
}
