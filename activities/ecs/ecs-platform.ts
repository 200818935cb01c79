/**
 * Amazon ECS. By default a release runs as a service pair behind an ALB: the new version is its own service
 * `<service>-<release>` (a new task definition revision: the stable one with the plan's image) registered to
 * the idle one of two target groups; traffic moves by the listener's (or a rule's) weighted forward action.
 * Promotion sends all traffic to the new service, which is then the stable one: the two target groups
 * alternate between releases, and the live one is always read from the listener. With `deployment: rolling`
 * ECS's own rolling update replaces the tasks of the one service instead (see rolling.ts).
 */
import { ApplicationFailure } from '@temporalio/common';
import { durationMs } from '../../plan/duration';
import type { Metadata } from '../../plan/schema';
import type { EcsTarget, Target } from '../../plan/targets';
import type { Candidate, CandidateInput, DeployInput, MigrationInput, Platform, RollbackInput, TrafficInput } from '../types';
import type { EcsClients, EcsRegionClients } from './clients';
import { runEcsMigration } from './migration';
import { serviceReady, waitFor } from './readiness';
import { deployRolling, rollbackRolling, rollingTraffic, waitRolling } from './rolling';
import { activeServices, assertIdle, createServiceLike, describeService, liveService, releaseServiceName, removeService } from './services';
import { TAG_RELEASE, registerDerived, releaseMarker } from './task-definitions';
import { type TrafficPoint, type Weights, describePoint, readWeights, setWeights, split } from './traffic';

export interface EcsPlatformOptions {
  /** How often waits poll ECS and the target groups (default 5s; tests use less). */
  pollIntervalMs?: number;
}

function ecsTarget(target: Target): EcsTarget {
  if (target.type !== 'ecs') throw ApplicationFailure.nonRetryable(`not an ecs target: ${target.type}`, 'InvalidPlan');
  return target;
}

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

/** Candidate.data of a service-pair release: everything later calls need, fixed at deploy time. */
interface PairData {
  cluster: string;
  stableService: string;
  candidateService: string;
  stableTargetGroupArn: string;
  candidateTargetGroupArn: string;
}

const pair = (c: Candidate) => c.data as unknown as PairData;
const unchanged = (c: Candidate) => c.candidateVersion === c.stableVersion;

