/**
 * One version of a system across Lambda, ECS and Kubernetes, on the real Temporal dev server, moto with the ECS
 * simulator and the real Kubernetes control plane: staging [edge (Lambda), api (ECS rolling)] → prod [api-a (ECS
 * service pair, cluster A)] [api-b (cluster B), worker (Kubernetes, after the API)], the worker's migration Job
 * before any prod traffic. It promotes end to end, and `where` and every platform agree on what is live.
 */
import { DescribeServicesCommand, DescribeTaskDefinitionCommand, ECSClient } from '@aws-sdk/client-ecs';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ecsPlatform } from '../../activities/ecs/ecs-platform';
import { fixedKubernetesClients } from '../../activities/kubernetes/clients';
import { kubernetesPlatform } from '../../activities/kubernetes/kubernetes-platform';
import { lambdaPlatform } from '../../activities/lambda/lambda-platform';
import { startRelease } from '../../starters/release';
import { where } from '../../starters/where';
import { type EcsFixture, activeServices, listenerWeights } from '../support/ecs-fixture';
import { type EcsSim, startEcsSim } from '../support/ecs-sim';
import {
  CLUSTER_START_TIMEOUT,
  type KubeCluster,
  backends,
  deployment,
  deploymentNames,
  dropNamespace,
  eventually,
  jobs,
  kubeCluster,
  routeBackends,
} from '../support/kube';
import { awsConfig } from '../support/moto';
import { MIGRATION_IMAGE, apiImage, createPlatformRelease, platformRelease, workerImage } from '../support/platform-release';
import { at, releaseTimeline } from '../support/release-history';
import { aliasOf } from '../support/releases';
import { type Harness, startHarness } from '../support/temporal';

const lambdaEndpoint = inject('motoEndpoint');
let sim: EcsSim;
let cluster: KubeCluster;
let harness: Harness;
const namespaces: string[] = [];

beforeAll(async () => {
  [sim, cluster] = await Promise.all([startEcsSim(), kubeCluster()]);
  const aws = { ecs: new ECSClient(awsConfig(sim.endpoint)), elbv2: new ElasticLoadBalancingV2Client(awsConfig(sim.endpoint)) };
  harness = await startHarness({
    platforms: {
      lambda: lambdaPlatform(() => new LambdaClient(awsConfig(lambdaEndpoint))),
      ecs: ecsPlatform(() => aws, { pollIntervalMs: 100 }),
      kubernetes: kubernetesPlatform(fixedKubernetesClients(cluster.config), { pollIntervalMs: 250 }),
    },
  });
}, CLUSTER_START_TIMEOUT);
afterAll(async () => {
  await harness?.close();
  await Promise.all(namespaces.map((n) => dropNamespace(cluster.k, n)));
  await sim?.stop();
});

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

