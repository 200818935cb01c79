/**
 * The Temporal server itself killed with SIGKILL mid-soak (a dev server on a SQLite file, restarted on the
 * same file): the worker reconnects, the plan resumes from its history, and it promotes with every step run once.
 */
import { GetAliasCommand, ListVersionsByFunctionCommand } from '@aws-sdk/client-lambda';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { expect, inject, it } from 'vitest';
import { startDeployment } from '../../starters/deploy';
import { createWorker } from '../../workers/worker';
import { createLambdaService, lambdaPlatformAt } from '../support/lambda-fixture';
import { canary, lambdaPlan } from '../support/plans';
import { activityLog, inPhase, uniqueName, waitForStatus } from '../support/temporal';
import { startDevServer } from '../support/temporal-server';

const endpoint = inject('motoEndpoint');

it('the Temporal server killed during a soak: after its restart the plan resumes and promotes', async () => {
  const server = await startDevServer();
  const { address } = server;
  const name = uniqueName('srv');
  const lambda = await createLambdaService(endpoint, name);
  const nativeConnection = await NativeConnection.connect({ address });
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace: 'default' });
  const taskQueue = uniqueName('srv-tq');
  const worker = await createWorker({
    connection: nativeConnection,
    namespace: 'default',
    taskQueue,
    workflowBundle: { codePath: inject('workflowBundlePath') },
    dependencies: { platforms: { lambda: lambdaPlatformAt(endpoint) } },
  });
  try {
    const result = await worker.runUntil(async () => {
      const started = await startDeployment(
        client,
        lambdaPlan(name, canary({ setWeight: 10 }, { pause: { duration: '5s' } }, { setWeight: 100 })),
        taskQueue,
      );
      if (started.kind === 'conflict') throw new Error('conflict');
      await waitForStatus(started.handle, inPhase('Soaking'));

      await server.kill();
      await server.restart();
      return started.handle.result();
    });
    expect(result.outcome).toBe('promoted');
    expect((await lambda.send(new GetAliasCommand({ FunctionName: name, Name: 'live' }))).FunctionVersion).toBe(
      result.status.candidateVersion,
    );
    const versions = (await lambda.send(new ListVersionsByFunctionCommand({ FunctionName: name }))).Versions!.map((v) => v.Version);
    expect(versions).toEqual(['$LATEST', '1', result.status.candidateVersion]);

    const { scheduled } = await activityLog(client.workflow.getHandle(`deploy:${name}/test`));
    expect(scheduled).toEqual([
      'deployCandidate',
      'waitCandidateReady',
      'setTrafficWeight',
      'setTrafficWeight',
      'promoteCandidate',
      'retirePrevious',
    ]);
  } finally {
    await nativeConnection.close();
    await connection.close();
    await server.kill();
  }
});
