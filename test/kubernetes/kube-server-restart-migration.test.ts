/**
 * The Temporal server SIGKILLed while a Kubernetes migration Job runs, and restarted on the same port and database
 * file: the worker reconnects, the migration activity reports the Job it was watching, and the plan deploys. The
 * migration ran once, counted on the cluster: one Job, one Pod of it. Simulated by KWOK: the "-slow" image keeps
 * the Job's Pod running for 12s.
 */
import type { V1Pod } from '@kubernetes/client-node';
import { expect, it } from 'vitest';
import { list } from '../../activities/kubernetes/objects';
import {
  createApp,
  deployment,
  deploymentNames,
  imageOf,
  jobs,
  kubePlatformOn,
  routeBackends,
  useKubeCluster,
  waitForMigrationJob,
} from '../support/kube';
import { gatewayTraffic, kubeMigrationInput, kubePlan } from '../support/kube-plans';
import { canary } from '../support/plans';
import { activityLog, inPhase, promotedCanaryCalls, startHarness, startPlan, waitForStatus } from '../support/temporal';
import { useDevServer } from '../support/temporal-server';

const cluster = useKubeCluster();
const server = useDevServer();

it('the Temporal server killed while the migration Job runs: after its restart the plan promotes, and the Job ran once', {
  timeout: 120_000,
}, async () => {
  const ns = await cluster.namespace('srvmig');
  await createApp(cluster.k, ns, { replicas: 2, services: ['web-stable', 'web-canary'], route: true });
  const harness = await startHarness({ platforms: { kubernetes: kubePlatformOn(cluster) } }, server.address);
  const plan = kubePlan(ns, canary({ setWeight: 100 }), {
    target: gatewayTraffic,
    migration: { run: kubeMigrationInput(ns, 'registry.test/migrate:v2-slow') },
  });
  try {
    const result = await harness.run(async () => {
      const handle = await startPlan(harness.client, plan, harness.taskQueue);
      await waitForStatus(handle, inPhase('Migrating'));
      const job = await waitForMigrationJob(cluster.k, ns);
      expect(job.status?.conditions ?? []).toEqual([]); // still running

      await server.kill();
      await server.restart();
      return handle.result();
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
    const { scheduled } = await activityLog(harness.client.workflow.getHandle(`deploy:${ns}/test`));
    expect(scheduled).toEqual(promotedCanaryCalls(1, { migration: true }));
  } finally {
    await harness.close();
  }
});
