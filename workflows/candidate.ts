/** Deploying the new version beside the stable one, with its rollback registered first. */
import { CancellationScope } from '@temporalio/workflow';
import type { Candidate } from '../activities/types';
import type { Plan } from '../plan/schema';
import { platform, rescue, waits } from './activities';
import type { Compensations } from './compensations';
import type { Rollout } from './rollout';

export async function deployCandidate(plan: Plan, rollout: Rollout, undo: Compensations): Promise<Candidate> {
  const { target, metadata } = plan;
  if (target.type === 'ecs' && target.deployment === 'rolling') await rollout.trafficMoves(); // ECS moves traffic as it replaces tasks
  rollout.setPhase('Deploying', `deploying ${metadata.release} beside the stable version`);
  let candidate: Candidate | undefined;
  undo.push(`roll back ${metadata.release}`, async () => {
    await rescue.rollBack.executeWithOptions({ summary: 'roll back: traffic to stable, remove new version' }, [
      { target, metadata, candidate },
    ]);
  });
  // Creating is quick and not interrupted, so an abort always knows what to remove.
  candidate = await CancellationScope.nonCancellable(() =>
    platform.deployCandidate.executeWithOptions({ summary: `deploy ${metadata.release}` }, [
      { target, metadata, strategy: plan.strategy.type },
    ]),
  );
  rollout.update({ stableVersion: candidate.stableVersion, candidateVersion: candidate.candidateVersion });
  rollout.setPhase('Deploying', `waiting for ${candidate.candidateVersion} to be ready`);
  await waits.waitCandidateReady.executeWithOptions({ summary: `wait until ${candidate.candidateVersion} is ready` }, [
    { target, metadata, candidate },
  ]);
  return candidate;
}
