/**
 * The status, notifications, memo and metrics a run keeps once the platform reached a state. An unexpected error in
 * that code (a bug) must not change which state the run ends in, nor leave its workflow task failing forever: each
 * piece runs in `attempt`, and an error becomes a warning on the status, written without the code that failed.
 * Workflow code: deterministic (the same bug throws at the same place on replay).
 */
import { ApplicationFailure, TemporalFailure, isCancellation, log } from '@temporalio/workflow';
import { describeFailure } from './failures';
import type { RolloutView } from './rollout-view';

/** Failure type of a run that failed on an unexpected error before it changed anything: nothing to undo. */
export const FAILED_BEFORE_CHANGE = 'FailedBeforeChange';

/** Runs `fn`; an error in it is noted as a warning (`what` failed) and the run goes on. */
export function attempt(rollout: RolloutView, what: string, fn: () => void): void {
  try {
    fn();
  } catch (err) {
    noteBug(rollout, what, err);
  }
}

/** `attempt` for a piece that awaits (a notification's delivery). */
export async function attemptAsync(rollout: RolloutView, what: string, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    noteBug(rollout, what, err);
  }
}

/** A warning on the status, set field by field: `warn` and `publish` may be where the bug is. */
export function noteBug(rollout: RolloutView, what: string, err: unknown): void {
  const warning = `${what} failed (a bug in Glidepath, the outcome stands): ${describeFailure(err)}`;
  log.error(warning, { error: err });
  rollout.status.warnings = [...(rollout.status.warnings ?? []), warning];
  try {
    rollout.publish();
  } catch {
    // The Web UI's details keep their last text; the status query answers from the status itself.
  }
}

/**
 * An error before anything changed on the platform. A failure of Temporal's (an activity's, a cancellation) or one
 * of the run's own (InvalidPlan, BlockedByPolicy) already fails the run and passes as it is; any other error is a
 * bug, which would fail the workflow task on every retry: it fails the run instead, saying nothing needs undoing.
 */
export function failedBeforeChange(err: unknown, rollout: RolloutView | undefined): unknown {
  if (err instanceof TemporalFailure || isCancellation(err)) return err;
  const message = `failed before anything changed, nothing to undo: ${describeFailure(err)}`;
  log.error(message, { error: err });
  if (rollout) {
    rollout.status.message = message;
    rollout.status.endedAt = new Date().toISOString();
    try {
      rollout.publish();
    } catch {
      // as in noteBug
    }
  }
  return ApplicationFailure.create({
    message,
    type: FAILED_BEFORE_CHANGE,
    nonRetryable: true,
    details: rollout ? [rollout.status] : [],
  });
}