export function ecsPlatform(clients: EcsClients, options: EcsPlatformOptions = {}): Platform {
  const intervalMs = options.pollIntervalMs ?? 5_000;
  const on = (t: EcsTarget): EcsRegionClients => clients(t.region);

  async function deployPair({ ecs, elbv2 }: EcsRegionClients, t: EcsTarget, metadata: Metadata): Promise<Candidate> {
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
    const candidate = { stableVersion: stable.serviceName!, candidateVersion: name, data: { ...data } };
    if (stable.serviceName === name) return candidate; // this release is already the live one: nothing to do
    assertIdle(services, idle, name);

    const existing = await describeService(ecs, t.cluster, name);
    if (existing?.status === 'DRAINING') {
      throw ApplicationFailure.retryable(`service ${name} from an earlier attempt at this release is still draining`, 'Draining');
    }
    if (!existing) {
      const taskDefinitionArn = await registerDerived(ecs, stable.taskDefinition!, t.taskDefinition, {
        [TAG_RELEASE]: releaseMarker(metadata),
      });
      await createServiceLike(ecs, stable, {
        cluster: t.cluster,
        name,
        taskDefinitionArn,
        desiredCount: t.desiredCount ?? stable.desiredCount ?? 1,
        fromTg: live,
        toTg: idle,
        tags: { [TAG_RELEASE]: releaseMarker(metadata) },
      });
    }
    return candidate;
  }

  /** All production traffic (and the test listener's) back on the stable group, then the new service removed. */
  async function rollbackPair({ ecs, elbv2 }: EcsRegionClients, t: EcsTarget, c: Candidate): Promise<void> {
    const d = pair(c);
    await setWeights(elbv2, production(t), split(d.stableTargetGroupArn, d.candidateTargetGroupArn, 0));
    const test = lbOf(t).testListenerArn;
    if (test) await setWeights(elbv2, { listenerArn: test }, split(d.stableTargetGroupArn, d.candidateTargetGroupArn, 0));
    await removeService(ecs, d.cluster, d.candidateService);
  }

  /** The deploy call never returned: traffic never moved to this release's service; remove it if it exists. */
  async function rollbackUnknownPair({ ecs, elbv2 }: EcsRegionClients, t: EcsTarget, metadata: Metadata): Promise<void> {
    const name = releaseServiceName(t.service, metadata.release);
    const service = await describeService(ecs, t.cluster, name);
    if (service?.status !== 'ACTIVE') return;
    const weights = await readWeights(elbv2, production(t));
    const { stableTargetGroupArn: a, canaryTargetGroupArn: b } = lbOf(t);
    const mine = (service.loadBalancers ?? []).map((lb) => lb.targetGroupArn).find((tg) => tg === a || tg === b);
    if (mine && (weights[mine] ?? 0) >= 100) return; // it is the live service (this release was promoted before)
    if (mine && (weights[mine] ?? 0) > 0) await setWeights(elbv2, production(t), split(mine, mine === a ? b : a, 100));
    await removeService(ecs, t.cluster, name);
  }

  return {
    async deploy({ target, metadata, strategy }: DeployInput) {
      const t = ecsTarget(target);
      if (t.deployment === 'rolling') return deployRolling(on(t).ecs, t, metadata, strategy);
      return deployPair(on(t), t, metadata);
    },

    async waitReady({ target, candidate }: CandidateInput) {
      const t = ecsTarget(target);
      if (t.deployment === 'rolling') return waitRolling(on(t).ecs, t, candidate, intervalMs);
      if (unchanged(candidate)) return;
      const { ecs, elbv2 } = on(t);
      const d = pair(candidate);
      await waitFor(
        `${d.candidateService} ready`,
        () => serviceReady(ecs, elbv2, d.cluster, d.candidateService, d.candidateTargetGroupArn),
        durationMs(t.readyTimeout),
        intervalMs,
      );
    },

    async preview({ target, candidate }: CandidateInput) {
      const t = ecsTarget(target);
      const test = t.loadBalancer?.testListenerArn;
      if (t.deployment === 'rolling' || unchanged(candidate) || !test) return; // reachable on its target group only
      const d = pair(candidate);
      await setWeights(on(t).elbv2, { listenerArn: test }, split(d.stableTargetGroupArn, d.candidateTargetGroupArn, 100));
    },

    async setTraffic({ target, candidate, weight }: TrafficInput) {
      const t = ecsTarget(target);
      if (t.deployment === 'rolling') return rollingTraffic(weight);
      if (unchanged(candidate)) return;
      const d = pair(candidate);
      await setWeights(on(t).elbv2, production(t), split(d.stableTargetGroupArn, d.candidateTargetGroupArn, weight));
    },

    async promote({ target, candidate }: CandidateInput) {
      const t = ecsTarget(target);
      if (t.deployment === 'rolling' || unchanged(candidate)) return; // a completed rolling update is live already
      const d = pair(candidate);
      await setWeights(on(t).elbv2, production(t), split(d.stableTargetGroupArn, d.candidateTargetGroupArn, 100));
    },

    async rollback({ target, metadata, candidate }: RollbackInput) {
      const t = ecsTarget(target);
      if (t.deployment === 'rolling') return rollbackRolling(on(t).ecs, t, metadata, candidate);
      if (!candidate) return rollbackUnknownPair(on(t), t, metadata);
      if (unchanged(candidate)) return;
      await rollbackPair(on(t), t, candidate);
    },

    async retirePrevious({ target, candidate }: CandidateInput) {
      const t = ecsTarget(target);
      if (t.deployment === 'rolling' || unchanged(candidate)) return; // the previous revision stays as history
      const { ecs, elbv2 } = on(t);
      const d = pair(candidate);
      // Never remove a service that still takes traffic, whoever moved it back.
      const weights = await readWeights(elbv2, production(t));
      if ((weights[d.stableTargetGroupArn] ?? 0) > 0) {
        throw ApplicationFailure.nonRetryable(
          `refusing to remove ${d.stableService}: its target group still receives ${Math.round(weights[d.stableTargetGroupArn])}% of traffic`,
          'Conflict',
        );
      }
      await removeService(ecs, d.cluster, d.stableService, { drain: true });
    },

    async migrate({ task, idempotencyKey, metadata }: MigrationInput) {
      if (task.type !== 'ecs') throw ApplicationFailure.nonRetryable(`not an ecs migration: ${task.type}`, 'InvalidPlan');
      return runEcsMigration(clients(task.region).ecs, task, idempotencyKey, metadata, intervalMs);
    },
  };
}
