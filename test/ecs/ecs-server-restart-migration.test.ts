/**
 * The Temporal server SIGKILLed while an ECS migration task runs, and restarted on the same port and database
 * file: the worker reconnects, the migration activity reports the task it was watching, and the plan deploys.
 * The task ran once, counted on ECS. Simulated: the task takes a few seconds per lifecycle step (moto's state
 * manager), and the scheduler of test/support/ecs_sim.py.
 */
import { expect, it } from 'vitest';
import {
  activeServices,
  clusterTasks,
  createEcsService,
  ecsMigrationInput,
  ecsPlan,
  ecsPlatformAt,
  listenerWeights,
  uniqueEcsName,
  waitForMigrationTask,
} from '../support/ecs-fixture';
import { useEcsSim } from '../support/ecs-sim';
import { canary } from '../support/plans';
import { activityLog, inPhase, promotedCanaryCalls, startHarness, startPlan, waitForStatus } from '../support/temporal';
import { useDevServer } from '../support/temporal-server';

const sim = useEcsSim();
const server = useDevServer();

it('the Temporal server killed while the migration task runs: after its restart the plan promotes, and the task ran once', {
  timeout: 120_000,
}, async () => {
  const f = await createEcsService(sim.endpoint, uniqueEcsName('srvmig'));
  await sim.taskStepsEvery(3); // the task runs ~12s (4 lifecycle steps) once it is watched
  const harness = await startHarness({ platforms: { ecs: ecsPlatformAt(sim.endpoint) } }, server.address);
  try {
    const plan = ecsPlan(f, canary({ setWeight: 100 }), { migration: { run: ecsMigrationInput(f) } });
    const result = await harness.run(async () => {
      const handle = await startPlan(harness.client, plan, harness.taskQueue);
      await waitForStatus(handle, inPhase('Migrating'));
      const task = await waitForMigrationTask(f);
      expect(task.lastStatus).not.toBe('STOPPED');

      await server.kill();
      await server.restart();
      return handle.result();
    });
    expect(result.outcome).toBe('promoted');
    expect(result.status.migration).toBe('applied');

    const tasks = await clusterTasks(f);
    expect(tasks).toHaveLength(1); // the migration ran once
    expect(tasks[0]).toMatchObject({ lastStatus: 'STOPPED', containers: [expect.objectContaining({ exitCode: 0 })] });
    expect(await listenerWeights(f)).toEqual({ [f.blueTg]: 0, [f.greenTg]: 100 });
    expect(await activeServices(f)).toEqual([`${f.service}-v2`]);
    const { scheduled } = await activityLog(harness.client.workflow.getHandle(`deploy:${f.service}/test`));
    expect(scheduled).toEqual(promotedCanaryCalls(1, { migration: true }));
  } finally {
    await harness.close();
  }
});
