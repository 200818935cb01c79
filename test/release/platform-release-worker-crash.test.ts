/**
 * A `glidepath worker` process SIGKILLed in the middle of a cross-platform release (test/support/platform-release.ts):
 * prod's first wave is held, and api-b's `deployCandidate` (an ECS service pair, cluster B) has created its new
 * service without reporting back to Temporal (test/support/held-worker.ts holds the call open there). A second
 * worker on the same task queue takes over the release and its children, and it ends as the release without the
 * kill does (test/release/platform-release.test.ts): every target promoted and live on its platform, the migration
 * run once (one Job, one Pod), and every platform call scheduled once. The interrupted call ran again (attempt 2)
 * and found its service and task definition made, so neither was made twice.
 *
 * The workers are configured as in production, from their environment: Lambda on moto (AWS_ENDPOINT_URL), ECS and
 * ELBv2 on the ECS simulator (the AWS SDK's per-service AWS_ENDPOINT_URL_<SERVICE>), Kubernetes by KUBECONFIG.
 */
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { startRelease } from '../../starters/release';
import { releaseStatusQuery } from '../../workflows/release-messages';
import { activeServices, everyService, listenerWeights, taskDefinitionRevisions } from '../support/ecs-fixture';
import { type EcsSim, startEcsSim } from '../support/ecs-sim';
import { CLUSTER_START_TIMEOUT, type KubeCluster, dropNamespace, eventually, kubeCluster } from '../support/kube';
import { type PlatformReleaseFixture, createPlatformRelease, platformRelease } from '../support/platform-release';
import { EXPECTED_CALLS, childCalls, expectLiveEverywhere } from '../support/platform-release-checks';
import { releaseTimeline } from '../support/release-history';
import { activityLog, uniqueName } from '../support/temporal';
import { type WorkerProcess, spawnWorker, workerEnv } from '../support/worker-process';

const motoEndpoint = inject('motoEndpoint');
let sim: EcsSim;
let cluster: KubeCluster;
let connection: Connection;
let f: PlatformReleaseFixture | undefined;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  [sim, cluster, connection] = await Promise.all([
    startEcsSim(),
    kubeCluster(),
    Connection.connect({ address: inject('temporalAddress') }),
  ]);
}, CLUSTER_START_TIMEOUT);
afterAll(async () => {
  await Promise.all(workers.map((w) => w.kill('SIGKILL')));
  await connection?.close();
  if (f) await dropNamespace(cluster.k, f.namespace);
  await sim?.stop();
});

it('a worker killed while a prod ECS deploy is in flight, in a release across Lambda, ECS and Kubernetes: it ends as without the kill', {
  timeout: 180_000,
}, async () => {
  const fixture = await createPlatformRelease(motoEndpoint, sim.endpoint, cluster);
  f = fixture;
  const { prodA, prodB } = fixture.ecs;
  const id = (component: string, environment: string) => `deploy:${fixture.system}-${component}/${environment}`;
  const env = workerEnv(uniqueName('rel-plat-crash-tq'), motoEndpoint, {
    AWS_ENDPOINT_URL_ECS: sim.endpoint,
    AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2: sim.endpoint,
    KUBECONFIG: cluster.kubeconfig,
  });
  const first = await spawnWorker(env, {
    call: 'deployCandidate',
    when: 'after',
    environment: 'prod-b',
    workflowBundle: inject('workflowBundlePath'),
  });
  workers.push(first);
  const client = new Client({ connection, namespace: 'default' });
  const run = await startRelease(client, platformRelease(fixture), env.GLIDEPATH_TASK_QUEUE);
  if (run.kind === 'conflict') throw new Error('unexpected conflict');

  // The kill: api-b's new service exists on ECS, its deploy never reported back; api-a (wave 1) is held.
  await first.waitFor(/held: deployCandidate/);
  const mid = await eventually(
    () => run.handle.query(releaseStatusQuery),
    (s) => s.stages[1].targets[0].state === 'held',
    'api-a held',
  );
  expect(mid.stages.map((s) => [s.name, s.state, s.migration])).toEqual([
    ['staging', 'promoted', undefined],
    ['prod', 'running', 'applied'],
  ]);
  expect(mid.stages[1].targets.map((t) => [t.name, t.state])).toEqual([
    ['api-a', 'held'],
    ['api-b', 'running'],
    ['worker', 'waiting'],
  ]);
  expect(await listenerWeights(prodA)).toEqual({ [prodA.blueTg]: 0, [prodA.greenTg]: 100 }); // held with all traffic
  expect(await activeServices(prodB)).toEqual([prodB.service, `${prodB.service}-v2`].sort()); // made, no traffic yet
  expect(await listenerWeights(prodB)).toEqual({ [prodB.blueTg]: 100, [prodB.greenTg]: 0 });
  await first.kill('SIGKILL');

  // A new worker: the held call is retried on it once its heartbeat times out, the rest goes on from the histories.
  workers.push(await spawnWorker(env));
  const { status } = await run.handle.result();
  expect(status.stages.map((s) => [s.name, s.state, s.migration])).toEqual([
    ['staging', 'promoted', undefined],
    ['prod', 'promoted', 'applied'],
  ]);
  expect(status.stages.flatMap((s) => s.targets.map((t) => [t.workflowId, t.state]))).toEqual([
    [id('edge', 'staging'), 'promoted'],
    [id('api', 'staging'), 'promoted'],
    [id('api', 'prod-a'), 'promoted'],
    [id('api', 'prod-b'), 'promoted'],
    [id('worker', 'prod'), 'promoted'],
  ]);
  const timeline = await releaseTimeline(run.handle);
  expect(timeline.filter((l) => l.startsWith('activity'))).toEqual(['activity runMigration']);
  expect(timeline.filter((l) => l.startsWith('start'))).toHaveLength(5);
  expect(await childCalls(client, status)).toEqual(EXPECTED_CALLS);
  await expectLiveEverywhere(fixture, cluster);

  // The deploy the kill interrupted ran again on the next worker (attempt 2) and found its service and task
  // definition revision made: in cluster B one new service was ever created, and one revision registered.
  expect((await activityLog(client.workflow.getHandle(id('api', 'prod-b')))).attempts.deployCandidate).toBe(2);
  expect(await everyService(prodB)).toEqual([prodB.service, `${prodB.service}-v2`].sort());
  expect(await taskDefinitionRevisions(prodB)).toEqual([1, 2]);
});
