/**
 * One deployment plan, start to finish: migration (optional), then canary or blue-green.
 *
 * It ends in one of two known states. Promoted: the workflow completes with the result. Rolled back: every
 * change is undone in a scope nothing can cancel, and the workflow fails with type "RolledBack" (or closes as
 * Canceled when it was cancelled from the UI or client). Terminate skips rollback; see the README.
 */
import { ApplicationFailure, CancellationScope, allHandlersFinished, condition, isCancellation, workflowInfo } from '@temporalio/workflow';
import { type Plan, PlanSchema } from '../plan/schema';
import { runBlueGreen } from './blue-green';
import { runCanary } from './canary';
import { Compensations } from './compensations';
import { recordOutcome, recordRollback } from './metrics';
import { runMigration } from './migration';
import { Rollout } from './rollout';
import type { DeploymentStatus } from './status';

export interface DeploymentResult {
  outcome: 'promoted';
  status: DeploymentStatus;
}

export async function deploymentWorkflow(input: Plan): Promise<DeploymentResult> {
  const parsed = PlanSchema.safeParse(input);
  if (!parsed.success) {
    throw ApplicationFailure.nonRetryable(`invalid plan: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, 'InvalidPlan');
  }
  const plan = parsed.data;
  const rollout = new Rollout(plan);
  rollout.listen();
  const undo = new Compensations();

  try {
    await rollout.forward.run(async () => {
      if (plan.migration) await runMigration(plan, plan.migration, rollout, undo);
      if (plan.strategy.type === 'canary') await runCanary(plan, plan.strategy, rollout, undo);
      else await runBlueGreen(plan, plan.strategy, rollout, undo);
    });
  } catch (err) {
    const cancelled = CancellationScope.current().consideredCancelled && !rollout.abortedBy && !rollout.failure;
    const reason = rollout.abortedBy
      ? `aborted by ${rollout.abortedBy.by}${rollout.abortedBy.reason ? `: ${rollout.abortedBy.reason}` : ''}`
      : rollout.failure
        ? describeFailure(rollout.failure)
        : cancelled
          ? 'workflow cancelled'
          : describeFailure(err);
    if (cancelled) rollout.record('cancel', { by: 'temporal', reason: 'cancel requested' });
    await CancellationScope.nonCancellable(async () => {
      const rollbackStarted = Date.now();
      rollout.setPhase('RollingBack', `rolling back: ${reason}`);
      await undo.unwind((step) => rollout.update({ message: `rolling back: ${step}` }));
      rollout.setWeight(0);
      const result = cancelled ? 'cancelled' : 'rolled-back';
      rollout.update({ outcome: { result, reason }, endedAt: new Date().toISOString() });
      rollout.setPhase('RolledBack', `rolled back: ${reason}`);
      recordRollback(plan, Date.now() - rollbackStarted);
      recordOutcome(plan, result, Date.now() - workflowInfo().startTime.getTime());
      await condition(allHandlersFinished);
    });
    if (cancelled) throw err;
    // BENIGN: a rollback is the plan working as designed, not a worker error; the run still closes as Failed.
    throw ApplicationFailure.create({ message: `rolled back: ${reason}`, type: 'RolledBack', nonRetryable: true, category: 'BENIGN', details: [rollout.status] });
  }

  rollout.update({ outcome: { result: 'promoted', reason: `${plan.metadata.release} is live` }, gate: undefined, endedAt: new Date().toISOString() });
  recordOutcome(plan, 'promoted', Date.now() - workflowInfo().startTime.getTime());
  rollout.setPhase('Promoted', `${plan.metadata.release} is live on ${rollout.status.target}`);
  await condition(allHandlersFinished);
  return { outcome: 'promoted', status: rollout.status };
}

function describeFailure(err: unknown): string {
  if (isCancellation(err)) return 'cancelled';
  let e = err as { message?: string; cause?: unknown } | undefined;
  // Activity failures wrap the platform's error: report the innermost message, which says what went wrong.
  while (e && typeof e === 'object' && e.cause && (e.cause as { message?: string }).message) e = e.cause as typeof e;
  return e?.message ?? String(err);
}
