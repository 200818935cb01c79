/**
 * How a run that did not reach its point of no return ends: every change undone newest first, in a scope nothing can
 * cancel, then RolledBack (or Canceled, when it was cancelled from the UI or a client).
 *
 * The undo stack is the truth: a step leaves it only once it succeeded. So an unexpected error anywhere in here
 * never ends the unwind half-way. Around it (the status, notifications, memo, metrics) an error becomes a warning
 * (bookkeeping.ts); in a hook of the unwind it is ignored or waited out; an error of the unwind itself shows
 * RollbackStuck and the unwind starts again from what the stack still holds. Workflow code.
 */
import {
  ApplicationFailure,
  CancellationScope,
  allHandlersFinished,
  condition,
  patched,
  sleep,
  upsertMemo,
  workflowInfo,
} from '@temporalio/workflow';
import { formatDuration } from '../plan/duration';
import type { Plan } from '../plan/schema';
import { attempt, attemptAsync, noteBug } from './bookkeeping';
import type { Compensations } from './compensations';
import { describeFailure } from './failures';
import { inForce } from './lean-history';
import { recordAbortLatency, recordOutcome, recordPausedRun, recordRollback, recordRollbackStuck } from './metrics';
import type { Rollout } from './rollout';

/** When a stuck rollback step is first tried again without anyone asking. */
const STUCK_RETRY_FIRST_MS = 10 * 60_000;
/** The longest wait between automatic tries of a stuck step: each try adds about ten events to the history. */
const STUCK_RETRY_MAX_MS = 4 * 60 * 60_000;

/**
 * The patch of runs whose stuck rollback step waits twice as long after each failed try, up to STUCK_RETRY_MAX_MS,
 * so a step stuck for weeks stays far from Temporal's history limit (every 10 minutes it reached 51,200 events in
 * about a month). Asked when a run first gets stuck, after the undo activity failed: other runs get no marker.
 */
export const STUCK_RETRY_BACKOFF = 'stuck-retry-backoff';

/** The wait before the automatic try after `tries` failed ones of the same step. */
export const stuckRetryMs = (tries: number, backoff: boolean) =>
  backoff ? Math.min(STUCK_RETRY_MAX_MS, STUCK_RETRY_FIRST_MS * 2 ** Math.min(tries, 10)) : STUCK_RETRY_FIRST_MS;

