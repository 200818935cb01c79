/** Canary: traffic moves to the new version step by step, through soaks, approvals and analyses. */
import type { CanaryStrategy, Plan } from '../plan/schema';
import { BackgroundAnalyses } from './analysis';
import { deployCandidate } from './candidate';
import type { Compensations } from './compensations';
import { describeStep } from './describe';
import { recordAnalysis } from './metrics';
import { promoteCanary } from './promotion';
import { type Rollout, gateName } from './rollout';
import { runStep, templateVariables } from './steps';

export async function runCanary(plan: Plan, strategy: CanaryStrategy, rollout: Rollout, undo: Compensations): Promise<void> {
  const candidate = await deployCandidate(plan, rollout, undo);
  const context = { plan, rollout, candidate };
  const background = new BackgroundAnalyses(
    (err) => rollout.fail(err),
    (name, timeout) => rollout.waitForJudgement(name, timeout),
    (outcome) => recordAnalysis(plan, outcome),
  );
  for (const [index, step] of strategy.steps.entries()) {
    if (rollout.fullPromotion) break;
    await background.checkpoint();
    await rollout.holdWhilePaused();
    rollout.enterStep(index, strategy.steps.length, describeStep(step));
    if (step.analysis?.background) {
      background.start(step.analysis, gateName(step.analysis.name, 'analysis', index), templateVariables(context));
    } else {
      await runStep(context, step, index);
    }
  }
  await background.finish();
  await rollout.holdWhilePaused();
  if (rollout.releaseHold) await rollout.releaseHold.holdCanary(plan, candidate); // the release confirms the stage first
  await promoteCanary(plan, rollout, undo, candidate);
}
