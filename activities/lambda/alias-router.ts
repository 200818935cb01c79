/** Lambda traffic: the production alias's weighted routing (AdditionalVersionWeights) between two versions. */
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { LambdaTarget } from '../../plan/targets';
import { type TrafficRouter, weightCheck } from '../traffic-router';
import { getAlias, pointAlias } from './alias';

export interface AliasVersions {
  stableVersion: string;
  candidateVersion: string;
}

export function aliasRouter(client: LambdaClient, target: LambdaTarget, { stableVersion, candidateVersion }: AliasVersions): TrafficRouter {
  return {
    async setWeight(weight) {
      if (weight >= 100) await pointAlias(client, target, candidateVersion);
      else await pointAlias(client, target, stableVersion, weight > 0 ? { [candidateVersion]: weight / 100 } : {});
    },
    async pinStable() {}, // the alias names versions: the stable one is pinned by its number
    reset: () => pointAlias(client, target, stableVersion),
    async verify(weight) {
      const alias = await getAlias(client, target);
      const extra = alias.RoutingConfig?.AdditionalVersionWeights ?? {};
      const share = (version: string) =>
        (alias.FunctionVersion === version ? 100 - Object.values(extra).reduce((sum, share) => sum + share * 100, 0) : 0) +
        (extra[version] ?? 0) * 100;
      return weightCheck(weight, { stable: share(stableVersion), candidate: share(candidateVersion) });
    },
  };
}
