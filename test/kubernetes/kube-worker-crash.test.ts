/**
 * `glidepath worker` processes (configured by KUBECONFIG, as in production) SIGKILLed twice during one plan on
 * the real control plane: once while the migration Job runs (the retried activity finds the Job by its
 * deterministic name instead of creating another) and once during a canary soak (the next worker goes on from
 * there). The plan promotes with one Job, one Pod of it, and no second canary Deployment or ReplicaSet.
 */
import { expect, it } from 'vitest';
import {
  createApp,
  deployment,
  deploymentNames,
  imageOf,
  jobs,
  replicaSetImages,
  routeBackends,
  useKubeCluster,
  waitForMigrationJob,
} from '../support/kube';
import { gatewayTraffic, kubeMigrationInput, kubePlan } from '../support/kube-plans';
import { canary } from '../support/plans';
import { activityLog, inPhase, promotedCanaryCalls, startPlan, uniqueName, waitForStatus } from '../support/temporal';
import { kubeWorkerEnv, useWorkerProcesses } from '../support/worker-process';

const cluster = useKubeCluster();
const workers = useWorkerProcesses('SIGTERM');

it('workers killed during the migration Job and during a soak: the plan resumes and promotes with no object made twice', {
  timeout: 180_000,
}, async () => {
  const ns = await cluster.namespace('crash');
  await createApp(cluster.k, ns, { replicas: 2, services: ['web-stable', 'web-canary'], route: true });
  const taskQueue = uniqueName('kube-crash-tq');
  const env = kubeWorkerEnv(taskQueue, cluster.kubeconfig);
  const plan = kubePlan(ns, canary({ setWeight: 30 }, { pause: { duration: '8s' } }, { setWeight: 100 }), {
    target: gatewayTraffic,
    // The "-slow" image: KWOK's stage keeps the Job's Pod running for 12s.
    migration: { run: kubeMigrationInput(ns, 'registry.test/migrate:v2-slow') },
  });

  const first = await workers.spawn(env);
  const handle = await startPlan(workers.client(), plan, taskQueue);
  await waitForStatus(handle, inPhase('Migrating'));
  const job = await waitForMigrationJob(cluster.k, ns);
  expect(job.status?.conditions ?? []).toEqual([]); // still running
  await first.kill('SIGKILL');

  const second = await workers.spawn(env);
  // After the heartbeat timeout the migration is retried here; it waits for the same Job. Then the canary starts.
  const soaking = await waitForStatus(handle, (s) => s.phase === 'Soaking' && s.weight === 30, 120_000);
  expect(soaking.migration).toBe('applied');
  expect(await routeBackends(cluster.k, ns)).toEqual({ 'web-stable': 70, 'web-canary': 30 });
  expect(await deploymentNames(cluster.k, ns)).toEqual(['web', 'web-canary']);
  await second.kill('SIGKILL');

  await workers.spawn(env);
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
  expect(await replicaSetImages(cluster.k, ns)).toEqual([imageOf('v1'), imageOf('v2')]);

  const { scheduled, firstStartAttempt } = await activityLog(handle);
  expect(scheduled).toEqual(promotedCanaryCalls(2, { migration: true }));
  expect(firstStartAttempt).toBeGreaterThanOrEqual(2); // the migration was retried after the kill
});
