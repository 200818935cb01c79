import { patched } from '@temporalio/workflow';

/**
 * The patch of runs that write a shorter history: the plan checked by a local activity (one marker event instead
 * of an activity task's six), search attributes changed in one workflow activation upserted together, and the
 * weight of 100 after a canary's promote call upserted with the phase Promoted. Runs
 * started before it keep writing the history they started with (replay must find the same commands).
 */
export const LEAN_HISTORY = 'lean-history';

/**
 * Generations of runs, oldest first: one patch marker for every change of a generation, where each change had one
 * of its own (a patch marker costs two events: the marker, and an upsert of TemporalChangeVersion). A run started
 * by this code records the newest marker only, and takes the path of every generation and every change before it.
 * - `runs-2026-11`: every change asked through `inForce` before it; the plan checked and the policy read in one
 *   local activity (one event where the policy's activity took six, and one workflow task fewer).
 * - `runs-2026-11-29`: a step's weight upserted with the next phase change (the run's next rest: a soak, a gate,
 *   an analysis, the promotion), not on its own at every step.
 * - `runs-2026-11-29b`: the deploy window is the last policy gate before traffic moves (`window-last-gate`, which
 *   runs started between the two generations ask).
 * - `runs-2026-11-29c`: a run cancelled before anything changed (during its plan check) ends like one cancelled later:
 *   rolled back with nothing to undo, its final status in its memo, where it closed Canceled without one.
 * A later change that alters the commands of a run needs a patch of its own or a new generation here.
 */
const GENERATIONS = ['runs-2026-11', 'runs-2026-11-29', 'runs-2026-11-29b', 'runs-2026-11-29c'] as const;
export type Generation = (typeof GENERATIONS)[number];

/**
 * Whether this run was started by the code of `generation` or later: its marker, or a newer one, is in its history.
 * Asked newest first, so a new run records one marker; deploymentWorkflow asks first, so that marker leads.
 */
export function startedSince(generation: Generation): boolean {
  const oldest = GENERATIONS.indexOf(generation);
  for (let i = GENERATIONS.length - 1; i >= oldest; i--) if (patched(GENERATIONS[i])) return true;
  return false;
}

/**
 * The patches that came before the first generation, so every generation includes them. A change made later is not
 * one of them: it asks `patched()` of its own (runs of today's generation are in flight too) or starts a generation.
 */
export type PatchBeforeGenerations =
  | 'lean-history'
  | 'held-by-release'
  | 'policies-from-start'
  | 'promoted-by-in-memo'
  | 'notifications'
  | 'cancelled-status-in-memo'
  | 'window-wait-pausable'
  | 'soak-stops-at-scheduled-freeze';

/** Whether the change guarded by patch `id` is in force for this run: always for a run of any generation, with no marker. */
export function inForce(id: PatchBeforeGenerations): boolean {
  return startedSince(GENERATIONS[0]) || patched(id);
}
