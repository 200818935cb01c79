/**
 * Blue-green traffic: the active Service's selector, pinned to the stable ReplicaSet or switched to the new
 * version's Pods, all at once. Which Deployment it serves is kept in an annotation on the Service, so the next
 * release knows where to start from.
 */
import { ApplicationFailure } from '@temporalio/common';
import { type TrafficRouter, weightCheck } from '../traffic-router';
import type { BlueGreenData } from './candidate';
import type { ClusterClients } from './clients';
import { readService, setSelector } from './services';

/** On the active Service: the Deployment it serves. */
export const ANNOTATION_ACTIVE = 'glidepath/active-deployment';

export function serviceSwitchRouter(cluster: ClusterClients, data: BlueGreenData): TrafficRouter {
  const toStable = () =>
    setSelector(cluster, data.namespace, data.activeService, data.stableSelector, { [ANNOTATION_ACTIVE]: data.stableDeployment });
  return {
    async setWeight(weight) {
      if (weight === 0) return toStable();
      if (weight < 100) {
        throw ApplicationFailure.nonRetryable(
          `a blue-green Service serves one version; it cannot send ${weight}% to the new one`,
          'InvalidPlan',
        );
      }
      await setSelector(cluster, data.namespace, data.activeService, data.candidateSelector, {
        [ANNOTATION_ACTIVE]: data.candidateDeployment,
      });
    },
    pinStable: toStable,
    reset: toStable,
    async verify(weight) {
      const active = await readService(cluster, data.namespace, data.activeService);
      const serves = active.metadata?.annotations?.[ANNOTATION_ACTIVE] ?? data.stableDeployment;
      const candidate = serves === data.candidateDeployment ? 100 : 0;
      return weightCheck(weight, { stable: serves === data.stableDeployment ? 100 : 0, candidate });
    },
  };
}
