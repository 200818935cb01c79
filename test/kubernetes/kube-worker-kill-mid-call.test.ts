/**
 * `glidepath worker` processes (configured by KUBECONFIG) SIGKILLed in the middle of the blue-green switch and in
 * the middle of the rollback, each after its change reached the control plane and before Temporal heard of it
 * (test/support/held-worker.ts holds the call open there). The retried calls find the change made and leave it
 * as it is: the run ends rolled back with the Services and Deployments as a run without the kills leaves them,
 * and the previous Deployment was never touched. A worker killed in the middle of a canary's promote (past the
 * point of no return) leaves a run that ends promoted, the stable Deployment rolled to the release once.
 */
import type { V1Deployment, V1ReplicaSet } from '@kubernetes/client-node';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { deploymentRef, list, read } from '../../activities/kubernetes/objects';
import { validatePlan } from '../../plan/load';
import { startDeployment } from '../../starters/deploy';
import { abortSignal } from '../../workflows/messages';
import {
  CLUSTER_START_TIMEOUT,
  type KubeCluster,
  backends,
  createApp,
  createNamespace,
  deploymentNames,
  dropNamespace,
  eventually,
  imageOf,
  kubeCluster,
  routeBackends,
  selectorOf,
} from '../support/kube';
import { activityLog, inPhase, rolledBack, uniqueName, waitForStatus } from '../support/temporal';
import { type HeldCall, type WorkerProcess, spawnWorker } from '../support/worker-process';

const address = inject('temporalAddress');
let cluster: KubeCluster;
let connection: Connection;
const namespaces: string[] = [];
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  cluster = await kubeCluster();
  connection = await Connection.connect({ address });
}, CLUSTER_START_TIMEOUT);
afterAll(async () => {
  await Promise.all(workers.map((w) => w.kill('SIGKILL')));
  await connection?.close();
  await Promise.all(namespaces.map((n) => dropNamespace(cluster.k, n)));
});

async function worker(env: Record<string, string>, hold?: HeldCall): Promise<WorkerProcess> {
  const w = await spawnWorker(env, hold);
  workers.push(w);
  return w;
}

const sorted = (o: Record<string, number>) => JSON.stringify(Object.fromEntries(Object.entries(o).sort()));
const servedBy = (ns: string, service: string, want: Record<string, number>) =>
  eventually(
    () => backends(cluster.k, ns, service),
    (b) => sorted(b) === sorted(want),
    `${service} backends ${JSON.stringify(want)}`,
  );

