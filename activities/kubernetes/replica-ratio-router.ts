/**
 * Canary traffic without a route: one Service selects the stable and the canary Pods alike, and the canary's
 * share of traffic is its share of the Pods (ceil(weight% of the replicas), the stable one giving up as many).
 */
import type { CanaryRouter } from './canary-router';
import type { CanaryData } from './candidate';
import type { KubeContext } from './context';
import { readDeployment, replicasOf, scale } from './deployments';
import { waitRolledOut } from './readiness';
import { waitOptions } from './context';
import { replicaSplit } from './traffic';

export function replicaRatioRouter(context: KubeContext, data: CanaryData): CanaryRouter {
  const { cluster } = context;
  return {
    async setWeight(weight) {
      const want = replicaSplit(data.replicas, weight);
      const stable = await readDeployment(cluster, data.namespace, data.stableDeployment);
      // Add Pods before taking any away: the side that grows is ready before the other shrinks.
      const steps: Array<[string, number]> =
        want.stable > replicasOf(stable)
          ? [
              [data.stableDeployment, want.stable],
              [data.canaryDeployment, want.canary],
            ]
          : [
              [data.canaryDeployment, want.canary],
              [data.stableDeployment, want.stable],
            ];
      const [first, second] = steps;
      await scale(cluster, data.namespace, first[0], first[1]);
      await waitRolledOut(cluster, data.namespace, first[0], waitOptions(context, `${first[0]} at ${first[1]} Pods`, true));
      await scale(cluster, data.namespace, second[0], second[1]);
    },
    async pinStable() {}, // the shared Service reaches both on purpose
    async reset() {}, // Pods carry the split: the rollback restores the stable replicas and removes the canary's
    async verify(weight) {
      const stable = replicasOf(await readDeployment(cluster, data.namespace, data.stableDeployment));
      const canary = replicasOf(await readDeployment(cluster, data.namespace, data.canaryDeployment));
      const total = stable + canary;
      const shares = { stable: total ? (stable * 100) / total : 0, candidate: total ? (canary * 100) / total : 0 };
      // Pods come whole: `weight` holds when the replicas are the split setWeight makes for it (60% of 4 Pods is 3,
      // which sends 75%), not when the shares equal the percent asked for.
      const want = replicaSplit(data.replicas, weight);
      return { ok: stable === want.stable && canary === want.canary, ...shares };
    },
    // The shared Service reaches whichever Pods are ready while the stable Deployment rolls.
    async canaryServesWhileStableRolls() {},
    async stableServesAgain() {},
  };
}
