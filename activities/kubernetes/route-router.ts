/**
 * Gateway API canary traffic: the HTTPRoute's backendRef weights between the stable and the canary Service.
 * The stable Service is pinned to the stable ReplicaSet (pod-template-hash), so it never reaches canary Pods,
 * which carry the same app labels; the canary Service selects the canary Pods.
 */
import type { KubernetesTarget } from '../../plan/targets';
import { weightCheck } from '../traffic-router';
import type { CanaryRouter } from './canary-router';
import type { CanaryData } from './candidate';
import type { ClusterClients } from './clients';
import { route, routePoint } from './context';
import { readDeployment } from './deployments';
import { POD_TEMPLATE_HASH } from './objects';
import { currentTemplateHash, setSelector } from './services';
import { routeWeights, setRouteWeights } from './traffic';

export function routeRouter(cluster: ClusterClients, target: KubernetesTarget, data: CanaryData): CanaryRouter {
  const point = routePoint(target);
  const stableService = route(target)!.stableService;
  const setWeight = (weight: number) => setRouteWeights(cluster, point, weight);
  const pinStable = async () => {
    const stable = await readDeployment(cluster, data.namespace, data.stableDeployment);
    await setSelector(cluster, data.namespace, stableService, {
      ...data.stableSelector,
      [POD_TEMPLATE_HASH]: await currentTemplateHash(cluster, stable),
    });
  };
  return {
    setWeight,
    pinStable,
    async reset() {
      await setSelector(cluster, data.namespace, stableService, data.stableSelector); // pinned to the stable ReplicaSet of deploy time
      await setWeight(0);
    },
    async verify(weight) {
      const { stable, canary } = await routeWeights(cluster, point);
      return weightCheck(weight, { stable, candidate: canary });
    },
    canaryServesWhileStableRolls: () => setWeight(100),
    async stableServesAgain() {
      await pinStable();
      await setWeight(0);
    },
  };
}
