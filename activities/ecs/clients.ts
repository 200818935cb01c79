/** The AWS clients the ECS platform talks to, one pair per region (tests point them at moto). */
import { ECSClient } from '@aws-sdk/client-ecs';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';

export interface EcsRegionClients {
  ecs: ECSClient;
  elbv2: ElasticLoadBalancingV2Client;
}

export type EcsClients = (region?: string) => EcsRegionClients;

/** Clients from the default credential chain; the SDK retries throttling and 5xx with backoff itself too. */
export function defaultEcsClients(): EcsClients {
  const cache = new Map<string, EcsRegionClients>();
  return (region) => {
    const key = region ?? '';
    if (!cache.has(key)) {
      const config = region ? { region } : {};
      cache.set(key, { ecs: new ECSClient(config), elbv2: new ElasticLoadBalancingV2Client(config) });
    }
    return cache.get(key)!;
  };
}
