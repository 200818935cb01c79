/**
 * `glidepath worker` processes (configured by KUBECONFIG) SIGKILLed in the middle of the blue-green switch and in
 * the middle of the rollback, each after its change reached the control plane and before Temporal heard of it
 * (test/support/held-worker.ts holds the call open there). The retried calls find the change made and leave it
 * as it is: the run ends rolled back with the Services and Deployments as a run without the kills leaves them,
 * and the previous Deployment was never touched. A worker killed in the middle of a canary's promote (past the
 * point of no return) leaves a run that ends promoted, the stable Deployment rolled to the release once.
 */
import type { V1Deployment } from '@kubernetes/client-node';
import { expect, it } from 'vitest';
import { deploymentRef, read } from '../../activities/kubernetes/objects';
import { abortSignal } from '../../workflows/messages';
import {
  createApp,
  deploymentNames,
  imageOf,
  replicaSetImages,
  routeBackends,
  selectorOf,
  useKubeCluster,
  waitForBackends,
} from '../support/kube';
import { blueGreenServices, gatewayTraffic, kubePlan } from '../support/kube-plans';
import { canary } from '../support/plans';
import { activityLog, inPhase, rolledBack, startPlan, uniqueName, waitForStatus } from '../support/temporal';
import { heldAfter, kubeWorkerEnv, useWorkerProcesses } from '../support/worker-process';

const cluster = useKubeCluster();
const workers = useWorkerProcesses('SIGKILL');

const servedBy = (ns: string, service: string, want: Record<string, number>) => waitForBackends(cluster.k, ns, service, want);

it('workers killed during the switch and during the rollback: rolled back as without the kills, the previous Deployment untouched', {
  timeout: 240_000,
}, async () => {
  const ns = await cluster.namespace('kill');
  await createApp(cluster.k, ns, { replicas: 2, services: ['web-active', 'web-preview'] });
  const before = (await read<V1Deployment>(cluster.k, deploymentRef(ns, 'web')))!.metadata!;
  const env = kubeWorkerEnv(uniqueName('kube-kill-tq'), cluster.kubeconfig);
  const plan = kubePlan(ns, { type: 'blueGreen', prePromotion: [], scaleDownDelay: '1h' }, { target: blueGreenServices });

  const first = await workers.spawn(env, heldAfter('promoteCandidate'));
  const handle = await startPlan(workers.client(), plan, env.GLIDEPATH_TASK_QUEUE);
  await first.waitFor(/held: promoteCandidate/);
  expect(await selectorOf(cluster.k, ns, 'web-active')).toMatchObject({ 'glidepath/release': 'v2' }); // switched; Temporal never hears
  await first.kill('SIGKILL');

  const second = await workers.spawn(env, heldAfter('rollBack'));
  await waitForStatus(handle, inPhase('KeepingPrevious'), 120_000); // the switch retried after the heartbeat timeout
  await servedBy(ns, 'web-active', { [imageOf('v2')]: 2 });
  expect(await deploymentNames(cluster.k, ns)).toEqual(['web', 'web-v2']);
  await handle.signal(abortSignal, { by: 'oncall', reason: 'errors after the switch' });
  await second.waitFor(/held: rollBack/);
  expect(await selectorOf(cluster.k, ns, 'web-active')).not.toHaveProperty('glidepath/release'); // back; Temporal never hears
  await second.kill('SIGKILL');

  await workers.spawn(env);
  const { status } = await rolledBack(handle);
  expect(status).toMatchObject({ phase: 'RolledBack', weight: 0, outcome: { result: 'rolled-back' } });
  expect(await selectorOf(cluster.k, ns, 'web-active')).toEqual({ app: 'web', 'pod-template-hash': expect.any(String) });
  await servedBy(ns, 'web-active', { [imageOf('v1')]: 2 });
  await servedBy(ns, 'web-preview', { [imageOf('v1')]: 2 });
  expect(await deploymentNames(cluster.k, ns)).toEqual(['web']);
  const after = (await read<V1Deployment>(cluster.k, deploymentRef(ns, 'web')))!.metadata!;
  // Never recreated or changed.
  expect({ uid: after.uid, generation: after.generation }).toEqual({ uid: before.uid, generation: before.generation });
  expect(await replicaSetImages(cluster.k, ns)).toEqual([imageOf('v1')]);

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
  const ns = await cluster.namespace('killpromote');
  await createApp(cluster.k, ns, { replicas: 2, services: ['web-stable', 'web-canary'], route: true });
  const env = kubeWorkerEnv(uniqueName('kube-kill-tq'), cluster.kubeconfig);
  const plan = kubePlan(ns, canary({ setWeight: 50 }), { target: gatewayTraffic });

  const first = await workers.spawn(env, heldAfter('promoteCandidate'));
  const handle = await startPlan(workers.client(), plan, env.GLIDEPATH_TASK_QUEUE);
  await first.waitFor(/held: promoteCandidate/);
  await first.kill('SIGKILL');

  await workers.spawn(env);
  const result = await handle.result();
  expect(result.outcome).toBe('promoted');
  expect(await routeBackends(cluster.k, ns)).toEqual({ 'web-stable': 100, 'web-canary': 0 });
  expect(await deploymentNames(cluster.k, ns)).toEqual(['web']);
  await servedBy(ns, 'web-stable', { [imageOf('v2')]: 2 });
  // web's ReplicaSets: the v1 one it started with and the one v2 promotion made; the retry made no other.
  expect(await replicaSetImages(cluster.k, ns)).toEqual([imageOf('v1'), imageOf('v2')]);

  const { scheduled, attempts } = await activityLog(handle);
  expect(scheduled).toEqual(['deployCandidate', 'waitCandidateReady', 'setTrafficWeight', 'promoteCandidate', 'retirePrevious']);
  expect(attempts.promoteCandidate).toBeGreaterThanOrEqual(2); // retried after the kill; it took effect once (above)
});