describe('release across Lambda, ECS and Kubernetes', () => {
  it('staging (Lambda + ECS rolling) → prod (ECS pair in two clusters as two waves, Kubernetes worker after the API, migration first) promotes; where and the platforms agree', {
    timeout: 240_000,
  }, async () => {
    const f = await createPlatformRelease(lambdaEndpoint, sim.endpoint, cluster);
    namespaces.push(f.namespace);
    const { staging, prodA, prodB } = f.ecs;
    const id = (component: string, environment: string) => `deploy:${f.system}-${component}/${environment}`;
    const started = Date.now();
    const result = await harness.run(async () => {
      const run = await startRelease(harness.client, platformRelease(f), harness.taskQueue);
      if (run.kind === 'conflict') throw new Error('unexpected conflict');
      const done = await run.handle.result();

      // The order the release file asks for, as the release's history records it.
      const timeline = await releaseTimeline(run.handle);
      const staged = Math.max(at(timeline, `confirm ${id('edge', 'staging')}`), at(timeline, `confirm ${id('api', 'staging')}`));
      const migrated = at(timeline, 'activity runMigration');
      expect(timeline.filter((l) => l.startsWith('activity'))).toEqual(['activity runMigration']); // once, in prod only
      expect(staged).toBeLessThan(migrated);
      expect(migrated).toBeLessThan(at(timeline, `start ${id('api', 'prod-a')}`));
      expect(at(timeline, `held ${id('api', 'prod-a')}`)).toBeLessThan(at(timeline, `start ${id('api', 'prod-b')}`)); // wave 2 after wave 1
      expect(at(timeline, `held ${id('api', 'prod-b')}`)).toBeLessThan(at(timeline, `start ${id('worker', 'prod')}`)); // after: [api]
      const prodConfirms = timeline.filter((l) => l.startsWith('confirm') && !l.endsWith('/staging'));
      expect(prodConfirms).toHaveLength(3);
      expect(at(timeline, prodConfirms[0])).toBeGreaterThan(at(timeline, `held ${id('worker', 'prod')}`)); // the stage confirmed as one
      expect(timeline.filter((l) => l.startsWith('start'))).toHaveLength(5); // each target started once
      return done;
    });
    console.log(`end-to-end release across Lambda, ECS and Kubernetes: ${((Date.now() - started) / 1000).toFixed(1)}s`);

    expect(result.status.stages.map((s) => [s.name, s.state, s.migration])).toEqual([
      ['staging', 'promoted', undefined],
      ['prod', 'promoted', 'applied'],
    ]);
    expect(result.status.stages.flatMap((s) => s.targets.map((t) => [t.workflowId, t.state]))).toEqual([
      [id('edge', 'staging'), 'promoted'],
      [id('api', 'staging'), 'promoted'],
      [id('api', 'prod-a'), 'promoted'],
      [id('api', 'prod-b'), 'promoted'],
      [id('worker', 'prod'), 'promoted'],
    ]);

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
    // Kubernetes: the stable Deployment runs the release and serves all of the route; one migration Job, succeeded.
    expect(await deployment(cluster.k, f.namespace, 'web')).toMatchObject({ image: workerImage('v2'), release: 'v2', replicas: 2 });
    expect(await deploymentNames(cluster.k, f.namespace)).toEqual(['web']);
    expect(await routeBackends(cluster.k, f.namespace)).toEqual({ 'web-stable': 100, 'web-canary': 0 });
    await eventually(
      () => backends(cluster.k, f.namespace, 'web-stable'),
      (b) => JSON.stringify(b) === JSON.stringify({ [workerImage('v2')]: 2 }),
      'web-stable served by the release',
    );
    const [job, ...more] = await jobs(cluster.k, f.namespace);
    expect(more).toEqual([]);
    expect(job.status?.succeeded).toBe(1);
    expect(job.spec?.template.spec?.containers[0].image).toBe(MIGRATION_IMAGE);

    // where: every target, live at the release, from visibility (which may lag the close by a moment).
    const rows = await eventually(
      () => where(harness.client, f.system),
      (r) => r.filter((row) => row.live).length === 5,
      'where lists five live targets',
    );
    expect(rows.map((r) => [`${r.service}/${r.environment}`, r.target, r.live?.version, r.live?.releaseId, r.live?.by, r.moving])).toEqual([
      [`${f.system}-api/prod-a`, `ecs ${prodA.cluster}/${prodA.service}`, 'v2', `${f.system}@v2`, 'ci', undefined],
      [`${f.system}-api/prod-b`, `ecs ${prodB.cluster}/${prodB.service}`, 'v2', `${f.system}@v2`, 'ci', undefined],
      [`${f.system}-api/staging`, `ecs ${staging.cluster}/${staging.service} (rolling)`, 'v2', `${f.system}@v2`, 'ci', undefined],
      [`${f.system}-edge/staging`, `lambda ${f.edge}:live`, 'v2', `${f.system}@v2`, 'ci', undefined],
      [
        `${f.system}-worker/prod`,
        `kubernetes ${f.namespace}/web (HTTPRoute ${f.namespace}/web weights)`,
        'v2',
        `${f.system}@v2`,
        'ci',
        undefined,
      ],
    ]);
  });
});
