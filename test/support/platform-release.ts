/**
 * A release across the three platforms, as a team would run it: staging has the edge function (Lambda) and the
 * API as an ECS rolling update; prod has the API as ECS service pairs in two clusters (two waves), the worker on
 * Kubernetes after the API in the second wave, and the worker's migration Job before any prod traffic.
 */
import { ECSClient } from '@aws-sdk/client-ecs';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { ActivityDependencies } from '../../activities';
import { ecsPlatform } from '../../activities/ecs/ecs-platform';
import { fixedKubernetesClients } from '../../activities/kubernetes/clients';
import { kubernetesPlatform } from '../../activities/kubernetes/kubernetes-platform';
import { validateRelease } from '../../plan/release-load';
import type { Release } from '../../plan/release-schema';
import { type EcsFixture, createEcsService, uniqueEcsName } from './ecs-fixture';
import type { KubeCluster } from './kube';
import { createApp, createNamespace } from './kube';
import { BUCKET, createLambdaService, lambdaPlatformAt } from './lambda-fixture';
import { awsConfig } from './moto';
import { uniqueName } from './temporal';

export interface PlatformReleaseFixture {
  system: string;
  lambda: LambdaClient;
  /** The staging edge function. */
  edge: string;
  /** Staging's API service (rolling), and prod's two clusters (service pairs behind their ALBs). */
  ecs: { staging: EcsFixture; prodA: EcsFixture; prodB: EcsFixture };
  /** The namespace of prod's worker: Deployment `web`, Services `web-stable`/`web-canary`, HTTPRoute `web`. */
  namespace: string;
}

/** Lambda on `lambdaEndpoint`, ECS on `ecsEndpoint` (the ECS simulator), the worker in a new namespace of `cluster`. */
export async function createPlatformRelease(
  lambdaEndpoint: string,
  ecsEndpoint: string,
  cluster: KubeCluster,
): Promise<PlatformReleaseFixture> {
  const system = uniqueName('shop');
  const edge = `${system}-edge`;
  const [lambda, staging, prodA, prodB, namespace] = await Promise.all([
    createLambdaService(lambdaEndpoint, edge),
    createEcsService(ecsEndpoint, uniqueEcsName('rstg')),
    createEcsService(ecsEndpoint, uniqueEcsName('rpra')),
    createEcsService(ecsEndpoint, uniqueEcsName('rprb')),
    createNamespace(cluster.k, 'rel'),
  ]);
  await createApp(cluster.k, namespace, { replicas: 2, services: ['web-stable', 'web-canary'], route: true });
  return { system, lambda, edge, ecs: { staging, prodA, prodB }, namespace };
}

/** A worker's platforms for these fixtures: Lambda on moto, ECS on the simulator, Kubernetes on the test cluster. */
export function platformsFor(lambdaEndpoint: string, ecsEndpoint: string, cluster: KubeCluster): ActivityDependencies {
  const aws = { ecs: new ECSClient(awsConfig(ecsEndpoint)), elbv2: new ElasticLoadBalancingV2Client(awsConfig(ecsEndpoint)) };
  return {
    platforms: {
      lambda: lambdaPlatformAt(lambdaEndpoint),
      ecs: ecsPlatform(() => aws, { pollIntervalMs: 100 }),
      kubernetes: kubernetesPlatform(fixedKubernetesClients(cluster.config), { pollIntervalMs: 250 }),
    },
  };
}

/** Every ECS target runs this image; each cluster's service registers it in its own task-definition family. */
export const apiImage = (version: string) => `registry.example.com/shop-api:${version}`;
export const workerImage = (version: string) => `registry.test/web:${version}`;
export const MIGRATION_IMAGE = 'registry.test/migrate:v2';

const servicePair = (f: EcsFixture) => ({
  cluster: f.cluster,
  service: f.service,
  deployment: 'servicePair',
  loadBalancer: { listenerArn: f.listenerArn, stableTargetGroupArn: f.blueTg, canaryTargetGroupArn: f.greenTg },
});

/** staging [edge, api] → prod [api-a] [api-b, worker]; `edit` changes the document before it is validated. */
export function platformRelease(f: PlatformReleaseFixture, edit: (doc: any) => void = () => undefined): Release {
  const { staging, prodA, prodB } = f.ecs;
  const doc: any = {
    apiVersion: 'glidepath/v1',
    kind: 'Release',
    metadata: { system: f.system, version: 'v2', requestedBy: 'ci' },
    components: {
      edge: {
        service: `${f.system}-edge`,
        target: { type: 'lambda', functionName: f.edge, alias: 'live', code: { s3Bucket: BUCKET, s3Key: `${f.edge}/{{version}}.zip` } },
        strategy: { type: 'canary', steps: [{ setWeight: 50 }] },
      },
      api: {
        service: `${f.system}-api`,
        // As written for prod's cluster A (a service pair behind its ALB); api-b names cluster B, staging drops the pair.
        target: {
          type: 'ecs',
          ...servicePair(prodA),
          taskDefinition: { containerName: 'app', image: apiImage('{{version}}'), environment: { RELEASE: '{{version}}' } },
          readyTimeout: '20s',
        },
        strategy: { type: 'canary', steps: [{ setWeight: 50 }] },
      },
      worker: {
        service: `${f.system}-worker`,
        after: ['api'],
        target: {
          type: 'kubernetes',
          namespace: f.namespace,
          deployment: 'web',
          container: 'web',
          image: workerImage('{{version}}'),
          progressDeadline: '30s',
          traffic: { gatewayRoute: { name: 'web', stableService: 'web-stable', canaryService: 'web-canary' } },
        },
        strategy: { type: 'canary', steps: [{ setWeight: 50 }] },
        migration: { run: { type: 'kubernetes', namespace: f.namespace, image: MIGRATION_IMAGE, command: ['bin/migrate', 'up'] } },
      },
    },
    stages: [
      {
        name: 'staging',
        targets: [
          { component: 'edge' },
          // A rolling update moves no traffic split: a bake pause instead of a weight.
          {
            component: 'api',
            target: { cluster: staging.cluster, service: staging.service, deployment: 'rolling', loadBalancer: null },
            strategy: { type: 'canary', steps: [{ pause: { duration: '1s' } }] },
          },
        ],
      },
      {
        name: 'prod',
        targets: [
          { component: 'api', name: 'api-a', environment: 'prod-a' },
          { component: 'api', name: 'api-b', environment: 'prod-b', target: servicePair(prodB) },
          { component: 'worker' },
        ],
        waves: [{ targets: ['api-a'] }, { targets: ['api-b', 'worker'] }],
      },
    ],
  };
  edit(doc);
  return validateRelease(JSON.parse(JSON.stringify(doc).replaceAll('{{version}}', doc.metadata.version))).release;
}
