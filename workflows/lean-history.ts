/**
 * The patch of runs that write a shorter history: the plan checked by a local activity (one marker event instead
 * of an activity task's six), search attributes changed in one workflow activation upserted together, and the
 * weight of 100 after a canary's promote call upserted with the phase Promoted. Runs
 * started before it keep writing the history they started with (replay must find the same commands).
 */
export const LEAN_HISTORY = 'lean-history';
