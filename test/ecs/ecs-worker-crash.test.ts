/**
 * A `glidepath worker` process SIGKILLed while an ECS migration task runs: after the heartbeat timeout the
 * activity is retried on a new worker, which finds the task the first attempt started (by its startedBy
 * tag) instead of starting another, and the plan goes on to deploy exactly one new service. Simulated: the
 * migration task takes a few seconds per lifecycle step (moto's state manager), and the scheduler of
 * test/support/ecs_sim.py.
 */
import { DescribeTasksCommand, ListTasksCommand } from '@aws-sdk/client-ecs';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { startDeployment } from '../../starters/deploy';
import { activeServices, createEcsService, ecsMigrationInput, ecsPlan, listenerWeights, uniqueEcsName } from '../support/ecs-fixture';
import { type EcsSim, startEcsSim } from '../support/ecs-sim';
import { activityLog, inPhase, uniqueName, waitForStatus } from '../support/temporal';
import { type WorkerProcess, spawnWorker, workerEnv } from '../support/worker-process';

const address = inject('temporalAddress');
let sim: EcsSim;
let connection: Connection;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  sim = await startEcsSim();
  connection = await Connection.connect({ address });
});
afterAll(async () => {
  await Promise.all(workers.map((w) => w.kill('SIGTERM')));
  await connection?.close();
  await sim?.stop();
});

it('a worker killed during the migration: the retry waits for the same task, then one service is deployed', {
  timeout: 150_000,
}, async () => {
  const f = await createEcsService(sim.endpoint, uniqueEcsName('crash'));
  await sim.taskStepsEvery(4); // the task runs ~16s (4 lifecycle steps) once it is watched
  const taskQueue = uniqueName('ecs-crash-tq');
  const env = workerEnv(taskQueue, sim.endpoint);
  const client = new Client({ connection, namespace: 'default' });
  const plan = ecsPlan(f, { type: 'canary', steps: [{ setWeight: 10 }, { setWeight: 100 }] }, { migration: { run: ecsMigrationInput(f) } });

  const first = await spawnWorker(env);
  workers.push(first);
  const started = await startDeployment(client, plan, taskQueue);
  if (started.kind === 'conflict') throw new Error('conflict');
  const handle = started.handle;
  await waitForStatus(handle, inPhase('Migrating'));
  const tasks = async () => {
    const arns = new Set<string>();
    for (const desiredStatus of ['RUNNING', 'STOPPED'] as const) {
      for (const arn of (await f.ecs.send(new ListTasksCommand({ cluster: f.cluster, desiredStatus }))).taskArns ?? []) arns.add(arn);
    }
    return [...arns];
  };
  while ((await tasks()).length === 0) await new Promise((r) => setTimeout(r, 100));
  const [arn] = await tasks();
  const running = (await f.ecs.send(new DescribeTasksCommand({ cluster: f.cluster, tasks: [arn] }))).tasks![0];
  expect(running.lastStatus).not.toBe('STOPPED');
  await first.kill('SIGKILL');

  const second = await spawnWorker(env);
  workers.push(second);
  const result = await handle.result();
  expect(result.outcome).toBe('promoted');
  expect(result.status.migration).toBe('applied');

  expect(await tasks()).toEqual([arn]); // one migration task across both workers
  expect(await activeServices(f)).toContain(`${f.service}-v2`);
  expect(await listenerWeights(f)).toEqual({ [f.blueTg]: 0, [f.greenTg]: 100 });

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