it('workers killed during the switch and during the rollback: rolled back as without the kills, the previous Deployment untouched', {
  timeout: 240_000,
}, async () => {
  const ns = await createNamespace(cluster.k, 'kill');
  namespaces.push(ns);
  await createApp(cluster.k, ns, { replicas: 2, services: ['web-active', 'web-preview'] });
  const before = (await read<V1Deployment>(cluster.k, deploymentRef(ns, 'web')))!.metadata!;
  const env = {
    TEMPORAL_ADDRESS: address,
    TEMPORAL_NAMESPACE: 'default',
    GLIDEPATH_TASK_QUEUE: uniqueName('kube-kill-tq'),
    KUBECONFIG: cluster.kubeconfig,
  };
  const heldAfter = (call: HeldCall['call']): HeldCall => ({ call, when: 'after', workflowBundle: inject('workflowBundlePath') });
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
      blueGreen: { activeService: 'web-active', previewService: 'web-preview' },
    },
    strategy: { type: 'blueGreen', prePromotion: [], scaleDownDelay: '1h' },
  });

  const first = await worker(env, heldAfter('promoteCandidate'));
  const started = await startDeployment(client, plan, env.GLIDEPATH_TASK_QUEUE);
  if (started.kind === 'conflict') throw new Error('conflict');
  const handle = started.handle;
  await first.waitFor(/held: promoteCandidate/);
  expect(await selectorOf(cluster.k, ns, 'web-active')).toMatchObject({ 'glidepath/release': 'v2' }); // switched; Temporal never hears
  await first.kill('SIGKILL');

  const second = await worker(env, heldAfter('rollBack'));
  await waitForStatus(handle, inPhase('KeepingPrevious'), 120_000); // the switch retried after the heartbeat timeout
  await servedBy(ns, 'web-active', { [imageOf('v2')]: 2 });
  expect(await deploymentNames(cluster.k, ns)).toEqual(['web', 'web-v2']);
  await handle.signal(abortSignal, { by: 'oncall', reason: 'errors after the switch' });
  await second.waitFor(/held: rollBack/);
  expect(await selectorOf(cluster.k, ns, 'web-active')).not.toHaveProperty('glidepath/release'); // back; Temporal never hears
  await second.kill('SIGKILL');

  await worker(env);
  const { status } = await rolledBack(handle);
  expect(status).toMatchObject({ phase: 'RolledBack', weight: 0, outcome: { result: 'rolled-back' } });
  expect(await selectorOf(cluster.k, ns, 'web-active')).toEqual({ app: 'web', 'pod-template-hash': expect.any(String) });
  await servedBy(ns, 'web-active', { [imageOf('v1')]: 2 });
  await servedBy(ns, 'web-preview', { [imageOf('v1')]: 2 });
  expect(await deploymentNames(cluster.k, ns)).toEqual(['web']);
  const after = (await read<V1Deployment>(cluster.k, deploymentRef(ns, 'web')))!.metadata!;
  expect({ uid: after.uid, generation: after.generation }).toEqual({ uid: before.uid, generation: before.generation }); // never recreated or changed
  const replicaSets = (await list<V1ReplicaSet>(cluster.k, 'apps/v1', 'ReplicaSet', ns)).filter(
    (rs) => rs.metadata?.ownerReferences?.[0]?.name === 'web',
  );
  expect(replicaSets.map((rs) => rs.spec?.template?.spec?.containers[0].image)).toEqual([imageOf('v1')]);

  const { scheduled, attempts } = await activityLog(handle);
  expect(scheduled).toEqual(['deployCandidate', 'waitCandidateReady', 'previewCandidate', 'promoteCandidate', 'rollBack']);
  // Each retried after its worker was killed (once more for each heartbeat a slow machine misses): the platform
  // state above shows the calls took effect once.
  expect(attempts.promoteCandidate).toBeGreaterThanOrEqual(2);
  expect(attempts.rollBack).toBeGreaterThanOrEqual(2);
});

it("a worker killed during a canary's promote: the retry finishes it, and the stable Deployment rolled to the release once", {
  timeout: 180_000,
}, async () => {
  const ns = await createNamespace(cluster.k, 'killpromote');
  namespaces.push(ns);
  await createApp(cluster.k, ns, { replicas: 2, services: ['web-stable', 'web-canary'], route: true });
  const env = {
    TEMPORAL_ADDRESS: address,
    TEMPORAL_NAMESPACE: 'default',
    GLIDEPATH_TASK_QUEUE: uniqueName('kube-kill-tq'),
    KUBECONFIG: cluster.kubeconfig,
  };
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
    strategy: { type: 'canary', steps: [{ setWeight: 50 }] },
  });

  const first = await worker(env, { call: 'promoteCandidate', when: 'after', workflowBundle: inject('workflowBundlePath') });
  const started = await startDeployment(client, plan, env.GLIDEPATH_TASK_QUEUE);
  if (started.kind === 'conflict') throw new Error('conflict');
  await first.waitFor(/held: promoteCandidate/);
  await first.kill('SIGKILL');

  await worker(env);
  const result = await started.handle.result();
  expect(result.outcome).toBe('promoted');
  expect(await routeBackends(cluster.k, ns)).toEqual({ 'web-stable': 100, 'web-canary': 0 });
  expect(await deploymentNames(cluster.k, ns)).toEqual(['web']);
  await servedBy(ns, 'web-stable', { [imageOf('v2')]: 2 });
  // web's ReplicaSets: the v1 one it started with and the one v2 promotion made; the retry made no other.
  const replicaSets = (await list<V1ReplicaSet>(cluster.k, 'apps/v1', 'ReplicaSet', ns)).filter(
    (rs) => rs.metadata?.ownerReferences?.[0]?.name === 'web',
  );
  expect(replicaSets.map((rs) => rs.spec?.template?.spec?.containers[0].image).sort()).toEqual([imageOf('v1'), imageOf('v2')]);

  const { scheduled, attempts } = await activityLog(started.handle);
  expect(scheduled).toEqual(['deployCandidate', 'waitCandidateReady', 'setTrafficWeight', 'promoteCandidate', 'retirePrevious']);
  expect(attempts.promoteCandidate).toBeGreaterThanOrEqual(2); // retried after the kill; the Deployment rolled once (above)
});
