/**
 * Blue-green: the new version runs beside the old one and is checked on its preview endpoint; then all
 * traffic switches at once. The old version is kept for the scale-down delay, so switching back is instant.
 */
import type { BlueGreenStrategy, Plan } from '../plan/schema';
import { durationMs, formatDuration } from '../plan/duration';
import { platform } from './activities';
import { deployCandidate } from './candidate';
import type { Compensations } from './compensations';
import { commitBlueGreen } from './promotion';
import type { Rollout } from './rollout';
import { runSteps } from './steps';

export async function runBlueGreen(plan: Plan, strategy: BlueGreenStrategy, rollout: Rollout, undo: Compensations): Promise<void> {
  const { target, metadata } = plan;
  const candidate = await deployCandidate(plan, rollout, undo);
  const context = { plan, rollout, candidate };
  const total = strategy.prePromotion.length + strategy.postPromotion.length;

  rollout.setPhase('Deploying', `exposing ${candidate.candidateVersion} on its preview endpoint`);
  await platform.previewCandidate.executeWithOptions({ summary: 'preview new version' }, [{ target, metadata, candidate }]);
  await runSteps(context, strategy.prePromotion, { total, label: 'before switch: ' });

  await rollout.trafficMoves();
  await rollout.holdWhilePaused();
  rollout.setPhase('Promoting', `switching all traffic to ${candidate.candidateVersion}`);
  await platform.promoteCandidate.executeWithOptions({ summary: `switch traffic to ${candidate.candidateVersion}` }, [
    { target, metadata, candidate },
  ]);
  rollout.setWeight(100);

  await runSteps(context, strategy.postPromotion, { offset: strategy.prePromotion.length, total, label: 'after switch: ' });

  const delay = durationMs(strategy.scaleDownDelay);
  if (rollout.releaseHold) await rollout.releaseHold.report(candidate); // moved; the previous version is kept until confirmed
  await rollout.soak(delay, `keep ${candidate.stableVersion} for ${formatDuration(delay)}`, 'KeepingPrevious');
  if (rollout.releaseHold) await rollout.releaseHold.awaitConfirmation(candidate);
  await commitBlueGreen(plan, rollout, undo, candidate); // past the delay the previous version goes away
}
