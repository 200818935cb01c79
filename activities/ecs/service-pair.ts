/**
 * `deployment: servicePair` (the default): the new version is its own service `<service>-<release>` (a new task
 * definition revision: the stable one with the plan's image) registered to the idle one of two target groups;
 * traffic moves by the listener's (or a rule's) weighted forward (alb-router.ts). Promotion sends all traffic
 * to the new service, which is then the stable one: the two target groups alternate between releases, and the
 * live one is always read from the listener.
 */
import { ApplicationFailure } from '@temporalio/common';
import { durationMs } from '../../plan/duration';
import type { EcsTarget } from '../../plan/targets';
import { releaseMarker } from '../release-marks';
import type { Candidate } from '../types';
import type { Release, Workload } from '../workload';
import { albRouter } from './alb-router';
import { type PairData, decodePairData } from './candidate';
import type { EcsClients } from './clients';
import { serviceReady, waitFor } from './readiness';
import { activeServices, assertIdle, createServiceLike, describeService, liveService, releaseServiceName, removeService } from './services';
import { TAG_RELEASE, registerDerived } from './task-definitions';
import { type TrafficPoint, type Weights, describePoint, readWeights, setWeights, split } from './traffic';

/** The plan's load balancer settings; a servicePair target always has them (the schema checks). */
function lbOf(target: EcsTarget) {
  if (!target.loadBalancer) throw ApplicationFailure.nonRetryable('a servicePair deployment needs loadBalancer', 'InvalidPlan');
  return target.loadBalancer;
}

const production = (target: EcsTarget): TrafficPoint => ({ listenerArn: lbOf(target).listenerArn, ruleArn: lbOf(target).ruleArn });

/**
 * Which of the two target groups is live: the one the production forward sends most traffic to. A split
 * that favours neither means another rollout is half-way, and nothing can safely be decided.
 */
function liveAndIdle(target: EcsTarget, weights: Weights): { live: string; idle: string; weight: number } {
  const { stableTargetGroupArn: groupA, canaryTargetGroupArn: groupB } = lbOf(target);
  const weightA = weights[groupA] ?? 0;
  const weightB = weights[groupB] ?? 0;
  if (weightA === 0 && weightB === 0) {
    throw ApplicationFailure.nonRetryable(
      `${describePoint(production(target))} forwards to neither ${groupA} nor ${groupB}`,
      'InvalidPlan',
    );
  }
  if (weightA === weightB) {
    throw ApplicationFailure.nonRetryable(
      `${describePoint(production(target))} splits traffic ${Math.round(weightA)}/${Math.round(weightB)} between the two target groups; ` +
        'finish or roll back the rollout in progress first',
      'Conflict',
    );
  }
  return weightA > weightB ? { live: groupA, idle: groupB, weight: weightA } : { live: groupB, idle: groupA, weight: weightB };
}

export function servicePair(clients: EcsClients, intervalMs: number): Workload<EcsTarget, PairData> {
  /** Blue-green's test listener, when the plan has one: the new version's preview endpoint. */
  const testRouter = ({ target, data }: Release<EcsTarget, PairData>) => {
    const test = target.loadBalancer?.testListenerArn;
    return test ? albRouter(clients(target.region).elbv2, { listenerArn: test }, data) : undefined;
  };

  return {
    decode: decodePairData,
    router: (target, data) => albRouter(clients(target.region).elbv2, production(target), data),
    // Before `unchanged` was recorded, a release already live had the same stable and new service.
    recordedUnchanged: (candidate) => candidate.candidateVersion === candidate.stableVersion,

    async deploy(target, { metadata }) {
      const { ecs, elbv2 } = clients(target.region);
      const { live, idle, weight } = liveAndIdle(target, await readWeights(elbv2, production(target)));
      const services = await activeServices(ecs, target.cluster);
      const stable = liveService(services, target.service, live, weight);
      const name = releaseServiceName(target.service, metadata.release);
      const data: PairData = {
        cluster: target.cluster,
        stableService: stable.serviceName!,
        candidateService: name,
        stableTargetGroupArn: live,
        candidateTargetGroupArn: idle,
      };
      const candidate: Candidate = { stableVersion: stable.serviceName!, candidateVersion: name, data: { ...data } };
      if (stable.serviceName === name) return { ...candidate, unchanged: true }; // this release is the live one already
      assertIdle(services, idle, name);

      const existing = await describeService(ecs, target.cluster, name);
      if (existing?.status === 'DRAINING') {
        throw ApplicationFailure.retryable(`service ${name} from an earlier attempt at this release is still draining`, 'Draining');
      }
      if (!existing) {
        const tags = { [TAG_RELEASE]: releaseMarker(metadata) };
        const taskDefinitionArn = await registerDerived(ecs, stable.taskDefinition!, target.taskDefinition, tags);
        await createServiceLike(ecs, stable, {
          cluster: target.cluster,
          name,
          taskDefinitionArn,
          desiredCount: target.desiredCount ?? stable.desiredCount ?? 1,
          fromTg: live,
          toTg: idle,
          tags,
        });
      }
      return candidate;
    },

    async waitReady({ target, data }) {
      const { ecs, elbv2 } = clients(target.region);
      await waitFor(
        `${data.candidateService} ready`,
        () => serviceReady(ecs, elbv2, data.cluster, data.candidateService, data.candidateTargetGroupArn),
        durationMs(target.readyTimeout),
        intervalMs,
      );
    },

    // Without a test listener the new version is reachable on its target group only.
    preview: async (release) => testRouter(release)?.setWeight(100),

    /** All production traffic (and the test listener's) back on the stable group, then the new service removed. */
    async rollBack(release) {
      await release.router.reset();
      await testRouter(release)?.reset();
      await removeService(clients(release.target.region).ecs, release.data.cluster, release.data.candidateService);
    },

    /** The deploy call never returned: traffic never moved to this release's service; remove it if it exists. */
    async rollBackUnknown(target, metadata) {
      const { ecs, elbv2 } = clients(target.region);
      const name = releaseServiceName(target.service, metadata.release);
      const service = await describeService(ecs, target.cluster, name);
      if (service?.status !== 'ACTIVE') return;
      const weights = await readWeights(elbv2, production(target));
      const { stableTargetGroupArn: groupA, canaryTargetGroupArn: groupB } = lbOf(target);
      const mine = (service.loadBalancers ?? []).map((lb) => lb.targetGroupArn).find((tg) => tg === groupA || tg === groupB);
      if (mine && (weights[mine] ?? 0) >= 100) return; // it is the live service (this release was promoted before)
      if (mine && (weights[mine] ?? 0) > 0)
        await setWeights(elbv2, production(target), split(mine, mine === groupA ? groupB : groupA, 100));
      await removeService(ecs, target.cluster, name);
    },

    async retirePrevious({ target, data, router }) {
      // Never remove a service that still takes traffic, whoever moved it back.
      const { stable } = await router.verify(100);
      if (stable > 0) {
        throw ApplicationFailure.nonRetryable(
          `refusing to remove ${data.stableService}: its target group still receives ${Math.round(stable)}% of traffic`,
          'Conflict',
        );
      }
      await removeService(clients(target.region).ecs, data.cluster, data.stableService, { drain: true });
    },
  };
}
