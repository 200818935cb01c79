/** Canary: traffic moves to the new version step by step, through soaks, approvals and analyses. */
import type { CanaryStrategy, Plan } from '../plan/schema';
import { platform } from './activities';
import { deployCandidate } from './candidate';
import type { Compensations } from './compensations';
import { describeStep } from './describe';
import type { Rollout } from './rollout';
import { runStep } from './steps';

export async function runCanary(plan: Plan, strategy: CanaryStrategy, rollout: Rollout, undo: Compensations): Promise<void> {
  const candidate = await deployCandidate(plan, rollout, undo);
  for (const [index, step] of strategy.steps.entries()) {
    if (rollout.fullPromotion) break;
    await rollout.holdWhilePaused();
    rollout.enterStep(index, strategy.steps.length, describeStep(step));
    await runStep({ plan, rollout, candidate }, step, index);
  }
  await rollout.holdWhilePaused();
  rollout.setPhase('Promoting', `making ${candidate.candidateVersion} the stable version`);
  await platform.promoteCandidate.executeWithOptions({ summary: `promote ${candidate.candidateVersion}` }, [
    { target: plan.target, metadata: plan.metadata, candidate },
  ]);
  rollout.setWeight(100);
  undo.clear();
}
