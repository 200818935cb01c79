/** ECS traffic: the weighted forward of an ALB listener (or one of its rules) between two target groups. */
import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { type TrafficRouter, weightCheck } from '../traffic-router';
import { type TrafficPoint, readWeights, setWeights, split } from './traffic';

export interface TargetGroupPair {
  stableTargetGroupArn: string;
  candidateTargetGroupArn: string;
}

export function albRouter(elbv2: ElasticLoadBalancingV2Client, point: TrafficPoint, groups: TargetGroupPair): TrafficRouter {
  const { stableTargetGroupArn: stable, candidateTargetGroupArn: candidate } = groups;
  const setWeight = (weight: number) => setWeights(elbv2, point, split(stable, candidate, weight));
  return {
    setWeight,
    async pinStable() {}, // each version has its own target group
    reset: () => setWeight(0),
    async verify(weight) {
      const weights = await readWeights(elbv2, point);
      return weightCheck(weight, { stable: weights[stable] ?? 0, candidate: weights[candidate] ?? 0 });
    },
  };
}
