/**
 * Canary traffic without a route: one Service selects the stable and the canary Pods alike, and the canary's
 * share of traffic is its share of the Pods (ceil(weight% of the replicas), the stable one giving up as many).
 */
import { weightCheck } from '../traffic-router';
import type { CanaryRouter } from './canary-router';
import type { CanaryData } from './candidate';
import type { Ctx } from './context';
import { readDeployment, replicasOf, scale } from './deployments';
import { waitRolledOut } from './readiness';
import { waitOptions } from './context';
import { replicaSplit } from './traffic';

export function replicaRatioRouter(c: Ctx, d: CanaryData): CanaryRouter {
  const { k } = c;
  return {
    async setWeight(weight) {
      const want = replicaSplit(d.replicas, weight);
      const stable = await readDeployment(k, d.namespace, d.stableDeployment);
      // Add Pods before taking any away: the side that grows is ready before the other shrinks.
      const steps: Array<[string, number]> =
        want.stable > replicasOf(stable)
          ? [
              [d.stableDeployment, want.stable],
              [d.canaryDeployment, want.canary],
            ]
          : [
              [d.canaryDeployment, want.canary],
              [d.stableDeployment, want.stable],
            ];
      const [first, second] = steps;
      await scale(k, d.namespace, first[0], first[1]);
      await waitRolledOut(k, d.namespace, first[0], waitOptions(c, `${first[0]} at ${first[1]} Pods`, true));
      await scale(k, d.namespace, second[0], second[1]);
    },
    async pinStable() {}, // the shared Service reaches both on purpose
    async reset() {}, // Pods carry the split: the rollback restores the stable replicas and removes the canary's
    async verify(weight) {
      const stable = replicasOf(await readDeployment(k, d.namespace, d.stableDeployment));
      const canary = replicasOf(await readDeployment(k, d.namespace, d.canaryDeployment));
      const total = stable + canary;
      return weightCheck(weight, { stable: total ? (stable * 100) / total : 0, candidate: total ? (canary * 100) / total : 0 });
    },
    // The shared Service reaches whichever Pods are ready while the stable Deployment rolls.
    async canaryServesWhileStableRolls() {},
    async stableServesAgain() {},
  };
}
