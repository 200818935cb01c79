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
function lbOf(t: EcsTarget) {
  if (!t.loadBalancer) throw ApplicationFailure.nonRetryable('a servicePair deployment needs loadBalancer', 'InvalidPlan');
  return t.loadBalancer;
}

const production = (t: EcsTarget): TrafficPoint => ({ listenerArn: lbOf(t).listenerArn, ruleArn: lbOf(t).ruleArn });

/**
 * Which of the two target groups is live: the one the production forward sends most traffic to. A split
 * that favours neither means another rollout is half-way, and nothing can safely be decided.
 */
function liveAndIdle(t: EcsTarget, weights: Weights): { live: string; idle: string; weight: number } {
  const { stableTargetGroupArn: a, canaryTargetGroupArn: b } = lbOf(t);
  const wa = weights[a] ?? 0;
  const wb = weights[b] ?? 0;
  if (wa === 0 && wb === 0) {
    throw ApplicationFailure.nonRetryable(`${describePoint(production(t))} forwards to neither ${a} nor ${b}`, 'InvalidPlan');
  }
  if (wa === wb) {
    throw ApplicationFailure.nonRetryable(
      `${describePoint(production(t))} splits traffic ${Math.round(wa)}/${Math.round(wb)} between the two target groups; ` +
        'finish or roll back the rollout in progress first',
      'Conflict',
    );
  }
  return wa > wb ? { live: a, idle: b, weight: wa } : { live: b, idle: a, weight: wb };
}

export function servicePair(clients: EcsClients, intervalMs: number): Workload<EcsTarget, PairData> {
  /** Blue-green's test listener, when the plan has one: the new version's preview endpoint. */
  const testRouter = ({ target: t, data }: Release<EcsTarget, PairData>) => {
    const test = t.loadBalancer?.testListenerArn;
    return test ? albRouter(clients(t.region).elbv2, { listenerArn: test }, data) : undefined;
  };

  return {
    decode: decodePairData,
    router: (t, data) => albRouter(clients(t.region).elbv2, production(t), data),
    // Before `unchanged` was recorded, a release already live had the same stable and new service.
    recordedUnchanged: (c) => c.candidateVersion === c.stableVersion,

    async deploy(t, { metadata }) {
      const { ecs, elbv2 } = clients(t.region);
      const { live, idle, weight } = liveAndIdle(t, await readWeights(elbv2, production(t)));
      const services = await activeServices(ecs, t.cluster);
      const stable = liveService(services, t.service, live, weight);
      const name = releaseServiceName(t.service, metadata.release);
      const data: PairData = {
        cluster: t.cluster,
        stableService: stable.serviceName!,
        candidateService: name,
        stableTargetGroupArn: live,
        candidateTargetGroupArn: idle,
      };
      const candidate: Candidate = { stableVersion: stable.serviceName!, candidateVersion: name, data: { ...data } };
      if (stable.serviceName === name) return { ...candidate, unchanged: true }; // this release is the live one already
      assertIdle(services, idle, name);

      const existing = await describeService(ecs, t.cluster, name);
      if (existing?.status === 'DRAINING') {
        throw ApplicationFailure.retryable(`service ${name} from an earlier attempt at this release is still draining`, 'Draining');
      }
      if (!existing) {
        const tags = { [TAG_RELEASE]: releaseMarker(metadata) };
        const taskDefinitionArn = await registerDerived(ecs, stable.taskDefinition!, t.taskDefinition, tags);
        await createServiceLike(ecs, stable, {
          cluster: t.cluster,
          name,
          taskDefinitionArn,
          desiredCount: t.desiredCount ?? stable.desiredCount ?? 1,
          fromTg: live,
          toTg: idle,
          tags,
        });
      }
      return candidate;
    },

    async waitReady({ target: t, data: d }) {
      const { ecs, elbv2 } = clients(t.region);
      await waitFor(
        `${d.candidateService} ready`,
        () => serviceReady(ecs, elbv2, d.cluster, d.candidateService, d.candidateTargetGroupArn),
        durationMs(t.readyTimeout),
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
    async rollBackUnknown(t, metadata) {
      const { ecs, elbv2 } = clients(t.region);
      const name = releaseServiceName(t.service, metadata.release);
      const service = await describeService(ecs, t.cluster, name);
      if (service?.status !== 'ACTIVE') return;
      const weights = await readWeights(elbv2, production(t));
      const { stableTargetGroupArn: a, canaryTargetGroupArn: b } = lbOf(t);
      const mine = (service.loadBalancers ?? []).map((lb) => lb.targetGroupArn).find((tg) => tg === a || tg === b);
      if (mine && (weights[mine] ?? 0) >= 100) return; // it is the live service (this release was promoted before)
      if (mine && (weights[mine] ?? 0) > 0) await setWeights(elbv2, production(t), split(mine, mine === a ? b : a, 100));
      await removeService(ecs, t.cluster, name);
    },

    async retirePrevious({ target: t, data: d, router }) {
      // Never remove a service that still takes traffic, whoever moved it back.
      const { stable } = await router.verify(100);
      if (stable > 0) {
        throw ApplicationFailure.nonRetryable(
          `refusing to remove ${d.stableService}: its target group still receives ${Math.round(stable)}% of traffic`,
          'Conflict',
        );
      }
      await removeService(clients(t.region).ecs, d.cluster, d.stableService, { drain: true });
    },
  };
}
