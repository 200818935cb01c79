/**
 * How a promoted run ends: the new version is live to stay, so it ends Promoted whatever happens here. Its status,
 * metrics, memo and notification are each written in `attempt` (bookkeeping.ts): an unexpected error in one leaves
 * a warning, the others still run, and the run completes with the outcome it reached. Workflow code.
 */
import { CancellationScope, allHandlersFinished, condition, upsertMemo, workflowInfo } from '@temporalio/workflow';
import type { Plan } from '../plan/schema';
import { attempt, attemptAsync } from './bookkeeping';
import type { DeploymentResult } from './deployment';
import { recordOutcome, recordPausedRun, recordPromotion } from './metrics';
import type { ReleaseLink } from './release-messages';
import type { Rollout } from './rollout';

export async function endPromoted(
  plan: Plan,
  rollout: Rollout,
  release: ReleaseLink | undefined,
  promotedByInMemo: boolean,
): Promise<DeploymentResult> {
  const live = `${plan.metadata.release} is live`;
  attempt(rollout, 'recording a late cancel', () => {
    if (CancellationScope.current().consideredCancelled)
      rollout.record('cancel', { by: 'temporal', reason: 'cancel requested' }, undefined, 'too late: past the point of no return');
  });
  return CancellationScope.nonCancellable(async () => {
    attempt(rollout, 'recording the outcome', () =>
      rollout.update({ outcome: { result: 'promoted', reason: live }, gate: undefined, endedAt: new Date().toISOString() }),
    );
    attempt(rollout, 'recording metrics', () => {
      recordOutcome(plan, 'promoted', Date.now() - workflowInfo().startTime.getTime());
      recordPromotion(plan, rollout.lastGate);
      if (rollout.pausedOnce) recordPausedRun(plan, 'promoted');
    });
    attempt(rollout, 'noting who promoted in the memo', () => {
      // A release that did not say (one started before it could) leaves it unknown rather than "automatic".
      const promotedBy = rollout.promotedBy ?? (release ? release.promotedBy : 'automatic');
      if (promotedByInMemo && promotedBy) upsertMemo({ promotedBy });
    });
    attempt(rollout, 'showing the phase Promoted', () => rollout.setPhase('Promoted', `${live} on ${rollout.status.target}`));
    const { notifier } = rollout;
    if (notifier) {
      await attemptAsync(rollout, 'notifying the promotion', async () => {
        notifier.send('promoted', `promoted: ${live} on ${rollout.status.target}`, { outcome: 'promoted' });
        await notifier.settle();
      });
    }
    // Whatever failed above, the status says what is true.
    rollout.status.outcome ??= { result: 'promoted', reason: live };
    rollout.status.endedAt ??= new Date().toISOString();
    rollout.status.phase = 'Promoted';
    await condition(allHandlersFinished);
    return { outcome: 'promoted' as const, status: rollout.status };
  });
}
