/**
 * A `glidepath worker` process SIGKILLed while an ECS migration task runs: after the heartbeat timeout the
 * activity is retried on a new worker, which finds the task the first attempt started (by its startedBy
 * tag) instead of starting another, and the plan goes on to deploy exactly one new service. Simulated: the
 * migration task takes a few seconds per lifecycle step (moto's state manager), and the scheduler of
 * test/support/ecs_sim.py.
 */
import { expect, it } from 'vitest';
import {
  activeServices,
  clusterTasks,
  createEcsService,
  ecsMigrationInput,
  ecsPlan,
  listenerWeights,
  uniqueEcsName,
  waitForMigrationTask,
} from '../support/ecs-fixture';
import { useEcsSim } from '../support/ecs-sim';
import { canary } from '../support/plans';
import { activityLog, inPhase, promotedCanaryCalls, startPlan, uniqueName, waitForStatus } from '../support/temporal';
import { useWorkerProcesses, workerEnv } from '../support/worker-process';

const sim = useEcsSim();
const workers = useWorkerProcesses('SIGTERM');

it('a worker killed during the migration: the retry waits for the same task, then one service is deployed', {
  timeout: 150_000,
}, async () => {
  const f = await createEcsService(sim.endpoint, uniqueEcsName('crash'));
  await sim.taskStepsEvery(4); // the task runs ~16s (4 lifecycle steps) once it is watched
  const taskQueue = uniqueName('ecs-crash-tq');
  const env = workerEnv(taskQueue, sim.endpoint);
  const plan = ecsPlan(f, canary({ setWeight: 10 }, { setWeight: 100 }), { migration: { run: ecsMigrationInput(f) } });

  const first = await workers.spawn(env);
  const handle = await startPlan(workers.client(), plan, taskQueue);
  await waitForStatus(handle, inPhase('Migrating'));
  const task = await waitForMigrationTask(f);
  expect(task.lastStatus).not.toBe('STOPPED');
  await first.kill('SIGKILL');

  await workers.spawn(env);
  const result = await handle.result();
  expect(result.outcome).toBe('promoted');
  expect(result.status.migration).toBe('applied');

  expect((await clusterTasks(f)).map((t) => t.taskArn)).toEqual([task.taskArn]); // one migration task across both workers
  expect(await activeServices(f)).toContain(`${f.service}-v2`);
  expect(await listenerWeights(f)).toEqual({ [f.blueTg]: 0, [f.greenTg]: 100 });

  const { scheduled, firstStartAttempt } = await activityLog(handle);
  expect(scheduled).toEqual(promotedCanaryCalls(2, { migration: true }));
  expect(firstStartAttempt).toBeGreaterThanOrEqual(2); // the migration was retried after the kill
});
