/**
 * The end of a successful rollout: the point of no return, promotion, and the cleanup of the previous version.
 *
 * Point of no return, per strategy (README, "Guarantees"):
 * - canary: the moment the promote call starts. Until then an abort rolls back; from then on the run ends promoted
 *   (a failed promote call still rolls back, since the previous version is untouched until it succeeds).
 * - blue-green: the end of the scale-down delay. During the delay the previous version still runs, so an abort
 *   switches traffic back at once; after it, the previous version is removed and the run ends promoted.
 */
import { CancellationScope } from '@temporalio/workflow';
import type { Candidate } from '../activities/types';
import type { Plan } from '../plan/schema';
import { cleanup, platform } from './activities';
import type { Compensations } from './compensations';
import { describeFailure } from './failures';
import type { Rollout } from './rollout';

/** Canary: commit, then make the new version the stable one. Not interruptible once started. */
export async function promoteCanary(plan: Plan, rollout: Rollout, undo: Compensations, candidate: Candidate): Promise<void> {
  rollout.setPhase('Promoting', `making ${candidate.candidateVersion} the stable version`);
  rollout.commit();
  await CancellationScope.nonCancellable(() =>
    platform.promoteCandidate.executeWithOptions({ summary: `promote ${candidate.candidateVersion}` }, [
      { target: plan.target, metadata: plan.metadata, candidate },
    ]),
  );
  rollout.setWeight(100, { withNextPhase: true }); // searchable with Promoted, once the cleanup is done
  rollout.markPromoted();
  undo.clear();
  await retirePrevious(plan, rollout, candidate, `clean up after ${candidate.stableVersion}`);
}

/** Blue-green, after the scale-down delay: commit (the switch already happened) and remove the previous version. */
export async function commitBlueGreen(plan: Plan, rollout: Rollout, undo: Compensations, candidate: Candidate): Promise<void> {
  rollout.commit();
  rollout.markPromoted();
  undo.clear();
  await retirePrevious(plan, rollout, candidate, `remove ${candidate.stableVersion}`);
}

/** Removes what is left of the previous version. A failure never undoes the promotion: it becomes a warning. */
async function retirePrevious(plan: Plan, rollout: Rollout, candidate: Candidate, summary: string): Promise<void> {
  try {
    await CancellationScope.nonCancellable(() =>
      cleanup.retirePrevious.executeWithOptions({ summary }, [{ target: plan.target, metadata: plan.metadata, candidate }]),
    );
  } catch (err) {
    rollout.warn(
      `${candidate.candidateVersion} is live, but removing ${candidate.stableVersion} failed: ${describeFailure(err)}; remove it by hand`,
    );
  }
}
