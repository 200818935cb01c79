/**
 * The Temporal server SIGKILLed while a Kubernetes migration Job runs, and restarted on the same port and database
 * file: the worker reconnects, the migration activity reports the Job it was watching, and the plan deploys. The
 * migration ran once, counted on the cluster: one Job, one Pod of it. Simulated by KWOK: the "-slow" image keeps
 * the Job's Pod running for 12s.
 */
import type { V1Pod } from '@kubernetes/client-node';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { fixedKubernetesClients } from '../../activities/kubernetes/clients';
import { kubernetesPlatform } from '../../activities/kubernetes/kubernetes-platform';
import { list } from '../../activities/kubernetes/objects';
import { validatePlan } from '../../plan/load';
import { startDeployment } from '../../starters/deploy';
import { createWorker } from '../../workers/worker';
import {
  CLUSTER_START_TIMEOUT,
  type KubeCluster,
  createApp,
  createNamespace,
  deployment,
  deploymentNames,
  dropNamespace,
  eventually,
  imageOf,
  jobs,
  kubeCluster,
  routeBackends,
} from '../support/kube';
import { activityLog, inPhase, uniqueName, waitForStatus } from '../support/temporal';
import { type DevServer, startDevServer } from '../support/temporal-server';

let cluster: KubeCluster;
let server: DevServer;
let ns: string;

beforeAll(async () => {
  [cluster, server] = await Promise.all([kubeCluster(), startDevServer()]);
}, CLUSTER_START_TIMEOUT);
afterAll(async () => {
  await server?.kill();
  if (ns) await dropNamespace(cluster.k, ns);
});

it('the Temporal server killed while the migration Job runs: after its restart the plan promotes, and the Job ran once', {
  timeout: 120_000,
}, async () => {
  ns = await createNamespace(cluster.k, 'srvmig');
  await createApp(cluster.k, ns, { replicas: 2, services: ['web-stable', 'web-canary'], route: true });
  const nativeConnection = await NativeConnection.connect({ address: server.address });
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection, namespace: 'default' });
  const taskQueue = uniqueName('srv-kube-tq');
  const worker = await createWorker({
    connection: nativeConnection,
    namespace: 'default',
    taskQueue,
    workflowBundle: { codePath: inject('workflowBundlePath') },
    dependencies: { platforms: { kubernetes: kubernetesPlatform(fixedKubernetesClients(cluster.config), { pollIntervalMs: 250 }) } },
  });
  const plan = validatePlan({
    apiVersion: 'glidepath/v1',
    metadata: { service: ns, environment: 'test', release: 'v2', requestedBy: 'ci' },
    target: {
      type: 'kubernetes',
      namespace: ns,
      deployment: 'web',
      container: 'web',
      image: imageOf('v2'),
      traffic: { gatewayRoute: { name: 'web', stableService: 'web-stable', canaryService: 'web-canary' } },
    },
    migration: { run: { type: 'kubernetes', namespace: ns, image: 'registry.test/migrate:v2-slow', command: ['bin/migrate', 'up'] } },
    strategy: { type: 'canary', steps: [{ setWeight: 100 }] },
  });
  try {
    const result = await worker.runUntil(async () => {
      const started = await startDeployment(client, plan, taskQueue);
      if (started.kind === 'conflict') throw new Error('conflict');
      await waitForStatus(started.handle, inPhase('Migrating'));
      const [job] = await eventually(
        () => jobs(cluster.k, ns),
        (j) => j.length === 1,
        'migration Job created',
      );
      expect(job.status?.conditions ?? []).toEqual([]); // still running

      await server.kill();
      await server.restart();
      return started.handle.result();
    });
    expect(result.outcome).toBe('promoted');
    expect(result.status.migration).toBe('applied');

    const all = await jobs(cluster.k, ns);
    expect(all).toHaveLength(1); // the migration ran once
    expect(all[0].status).toMatchObject({ succeeded: 1 });
    expect(all[0].status?.failed ?? 0).toBe(0);
    const jobPods = await list<V1Pod>(cluster.k, 'v1', 'Pod', ns, `job-name=${all[0].metadata!.name}`);
    expect(jobPods).toHaveLength(1);
    expect(await routeBackends(cluster.k, ns)).toEqual({ 'web-stable': 100, 'web-canary': 0 });
    expect(await deploymentNames(cluster.k, ns)).toEqual(['web']);
    expect(await deployment(cluster.k, ns, 'web')).toMatchObject({ image: imageOf('v2'), release: 'v2' });
    const { scheduled } = await activityLog(client.workflow.getHandle(`deploy:${ns}/test`));
    expect(scheduled).toEqual([
      'runMigration',
      'deployCandidate',
      'waitCandidateReady',
      'setTrafficWeight',
      'promoteCandidate',
      'retirePrevious',
    ]);
  } finally {
    await nativeConnection.close();
    await connection.close();
  }
});
