/**
 * The Temporal server SIGKILLed while an ECS migration task runs, and restarted on the same port and database
 * file: the worker reconnects, the migration activity reports the task it was watching, and the plan deploys.
 * The task ran once, counted on ECS. Simulated: the task takes a few seconds per lifecycle step (moto's state
 * manager), and the scheduler of test/support/ecs_sim.py.
 */
import { ECSClient } from '@aws-sdk/client-ecs';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { ecsPlatform } from '../../activities/ecs/ecs-platform';
import { startDeployment } from '../../starters/deploy';
import { createWorker } from '../../workers/worker';
import {
  activeServices,
  clusterTasks,
  createEcsService,
  ecsMigrationInput,
  ecsPlan,
  listenerWeights,
  uniqueEcsName,
} from '../support/ecs-fixture';
import { type EcsSim, startEcsSim } from '../support/ecs-sim';
import { eventually } from '../support/eventually';
import { awsConfig } from '../support/moto';
import { activityLog, inPhase, uniqueName, waitForStatus } from '../support/temporal';
import { type DevServer, startDevServer } from '../support/temporal-server';

let sim: EcsSim;
let server: DevServer;

beforeAll(async () => {
  [sim, server] = await Promise.all([startEcsSim(), startDevServer()]);
});
afterAll(async () => {
  await server?.kill();
  await sim?.stop();
});

it('the Temporal server killed while the migration task runs: after its restart the plan promotes, and the task ran once', {
  timeout: 120_000,
}, async () => {
  const f = await createEcsService(sim.endpoint, uniqueEcsName('srvmig'));
  await sim.taskStepsEvery(3); // the task runs ~12s (4 lifecycle steps) once it is watched
  const clients = { ecs: new ECSClient(awsConfig(sim.endpoint)), elbv2: new ElasticLoadBalancingV2Client(awsConfig(sim.endpoint)) };
  const nativeConnection = await NativeConnection.connect({ address: server.address });
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection, namespace: 'default' });
  const taskQueue = uniqueName('srv-ecs-tq');
  const worker = await createWorker({
    connection: nativeConnection,
    namespace: 'default',
    taskQueue,
    workflowBundle: { codePath: inject('workflowBundlePath') },
    dependencies: { platforms: { ecs: ecsPlatform(() => clients, { pollIntervalMs: 100 }) } },
  });
  try {
    const plan = ecsPlan(f, { type: 'canary', steps: [{ setWeight: 100 }] }, { migration: { run: ecsMigrationInput(f) } });
    const result = await worker.runUntil(async () => {
      const started = await startDeployment(client, plan, taskQueue);
      if (started.kind === 'conflict') throw new Error('conflict');
      await waitForStatus(started.handle, inPhase('Migrating'));
      const [task] = await eventually(
        () => clusterTasks(f),
        (t) => t.length === 1,
        'migration task started',
      );
      expect(task.lastStatus).not.toBe('STOPPED');

      await server.kill();
      await server.restart();
      return started.handle.result();
    });
    expect(result.outcome).toBe('promoted');
    expect(result.status.migration).toBe('applied');

    const tasks = await clusterTasks(f);
    expect(tasks).toHaveLength(1); // the migration ran once
    expect(tasks[0]).toMatchObject({ lastStatus: 'STOPPED', containers: [expect.objectContaining({ exitCode: 0 })] });
    expect(await listenerWeights(f)).toEqual({ [f.blueTg]: 0, [f.greenTg]: 100 });
    expect(await activeServices(f)).toEqual([`${f.service}-v2`]);
    const { scheduled } = await activityLog(client.workflow.getHandle(`deploy:${f.service}/test`));
    expect(scheduled).toEqual([
      'runMigration',
      'deployCandidate',
      'waitCandidateReady',
      'setTrafficWeight',
      'promoteCandidate',
      'retirePrevious',
    ]);
  } finally {
    await nativeConnection.close();
    await connection.close();
  }
});
