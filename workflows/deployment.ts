/**
 * One deployment plan, start to finish: migration (optional), then canary or blue-green.
 *
 * It ends in one of two known states, and the status says which one is true:
 * - Promoted: the workflow completes with the result. Past the point of no return (see promotion.ts) nothing
 *   turns the run back: a late abort or cancel is recorded as too late, a failed cleanup becomes a warning.
 * - Rolled back: every change is undone in a scope nothing can cancel, and the workflow fails with type
 *   "RolledBack" (or closes as Canceled when it was cancelled from the UI or client). An undo step that keeps
 *   failing holds the run in RollbackStuck until it succeeds; it is never reported rolled back half-way.
 * Any error, including an unexpected one in workflow code, takes one of these two paths, by where it happens:
 * - before anything changed (`start`): the run fails, and its status says there is nothing to undo (a cancel there
 *   ends rolled back, with nothing to undo);
 * - on the way forward: the run rolls back (rollback.ts);
 * - after the promotion: the run ends Promoted with a warning (promoted-end.ts);
 * - inside the rollback: the unwind goes on, or shows RollbackStuck until it can (rollback.ts).
 * Terminate skips all of them.
 */
import { isCancellation, patched } from '@temporalio/workflow';
import type { AppliedPolicy } from '../plan/policy-types';
import type { Plan } from '../plan/schema';
import { runBlueGreen } from './blue-green';
import { attempt, failedBeforeChange } from './bookkeeping';
import { runCanary } from './canary';
import { Compensations } from './compensations';
import { describeFailure } from './failures';
import { inForce, startedSince } from './lean-history';
import { FreezeHold } from './freeze-hold';
import { runMigration } from './migration';
import { NOTIFICATIONS, Notifier } from './notify';
import { assertPlanShape, checkedRun, validatedPlan } from './plan-input';
import {
  POLICIES_FROM_START,
  RELEASE_TARGET_HOLDS_IN_FREEZE,
  WINDOW_LAST_GATE,
  applyRunPolicy,
  passPolicyGates,
  readRunPolicy,
} from './policy-run';
import { endPromoted } from './promoted-end';
import type { ReleaseLink } from './release-messages';
import { RELEASE_GATE_REPORTS, ReleaseHold } from './release-hold';
import { rollBack } from './rollback';
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

/** `release` is given when a release runs this deployment as its child (see release-hold.ts). */
export async function deploymentWorkflow(input: Plan, release?: ReleaseLink): Promise<DeploymentResult> {
  assertPlanShape(input);
  const checkedInOne = startedSince('runs-2026-11'); // first: its marker leads the history (lean-history.ts)
  const { rollout, plan, policy, promotedByInMemo, windowLast, holdInFreeze } = await start(input, checkedInOne, release);
  const undo = new Compensations();

  try {
    await rollout.forward.run(async () => {
      // A release's target under a freeze holds here, before it changes anything; an abort rolls it back from here.
      if (holdInFreeze && rollout.freezeHold?.frozen) await rollout.freezeHold.hold();
      if (policy) await passPolicyGates(plan, policy, rollout, windowLast);
      if (plan.migration) await runMigration(plan, plan.migration, rollout, undo);
      if (plan.strategy.type === 'canary') await runCanary(plan, plan.strategy, rollout, undo);
      else await runBlueGreen(plan, plan.strategy, rollout, undo);
    });
  } catch (err) {
    if (!rollout.promoted) return rollBack(plan, rollout, undo, err);
    attempt(rollout, 'after promotion', () => rollout.warn(`after promotion: ${describeFailure(err)}`));
  }
  return endPromoted(plan, rollout, release, promotedByInMemo);
}

interface Started {
  rollout: Rollout;
  plan: Plan;
  policy?: AppliedPolicy;
  promotedByInMemo: boolean;
  /** The deploy window is the last gate before traffic moves (policy-run.ts). */
  windowLast: boolean;
  /** A release's target that only a freeze refuses holds until it lifts (RELEASE_TARGET_HOLDS_IN_FREEZE). */
  holdInFreeze: boolean;
}

/**
 * Everything before the platform is touched: the handlers, the holds, the plan check and the policies. An invalid
 * plan, or a policy rule that refuses the run, fails it here: nothing was changed, nothing to undo. So does an
 * unexpected error, which would otherwise fail the workflow task on every retry.
 */
async function start(input: Plan, checkedInOne: boolean, release: ReleaseLink | undefined): Promise<Started> {
  let rollout: Rollout | undefined;
  try {
    rollout = new Rollout(input);
    return await prepare(input, rollout, checkedInOne, release);
  } catch (err) {
    // A cancel before anything changed ends like one later: rolled back (nothing to undo), its status in the memo.
    if (rollout && isCancellation(err) && startedSince('runs-2026-11-29c')) return rollBack(input, rollout, new Compensations(), err);
    throw failedBeforeChange(err, rollout);
  }
}

async function prepare(input: Plan, rollout: Rollout, checkedInOne: boolean, release: ReleaseLink | undefined): Promise<Started> {
  listenToMessages(rollout);
  if (release && inForce('held-by-release')) {
    // Its own patch, asked here in the first workflow task (not `inForce`: runs of today's generation are in flight).
    rollout.releaseHold = new ReleaseHold(release, rollout, patched(RELEASE_GATE_REPORTS));
    rollout.releaseHold.listen();
  }
  // Freezes reach every run, those started before this code too: a broadcast is a new event in their history.
  rollout.freezeHold = new FreezeHold(rollout);
  rollout.freezeHold.listen();
  // Decided before the plan check: on replay, a patch asked right after a local activity resolves can be asked
  // before its marker is in view, and would answer "absent" for a run that has it (see policy-run.ts).
  const policiesFromStart = inForce(POLICIES_FROM_START);
  const promotedByInMemo = inForce(PROMOTED_BY_IN_MEMO);
  // Not `inForce`: runs of the first generations started before it still ask the window first.
  const windowLast = startedSince('runs-2026-11-29b') || patched(WINDOW_LAST_GATE);
  // Asked by a release's targets only (plain runs get no marker); a patch of its own, not `inForce` nor a
  // generation: targets started before it were refused.
  const holdInFreeze = release !== undefined && patched(RELEASE_TARGET_HOLDS_IN_FREEZE);
  const system = release?.releaseId.split('@')[0];
  let plan: Plan;
  let policy: AppliedPolicy | undefined;
  if (checkedInOne) {
    const checked = await checkedRun(input, system); // one local activity: the plan and the policies that apply
    plan = checked.plan;
    policy = applyRunPolicy(plan, checked.policy, rollout, holdInFreeze);
  } else {
    plan = await validatedPlan(input);
    const underPolicy = policiesFromStart || patched('policies');
    policy = underPolicy ? applyRunPolicy(plan, await readRunPolicy(plan, system), rollout, holdInFreeze) : undefined;
  }
  // Older runs ask it after the policy's (normal) activity, and only when it gives sinks: others get no marker.
  if (policy?.notifications?.length && inForce(NOTIFICATIONS)) {
    rollout.notifier = new Notifier(policy.notifications, rollout, system);
    const { strategy, target } = rollout.status;
    const by = plan.metadata.requestedBy ? `, requested by ${plan.metadata.requestedBy}` : '';
    rollout.notifier.send('started', `started: ${strategy} on ${target}${by}`);
  }
  return { rollout, plan, policy, promotedByInMemo, windowLast, holdInFreeze };
}
