/**
 * One deployment plan, start to finish: migration (optional), then canary or blue-green.
 *
 * It ends in one of two known states, and the status says which one is true:
 * - Promoted: the workflow completes with the result. Past the point of no return (see promotion.ts) nothing
 *   turns the run back: a late abort or cancel is recorded as too late, a failed cleanup becomes a warning.
 * - Rolled back: every change is undone in a scope nothing can cancel, and the workflow fails with type
 *   "RolledBack" (or closes as Canceled when it was cancelled from the UI or client). An undo step that keeps
 *   failing holds the run in RollbackStuck until it succeeds; it is never reported rolled back half-way.
 * Any error, including an unexpected one in workflow code, takes one of these two paths. Terminate skips both.
 */
import {
  ApplicationFailure,
  CancellationScope,
  allHandlersFinished,
  condition,
  patched,
  upsertMemo,
  workflowInfo,
} from '@temporalio/workflow';
import type { AppliedPolicy } from '../plan/policy-types';
import type { Plan } from '../plan/schema';
import { runBlueGreen } from './blue-green';
import { runCanary } from './canary';
import { Compensations } from './compensations';
import { describeFailure } from './failures';
import { inForce, startedSince } from './lean-history';
import { FreezeHold } from './freeze-hold';
import { recordAbortLatency, recordOutcome, recordPausedRun, recordPromotion, recordRollback, recordRollbackStuck } from './metrics';
import { runMigration } from './migration';
import { NOTIFICATIONS, Notifier } from './notify';
import { assertPlanShape, checkedRun, validatedPlan } from './plan-input';
import { POLICIES_FROM_START, WINDOW_LAST_GATE, applyRunPolicy, passPolicyGates, readRunPolicy } from './policy-run';
import type { ReleaseLink } from './release-messages';
import { ReleaseHold } from './release-hold';
import { Rollout } from './rollout';
import { listenToMessages } from './rollout-messages';
import type { DeploymentStatus } from './status';

export interface DeploymentResult {
  outcome: 'promoted';
  status: DeploymentStatus;
}

/**
 * The patch of runs that note in their memo, when they end promoted, who promoted them (`glidepath where`): the
 * person who approved the last gate or promoted, else the release's word, else "automatic".
 */
export const PROMOTED_BY_IN_MEMO = 'promoted-by-in-memo';

/** How often a stuck rollback step is tried again without anyone asking. */
const STUCK_RETRY_EVERY_MS = 10 * 60_000;

/** `release` is given when a release runs this deployment as its child (see release-hold.ts). */
export async function deploymentWorkflow(input: Plan, release?: ReleaseLink): Promise<DeploymentResult> {
  assertPlanShape(input);
  const checkedInOne = startedSince('runs-2026-11'); // first: its marker leads the history (lean-history.ts)
  const rollout = new Rollout(input);
  listenToMessages(rollout);
  if (release && inForce('held-by-release')) {
    rollout.releaseHold = new ReleaseHold(release, rollout);
    rollout.releaseHold.listen();
  }
  // Freezes reach every run, those started before this code too: a broadcast is a new event in their history.
  rollout.freezeHold = new FreezeHold(rollout);
  rollout.freezeHold.listen();
  // Decided before the plan check: on replay, a patch asked right after a local activity resolves can be asked
  // before its marker is in view, and would answer "absent" for a run that has it (see policy-run.ts).
  const policiesFromStart = inForce(POLICIES_FROM_START);
  const promotedByInMemo = inForce(PROMOTED_BY_IN_MEMO);
  // A patch of its own, not `inForce`: runs of the current generations started before it still ask the window first.
  const windowLast = patched(WINDOW_LAST_GATE);
  // An invalid plan, or a policy rule that refuses the run, fails it here: nothing was changed, nothing to undo.
  const system = release?.releaseId.split('@')[0];
  let plan: Plan;
  let policy: AppliedPolicy | undefined;
  if (checkedInOne) {
    const checked = await checkedRun(input, system); // one local activity: the plan and the policies that apply
    plan = checked.plan;
    policy = applyRunPolicy(plan, checked.policy, rollout);
  } else {
    plan = await validatedPlan(input);
    const underPolicy = policiesFromStart || patched('policies');
    policy = underPolicy ? applyRunPolicy(plan, await readRunPolicy(plan, system), rollout) : undefined;
  }
  // Older runs ask it after the policy's (normal) activity, and only when it gives sinks: others get no marker.
  if (policy?.notifications?.length && inForce(NOTIFICATIONS)) {
    rollout.notifier = new Notifier(policy.notifications, rollout, system);
    const { strategy, target } = rollout.status;
    const by = plan.metadata.requestedBy ? `, requested by ${plan.metadata.requestedBy}` : '';
    rollout.notifier.send('started', `started: ${strategy} on ${target}${by}`);
  }
  const undo = new Compensations();

  try {
    await rollout.forward.run(async () => {
      if (policy) await passPolicyGates(plan, policy, rollout, windowLast);
      if (plan.migration) await runMigration(plan, plan.migration, rollout, undo);
      if (plan.strategy.type === 'canary') await runCanary(plan, plan.strategy, rollout, undo);
      else await runBlueGreen(plan, plan.strategy, rollout, undo);
    });
  } catch (err) {
    if (!rollout.promoted) return rollBack(plan, rollout, undo, err);
    rollout.warn(`after promotion: ${describeFailure(err)}`);
  }

  if (CancellationScope.current().consideredCancelled) {
    rollout.record('cancel', { by: 'temporal', reason: 'cancel requested' }, undefined, 'too late: past the point of no return');
  }
  return CancellationScope.nonCancellable(async () => {
    rollout.update({
      outcome: { result: 'promoted', reason: `${plan.metadata.release} is live` },
      gate: undefined,
      endedAt: new Date().toISOString(),
    });
    recordOutcome(plan, 'promoted', Date.now() - workflowInfo().startTime.getTime());
    recordPromotion(plan, rollout.lastGate);
    if (rollout.pausedOnce) recordPausedRun(plan, 'promoted');
    // A release that did not say (one started before it could) leaves it unknown rather than "automatic".
    const promotedBy = rollout.promotedBy ?? (release ? release.promotedBy : 'automatic');
    if (promotedByInMemo && promotedBy) upsertMemo({ promotedBy });
    rollout.setPhase('Promoted', `${plan.metadata.release} is live on ${rollout.status.target}`);
    if (rollout.notifier) {
      rollout.notifier.send('promoted', `promoted: ${plan.metadata.release} is live on ${rollout.status.target}`, { outcome: 'promoted' });
      await rollout.notifier.settle();
    }
    await condition(allHandlersFinished);
    return { outcome: 'promoted' as const, status: rollout.status };
  });
}