/** Undoes every change newest first, then ends the run as rolled back (or cancelled). Always throws. */
export async function rollBack(plan: Plan, rollout: Rollout, undo: Compensations, err: unknown): Promise<never> {
  const cancelled = CancellationScope.current().consideredCancelled && !rollout.abortedBy && !rollout.failure;
  const reason = rollout.abortedBy
    ? `aborted by ${rollout.abortedBy.by}${rollout.abortedBy.reason ? `: ${rollout.abortedBy.reason}` : ''}`
    : rollout.failure
      ? describeFailure(rollout.failure)
      : cancelled
        ? 'workflow cancelled'
        : describeFailure(err);
  attempt(rollout, 'recording why it rolls back', () => {
    if (cancelled) rollout.record('cancel', { by: 'temporal', reason: 'cancel requested' });
    const failure = rollout.failure ?? err;
    if (!rollout.abortedBy && !cancelled && failure instanceof ApplicationFailure && failure.type === 'AnalysisFailed')
      rollout.notifier?.send('analysis-failed', `${failure.message}; rolling back`, { reason: failure.message });
  });
  const result = cancelled ? 'cancelled' : 'rolled-back';
  await CancellationScope.nonCancellable(async () => {
    const rollbackStarted = Date.now();
    attempt(rollout, 'showing the phase RollingBack', () => rollout.setPhase('RollingBack', `rolling back: ${reason}`));
    // A gate left open by the abort or failure: its release no longer shows the target waiting at it.
    attempt(rollout, 'telling the release the gate closed', () => rollout.releaseHold?.gateClosed());
    await unwindAll(plan, rollout, undo);
    attempt(rollout, 'recording the outcome', () => {
      if (rollout.status.stuck) rollout.clearStuck();
      rollout.setWeight(0);
      rollout.update({ outcome: { result, reason }, endedAt: new Date().toISOString() });
      rollout.setPhase('RolledBack', `rolled back: ${reason}`);
    });
    attempt(rollout, 'recording metrics', () => {
      recordRollback(plan, Date.now() - rollbackStarted);
      if (rollout.abortedBy) recordAbortLatency(plan, Date.now() - Date.parse(rollout.abortedBy.at));
      recordOutcome(plan, result, Date.now() - workflowInfo().startTime.getTime());
      if (rollout.pausedOnce) recordPausedRun(plan, result);
    });
    const { notifier } = rollout;
    if (notifier) {
      await attemptAsync(rollout, 'notifying the rollback', async () => {
        notifier.send('rolled-back', `${cancelled ? 'cancelled and ' : ''}rolled back: ${reason}`, { reason, outcome: result });
        await notifier.settle(); // before the memo below, so a cancelled run's final status counts every delivery
      });
    }
    // Every undo step ran: whatever failed above, the status says what is true.
    Object.assign(rollout.status, { stuck: undefined, weight: 0, phase: 'RolledBack' });
    rollout.status.outcome ??= { result, reason };
    rollout.status.endedAt ??= new Date().toISOString();
    // A run closed as Canceled carries no result: its final status goes in the memo, readable without a worker.
    attempt(rollout, 'keeping the final status in the memo', () => {
      if (cancelled && inForce('cancelled-status-in-memo')) upsertMemo({ status: rollout.status });
    });
    await condition(allHandlersFinished);
  });
  if (cancelled) throw err;
  // BENIGN: a rollback is the plan working as designed, not a worker error; the run still closes as Failed.
  throw ApplicationFailure.create({
    message: `rolled back: ${reason}`,
    type: 'RolledBack',
    nonRetryable: true,
    category: 'BENIGN',
    details: [rollout.status],
  });
}

/**
 * Runs the undo stack to its end. A step that fails past its retries holds the run in RollbackStuck until it is tried
 * again; an error of the unwind's own code does the same for "the rollback", then the unwind goes on from the top of
 * the stack (the step that was running stayed on it).
 */
async function unwindAll(plan: Plan, rollout: Rollout, undo: Compensations): Promise<void> {
  const stuck = { step: '', tries: 0, backoff: undefined as boolean | undefined };
  const waitOut = (step: string, failure: unknown) => {
    stuck.tries = step === stuck.step ? stuck.tries + 1 : 0;
    stuck.step = step;
    stuck.backoff ??= patched(STUCK_RETRY_BACKOFF);
    return waitOutStuck(plan, rollout, step, failure, stuckRetryMs(stuck.tries, stuck.backoff));
  };
  for (;;) {
    try {
      await undo.unwind({
        onEach: (step) => attempt(rollout, 'showing the rollback step', () => rollout.update({ message: `rolling back: ${step}` })),
        whenStuck: waitOut,
      });
      return;
    } catch (bug) {
      await waitOut('the rollback', bug);
    }
  }
}

/** Shows the stuck step and waits for a person's resume or the next automatic try; never throws. */
async function waitOutStuck(plan: Plan, rollout: Rollout, step: string, failure: unknown, retryInMs: number): Promise<void> {
  attempt(rollout, 'counting the stuck rollback', () => recordRollbackStuck(plan));
  try {
    await rollout.waitOutStuckRollback(step, describeFailure(failure), retryInMs);
  } catch (bug) {
    // The wait itself failed: say so the plain way, and wait on a timer so the next try is not at once.
    noteBug(rollout, 'showing the stuck rollback', bug);
    rollout.status.phase = 'RollbackStuck';
    rollout.status.stuck = {
      step,
      reason: describeFailure(failure),
      since: rollout.status.stuck?.since ?? new Date().toISOString(),
      remedy: `it is tried again in ${formatDuration(retryInMs)}`,
    };
    await sleep(retryInMs);
  }
}
