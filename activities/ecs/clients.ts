/** The AWS clients the ECS platform talks to, one pair per region (tests point them at moto). */
import { ECSClient } from '@aws-sdk/client-ecs';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { perRegion } from '../aws-clients';

export interface EcsRegionClients {
  ecs: ECSClient;
  elbv2: ElasticLoadBalancingV2Client;
}

export type EcsClients = (region?: string) => EcsRegionClients;

/** Clients from the default credential chain; the SDK retries throttling and 5xx with backoff itself too. */
export function defaultEcsClients(): EcsClients {
  return perRegion((config) => ({ ecs: new ECSClient(config), elbv2: new ElasticLoadBalancingV2Client(config) }));
}