/** Undoes every change newest first, then ends the run as rolled back (or cancelled). Always throws. */
async function rollBack(plan: Plan, rollout: Rollout, undo: Compensations, err: unknown): Promise<never> {
  const cancelled = CancellationScope.current().consideredCancelled && !rollout.abortedBy && !rollout.failure;
  const reason = rollout.abortedBy
    ? `aborted by ${rollout.abortedBy.by}${rollout.abortedBy.reason ? `: ${rollout.abortedBy.reason}` : ''}`
    : rollout.failure
      ? describeFailure(rollout.failure)
      : cancelled
        ? 'workflow cancelled'
        : describeFailure(err);
  if (cancelled) rollout.record('cancel', { by: 'temporal', reason: 'cancel requested' });
  const failure = rollout.failure ?? err;
  if (!rollout.abortedBy && !cancelled && failure instanceof ApplicationFailure && failure.type === 'AnalysisFailed')
    rollout.notifier?.send('analysis-failed', `${failure.message}; rolling back`, { reason: failure.message });
  await CancellationScope.nonCancellable(async () => {
    const rollbackStarted = Date.now();
    rollout.setPhase('RollingBack', `rolling back: ${reason}`);
    await undo.unwind({
      onEach: (step) => rollout.update({ message: `rolling back: ${step}` }),
      whenStuck: async (step, failure) => {
        recordRollbackStuck(plan);
        await rollout.waitOutStuckRollback(step, describeFailure(failure), STUCK_RETRY_EVERY_MS);
      },
    });
    if (rollout.status.stuck) rollout.clearStuck();
    rollout.setWeight(0);
    const result = cancelled ? 'cancelled' : 'rolled-back';
    rollout.update({ outcome: { result, reason }, endedAt: new Date().toISOString() });
    rollout.setPhase('RolledBack', `rolled back: ${reason}`);
    recordRollback(plan, Date.now() - rollbackStarted);
    if (rollout.abortedBy) recordAbortLatency(plan, Date.now() - Date.parse(rollout.abortedBy.at));
    recordOutcome(plan, result, Date.now() - workflowInfo().startTime.getTime());
    if (rollout.pausedOnce) recordPausedRun(plan, result);
    if (rollout.notifier) {
      rollout.notifier.send('rolled-back', `${cancelled ? 'cancelled and ' : ''}rolled back: ${reason}`, { reason, outcome: result });
      await rollout.notifier.settle(); // before the memo below, so a cancelled run's final status counts every delivery
    }
    // A run closed as Canceled carries no result: its final status goes in the memo, readable without a worker.
    if (cancelled && inForce('cancelled-status-in-memo')) upsertMemo({ status: rollout.status });
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
