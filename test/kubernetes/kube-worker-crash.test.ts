/**
 * `glidepath worker` processes (configured by KUBECONFIG, as in production) SIGKILLed twice during one plan on
 * the real control plane: once while the migration Job runs (the retried activity finds the Job by its
 * deterministic name instead of creating another) and once during a canary soak (the next worker goes on from
 * there). The plan promotes with one Job, one Pod of it, and no second canary Deployment or ReplicaSet.
 */
import type { V1ReplicaSet } from '@kubernetes/client-node';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { list } from '../../activities/kubernetes/objects';
import { validatePlan } from '../../plan/load';
import { startDeployment } from '../../starters/deploy';
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
import { type WorkerProcess, spawnWorker } from '../support/worker-process';

const address = inject('temporalAddress');
let cluster: KubeCluster;
let connection: Connection;
let ns: string;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  cluster = await kubeCluster();
  connection = await Connection.connect({ address });
}, CLUSTER_START_TIMEOUT);
afterAll(async () => {
  await Promise.all(workers.map((w) => w.kill('SIGTERM')));
  await connection?.close();
  if (ns) await dropNamespace(cluster.k, ns);
});

it('workers killed during the migration Job and during a soak: the plan resumes and promotes with no object made twice', {
  timeout: 180_000,
}, async () => {
  ns = await createNamespace(cluster.k, 'crash');
  await createApp(cluster.k, ns, { replicas: 2, services: ['web-stable', 'web-canary'], route: true });
  const taskQueue = uniqueName('kube-crash-tq');
  const env = { TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: 'default', GLIDEPATH_TASK_QUEUE: taskQueue, KUBECONFIG: cluster.kubeconfig };
  const client = new Client({ connection, namespace: 'default' });
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
    // The "-slow" image: KWOK's stage keeps the Job's Pod running for 12s.
    migration: { run: { type: 'kubernetes', namespace: ns, image: 'registry.test/migrate:v2-slow', command: ['bin/migrate', 'up'] } },
    strategy: { type: 'canary', steps: [{ setWeight: 30 }, { pause: { duration: '8s' } }, { setWeight: 100 }] },
  });

  const first = await spawnWorker(env);
  workers.push(first);
  const started = await startDeployment(client, plan, taskQueue);
  if (started.kind === 'conflict') throw new Error('conflict');
  const handle = started.handle;
  await waitForStatus(handle, inPhase('Migrating'));
  const [job] = await eventually(
    () => jobs(cluster.k, ns),
    (j) => j.length === 1,
    'migration Job created',
  );
  expect(job.status?.conditions ?? []).toEqual([]); // still running
  await first.kill('SIGKILL');

  const second = await spawnWorker(env);
  workers.push(second);
  // After the heartbeat timeout the migration is retried here; it waits for the same Job. Then the canary starts.
  const soaking = await waitForStatus(handle, (s) => s.phase === 'Soaking' && s.weight === 30, 120_000);
  expect(soaking.migration).toBe('applied');
  expect(await routeBackends(cluster.k, ns)).toEqual({ 'web-stable': 70, 'web-canary': 30 });
  expect(await deploymentNames(cluster.k, ns)).toEqual(['web', 'web-canary']);
  await second.kill('SIGKILL');

  const third = await spawnWorker(env);
  workers.push(third);
  const result = await handle.result();
  expect(result.outcome).toBe('promoted');

  const all = await jobs(cluster.k, ns);
  expect(all.map((j) => j.metadata?.name)).toEqual([job.metadata?.name]);
  expect(all[0].status?.succeeded).toBe(1);
  expect(all[0].status?.failed ?? 0).toBe(0);
  expect(await deploymentNames(cluster.k, ns)).toEqual(['web']);
  expect(await deployment(cluster.k, ns, 'web')).toMatchObject({ replicas: 2, ready: 2, image: imageOf('v2'), release: 'v2' });
  expect(await routeBackends(cluster.k, ns)).toEqual({ 'web-stable': 100, 'web-canary': 0 });
  // web's ReplicaSets: the v1 one it started with and the v2 one promotion made; nothing else was ever created for it.
  const replicaSets = (await list<V1ReplicaSet>(cluster.k, 'apps/v1', 'ReplicaSet', ns)).filter(
    (rs) => rs.metadata?.ownerReferences?.[0]?.name === 'web',
  );
  expect(replicaSets.map((rs) => rs.spec?.template?.spec?.containers[0].image).sort()).toEqual([imageOf('v1'), imageOf('v2')]);

  const { scheduled, firstStartAttempt } = await activityLog(handle);
  expect(scheduled).toEqual([
    'runMigration',
    'deployCandidate',
    'waitCandidateReady',
    'setTrafficWeight',
    'setTrafficWeight',
    'promoteCandidate',
    'retirePrevious',
  ]);
  expect(firstStartAttempt).toBeGreaterThanOrEqual(2); // the migration was retried after the kill
});
