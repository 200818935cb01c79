/** Canary: traffic moves to the new version step by step, through soaks, approvals and analyses. */
import type { CanaryStrategy, Plan } from '../plan/schema';
import { BackgroundAnalyses } from './analysis';
import { deployCandidate } from './candidate';
import type { Compensations } from './compensations';
import { recordAnalysis } from './metrics';
import { promoteCanary } from './promotion';
import type { Rollout } from './rollout';
import { runSteps } from './steps';

export async function runCanary(plan: Plan, strategy: CanaryStrategy, rollout: Rollout, undo: Compensations): Promise<void> {
  const candidate = await deployCandidate(plan, rollout, undo);
  const context = { plan, rollout, candidate };
  const background = new BackgroundAnalyses(
    (err) => rollout.fail(err),
    (name, timeout) => rollout.waitForJudgement(name, timeout),
    (outcome, measurements) => {
      rollout.addMeasurements(measurements);
      recordAnalysis(plan, outcome);
      if (outcome === 'passed') rollout.analysisPassed = true;
    },
  );
  await runSteps(context, strategy.steps, { background });
  await background.finish();
  await rollout.holdWhilePaused();
  if (rollout.releaseHold) await rollout.releaseHold.holdCanary(plan, candidate); // the release confirms the stage first
  await rollout.trafficMoves(); // a canary with no weight step moves all traffic here
  await promoteCanary(plan, rollout, undo, candidate);
}
