/**
 * `glidepath worker` processes SIGKILLed in the middle of the blue-green switch and in the middle of the rollback,
 * each after its change reached ECS and before Temporal heard of it (test/support/held-worker.ts holds the call
 * open there). The retried calls find the change made and leave it as it is: the run ends rolled back with the
 * listeners and services as a run without the kills leaves them, and the new service and its task definition
 * revision were created once. A worker killed in the middle of a canary's promote (past the point of no return)
 * leaves a run that ends promoted, with the previous service removed. Simulated: the ECS scheduler of
 * test/support/ecs_sim.py.
 */
import { expect, it } from 'vitest';
import { abortSignal } from '../../workflows/messages';
import {
  activeServices,
  createEcsService,
  ecsPlan,
  everyService,
  listenerWeights,
  taskDefinitionRevisions,
  uniqueEcsName,
} from '../support/ecs-fixture';
import { useEcsSim } from '../support/ecs-sim';
import { canary } from '../support/plans';
import { activityLog, inPhase, rolledBack, startPlan, uniqueName, waitForStatus } from '../support/temporal';
import { heldAfter, useWorkerProcesses, workerEnv } from '../support/worker-process';

const sim = useEcsSim();
const workers = useWorkerProcesses('SIGKILL');

const envFor = (endpoint: string) => workerEnv(uniqueName('ecs-kill-tq'), endpoint);

it('workers killed during the switch and during the rollback: rolled back as without the kills, each change made once', {
  timeout: 240_000,
}, async () => {
  const f = await createEcsService(sim.endpoint, uniqueEcsName('kill'));
  const env = envFor(sim.endpoint);
  const blue = { [f.blueTg]: 100, [f.greenTg]: 0 };
  const green = { [f.blueTg]: 0, [f.greenTg]: 100 };

  const first = await workers.spawn(env, heldAfter('promoteCandidate'));
  const plan = ecsPlan(f, { type: 'blueGreen', prePromotion: [], scaleDownDelay: '1h' });
  const handle = await startPlan(workers.client(), plan, env.GLIDEPATH_TASK_QUEUE);
  await first.waitFor(/held: promoteCandidate/);
  expect(await listenerWeights(f)).toEqual(green); // switched; the result never reaches Temporal
  await first.kill('SIGKILL');

  const second = await workers.spawn(env, heldAfter('rollBack'));
  await waitForStatus(handle, inPhase('KeepingPrevious'), 120_000); // the switch retried after the heartbeat timeout
  expect(await listenerWeights(f)).toEqual(green);
  expect(await activeServices(f)).toEqual([f.service, `${f.service}-v2`].sort());
  await handle.signal(abortSignal, { by: 'oncall', reason: 'errors after the switch' });
  await second.waitFor(/held: rollBack/);
  expect(await listenerWeights(f)).toEqual(blue); // rolled back; the result never reaches Temporal
  await second.kill('SIGKILL');

  await workers.spawn(env);
  const { status } = await rolledBack(handle);
  expect(status).toMatchObject({ phase: 'RolledBack', weight: 0, outcome: { result: 'rolled-back' } });
  expect(await listenerWeights(f)).toEqual(blue);
  expect(await listenerWeights(f, f.testListenerArn)).toEqual(blue);
  expect(await activeServices(f)).toEqual([f.service]);
  expect(await everyService(f)).toEqual([f.service, `${f.service}-v2`].sort()); // one new service, ever
  expect(await taskDefinitionRevisions(f)).toEqual([1, 2]); // one new revision, ever

  const { scheduled, attempts } = await activityLog(handle);
  expect(scheduled).toEqual(['deployCandidate', 'waitCandidateReady', 'previewCandidate', 'promoteCandidate', 'rollBack']);
  // Each retried after its worker was killed (once more for each heartbeat a slow machine misses): the platform
  // state above shows the calls took effect once.
  expect(attempts.promoteCandidate).toBeGreaterThanOrEqual(2);
  expect(attempts.rollBack).toBeGreaterThanOrEqual(2);
});

it("a worker killed during a canary's promote: the retry finishes it, the previous service is removed, one new service ever", {
  timeout: 180_000,
}, async () => {
  const f = await createEcsService(sim.endpoint, uniqueEcsName('killp'));
  const env = envFor(sim.endpoint);
  const first = await workers.spawn(env, heldAfter('promoteCandidate'));
  const handle = await startPlan(workers.client(), ecsPlan(f, canary({ setWeight: 50 })), env.GLIDEPATH_TASK_QUEUE);
  await first.waitFor(/held: promoteCandidate/);
  expect(await listenerWeights(f)).toEqual({ [f.blueTg]: 0, [f.greenTg]: 100 }); // promoted; Temporal never hears
  await first.kill('SIGKILL');

  await workers.spawn(env);
  const result = await handle.result();
  expect(result.outcome).toBe('promoted');
  expect(await listenerWeights(f)).toEqual({ [f.blueTg]: 0, [f.greenTg]: 100 });
  expect(await activeServices(f)).toEqual([`${f.service}-v2`]);
  expect(await everyService(f)).toEqual([f.service, `${f.service}-v2`].sort());
  expect(await taskDefinitionRevisions(f)).toEqual([1, 2]);

  const { scheduled, attempts } = await activityLog(handle);
  expect(scheduled).toEqual(['deployCandidate', 'waitCandidateReady', 'setTrafficWeight', 'promoteCandidate', 'retirePrevious']);
  expect(attempts.promoteCandidate).toBeGreaterThanOrEqual(2); // retried after the kill; it took effect once (above)
});
