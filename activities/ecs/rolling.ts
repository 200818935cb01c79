/**
 * `deployment: rolling`: ECS's own rolling update of the service to the new task definition revision. There
 * is no second service and no traffic split: the deploy is the whole change, readiness is the deployment
 * completing, and rollback is an update back to the previous revision (unless ECS's circuit breaker already
 * did it). The previous revision is recorded as a tag on the new one, so a rollback finds it even without a
 * candidate.
 */
import { type ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { ApplicationFailure } from '@temporalio/common';
import { durationMs } from '../../plan/duration';
import type { Metadata } from '../../plan/schema';
import type { EcsTarget } from '../../plan/targets';
import { releaseMarker } from '../release-marks';
import { type TrafficRouter, weightCheck } from '../traffic-router';
import type { Workload } from '../workload';
import { type RollingData, decodeRollingData } from './candidate';
import type { EcsClients } from './clients';
import { rollingDone, waitFor } from './readiness';
import { describeService } from './services';
import { TAG_PREVIOUS, TAG_RELEASE, describeTaskDefinition, registerDerived, shortTaskDefinition, tagValue } from './task-definitions';

async function liveService(ecs: ECSClient, target: EcsTarget) {
  const service = await describeService(ecs, target.cluster, target.service);
  if (!service) throw ApplicationFailure.nonRetryable(`service ${target.service} not found in cluster ${target.cluster}`, 'NotFound');
  return service;
}

/** A rolling update cannot split traffic: the only weight it can honour is all of it, which it has once ready. */
const allOrNothing: TrafficRouter = {
  async setWeight(weight) {
    if (weight < 100) {
      throw ApplicationFailure.nonRetryable(
        `a rolling update cannot send ${weight}% of traffic to the new version; remove setWeight steps or use deployment: servicePair`,
        'InvalidPlan',
      );
    }
  },
  async pinStable() {},
  async reset() {}, // the rollback's update back to the previous revision moves the traffic
  verify: async (weight) => weightCheck(weight, { stable: 0, candidate: 100 }),
};

/** Back to the previous revision, if the service still runs this release's one (ECS may have rolled back itself). */
async function rollBackTo(ecs: ECSClient, target: EcsTarget, metadata: Metadata, candidate?: RollingData): Promise<void> {
  const service = await describeService(ecs, target.cluster, target.service);
  if (!service) return;
  const current = service.taskDefinition!;
  let previous = candidate?.previousTaskDefinitionArn;
  if (!candidate) {
    const { tags } = await describeTaskDefinition(ecs, current);
    if (tagValue(tags, TAG_RELEASE) !== releaseMarker(metadata)) return; // the update never started
    previous = tagValue(tags, TAG_PREVIOUS);
  } else if (current !== candidate.taskDefinitionArn) {
    return; // already back (circuit breaker or an earlier attempt), or someone deployed since: leave it
  }
  if (!previous || previous === current) return;
  await ecs.send(new UpdateServiceCommand({ cluster: target.cluster, service: target.service, taskDefinition: previous }));
}

export function rollingUpdate(clients: EcsClients, intervalMs: number): Workload<EcsTarget, RollingData> {
  const ecsOf = (target: EcsTarget) => clients(target.region).ecs;
  return {
    decode: decodeRollingData,
    router: () => allOrNothing,

    async deploy(target, { metadata, strategy }) {
      if (strategy === 'blueGreen') {
        throw ApplicationFailure.nonRetryable(
          'blue-green needs two services to switch between; use deployment: servicePair, or a canary strategy ' +
            'without setWeight for a rolling update',
          'InvalidPlan',
        );
      }
      const ecs = ecsOf(target);
      const service = await liveService(ecs, target);
      const current = service.taskDefinition!;
      const { tags } = await describeTaskDefinition(ecs, current);
      let previous = current;
      let next = current;
      if (tagValue(tags, TAG_RELEASE) === releaseMarker(metadata)) {
        // An earlier attempt already started this update.
        previous = tagValue(tags, TAG_PREVIOUS) ?? current;
      } else {
        next = await registerDerived(ecs, current, target.taskDefinition, {
          [TAG_RELEASE]: releaseMarker(metadata),
          [TAG_PREVIOUS]: current,
        });
        await ecs.send(
          new UpdateServiceCommand({
            cluster: target.cluster,
            service: target.service,
            taskDefinition: next,
            desiredCount: target.desiredCount,
          }),
        );
      }
      const data: RollingData = {
        mode: 'rolling',
        cluster: target.cluster,
        service: target.service,
        taskDefinitionArn: next,
        previousTaskDefinitionArn: previous,
      };
      return { stableVersion: shortTaskDefinition(previous), candidateVersion: shortTaskDefinition(next), data: { ...data } };
    },

    async waitReady({ target, candidate, data }) {
      await waitFor(
        `rolling update of ${target.service} to ${candidate.candidateVersion}`,
        async () => rollingDone(await liveService(ecsOf(target), target), data.taskDefinitionArn),
        durationMs(target.readyTimeout),
        intervalMs,
      );
    },

    // A completed rolling update is live already: promotion is the router's 100%, which it has.
    rollBack: ({ target, metadata, data }) => rollBackTo(ecsOf(target), target, metadata, data),
    rollBackUnknown: (target, metadata) => rollBackTo(ecsOf(target), target, metadata),
    // The previous revision stays as history: nothing to retire.
  };
}
