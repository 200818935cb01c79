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

export function serviceSwitchRouter(k: ClusterClients, d: BlueGreenData): TrafficRouter {
  const toStable = () => setSelector(k, d.namespace, d.activeService, d.stableSelector, { [ANNOTATION_ACTIVE]: d.stableDeployment });
  return {
    async setWeight(weight) {
      if (weight === 0) return toStable();
      if (weight < 100) {
        throw ApplicationFailure.nonRetryable(
          `a blue-green Service serves one version; it cannot send ${weight}% to the new one`,
          'InvalidPlan',
        );
      }
      await setSelector(k, d.namespace, d.activeService, d.candidateSelector, { [ANNOTATION_ACTIVE]: d.candidateDeployment });
    },
    pinStable: toStable,
    reset: toStable,
    async verify(weight) {
      const active = await readService(k, d.namespace, d.activeService);
      const serves = active.metadata?.annotations?.[ANNOTATION_ACTIVE] ?? d.stableDeployment;
      const candidate = serves === d.candidateDeployment ? 100 : 0;
      return weightCheck(weight, { stable: serves === d.stableDeployment ? 100 : 0, candidate });
    },
  };
}
