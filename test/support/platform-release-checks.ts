/**
 * What a promoted cross-platform release (test/support/platform-release.ts) leaves on each platform, checked
 * against the platform itself, and the platform calls its children scheduled, read from their histories.
 */
import { DescribeServicesCommand, DescribeTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import type { V1Pod } from '@kubernetes/client-node';
import type { Client } from '@temporalio/client';
import { expect } from 'vitest';
import { list } from '../../activities/kubernetes/objects';
import type { ReleaseStatus } from '../../workflows/release-status';
import { type EcsFixture, activeServices, listenerWeights } from './ecs-fixture';
import { type KubeCluster, backends, deployment, deploymentNames, eventually, jobs, routeBackends } from './kube';
import { MIGRATION_IMAGE, type PlatformReleaseFixture, apiImage, workerImage } from './platform-release';
import { aliasOf } from './releases';
import { activityLog } from './temporal';

/** The service's task definition and its deployments, and the image its container "app" runs. */
async function ecsService(f: EcsFixture, name = f.service) {
  const service = (await f.ecs.send(new DescribeServicesCommand({ cluster: f.cluster, services: [name] }))).services![0];
  const td = (await f.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: service.taskDefinition! }))).taskDefinition!;
  return {
    taskDefinition: `${td.family}:${td.revision}`,
    image: td.containerDefinitions!.find((c) => c.name === 'app')!.image,
    deployments: service.deployments!.map((d) => d.rolloutState),
    running: `${service.runningCount}/${service.desiredCount}`,
  };
}

/** Version v2 live on every target, the previous versions gone, the migration Job run once. */
export async function expectLiveEverywhere(
  f: PlatformReleaseFixture,
  cluster: KubeCluster,
  migrationImage = MIGRATION_IMAGE,
): Promise<void> {
  const { staging, prodA, prodB } = f.ecs;
  // Lambda: the alias points at the new version alone.
  expect(await aliasOf(f.lambda, f.edge)).toEqual({ version: '2', weights: {} });
  // ECS rolling: the same service, one completed deployment of the new revision, all tasks running.
  expect(await ecsService(staging)).toEqual({
    taskDefinition: `${staging.service}:2`,
    image: apiImage('v2'),
    deployments: ['COMPLETED'],
    running: '2/2',
  });
  // ECS service pairs: all traffic on the new service's target group, the previous service retired.
  for (const pair of [prodA, prodB]) {
    expect(await listenerWeights(pair)).toEqual({ [pair.blueTg]: 0, [pair.greenTg]: 100 });
    expect(await activeServices(pair)).toEqual([`${pair.service}-v2`]);
    expect(await ecsService(pair, `${pair.service}-v2`)).toEqual({
      taskDefinition: `${pair.service}:2`,
      image: apiImage('v2'),
      deployments: ['COMPLETED'],
      running: '2/2',
    });
  }
  // Kubernetes: the stable Deployment runs the release and serves all of the route.
  expect(await deployment(cluster.k, f.namespace, 'web')).toMatchObject({ image: workerImage('v2'), release: 'v2', replicas: 2 });
  expect(await deploymentNames(cluster.k, f.namespace)).toEqual(['web']);
  expect(await routeBackends(cluster.k, f.namespace)).toEqual({ 'web-stable': 100, 'web-canary': 0 });
  await eventually(
    () => backends(cluster.k, f.namespace, 'web-stable'),
    (b) => JSON.stringify(b) === JSON.stringify({ [workerImage('v2')]: 2 }),
    'web-stable served by the release',
  );
  // The migration ran once, counted on the cluster: one Job, succeeded, one Pod of it.
  const [job, ...more] = await jobs(cluster.k, f.namespace);
  expect(more).toEqual([]);
  expect(job.status?.succeeded).toBe(1);
  expect(job.spec?.template.spec?.containers[0].image).toBe(migrationImage);
  expect(await list<V1Pod>(cluster.k, 'v1', 'Pod', f.namespace, `job-name=${job.metadata!.name}`)).toHaveLength(1);
}

const canary = ['deployCandidate', 'waitCandidateReady', 'setTrafficWeight', 'setTrafficWeight', 'promoteCandidate', 'retirePrevious'];
/**
 * The calls each target's child schedules once: a canary's first step, then all traffic while held for the
 * release, promote once confirmed, then the previous version retired; the rolling update has no first weight.
 */
export const EXPECTED_CALLS = {
  'staging/edge': canary,
  'staging/api': canary.filter((_, i) => i !== 2),
  'prod/api-a': canary,
  'prod/api-b': canary,
  'prod/worker': canary,
};

/** Each target's platform calls, as its child's history scheduled them, by target name. */
export async function childCalls(client: Client, status: ReleaseStatus): Promise<Record<string, string[]>> {
  const calls: Record<string, string[]> = {};
  for (const stage of status.stages)
    for (const t of stage.targets)
      calls[`${stage.name}/${t.name}`] = (await activityLog(client.workflow.getHandle(t.workflowId))).scheduled;
  return calls;
}
