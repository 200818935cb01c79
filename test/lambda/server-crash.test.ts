/**
 * The Temporal server itself killed with SIGKILL mid-soak (a dev server on a SQLite file, restarted on the
 * same file): the worker reconnects, the plan resumes from its history, and it promotes with every step run once.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GetAliasCommand, LambdaClient, ListVersionsByFunctionCommand } from '@aws-sdk/client-lambda';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { expect, inject, it } from 'vitest';
import { lambdaPlatform } from '../../activities/lambda/lambda-platform';
import { startDeployment } from '../../starters/deploy';
import { createWorker } from '../../workers/worker';
import { SEARCH_ATTRIBUTE_FLAGS } from '../../workflows/search-attributes';
import { createLambdaService } from '../support/lambda-fixture';
import { awsConfig, freePort } from '../support/moto';
import { canary, lambdaPlan } from '../support/plans';
import { activityLog, inPhase, uniqueName, waitForStatus } from '../support/temporal';
import { tool } from '../support/tools';

const endpoint = inject('motoEndpoint');

async function startServer(port: number, dbFile: string): Promise<ChildProcess> {
  const args = ['server', 'start-dev', '--headless', '--ip', '127.0.0.1', '--port', String(port), '--db-filename', dbFile, '--log-level', 'error'];
  const child = spawn(tool('temporal'), [...args, ...SEARCH_ATTRIBUTE_FLAGS.flatMap((f) => ['--search-attribute', f])], { stdio: 'ignore' });
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const connection = await Connection.connect({ address: `127.0.0.1:${port}`, connectTimeout: 500 });
      await connection.healthService.check({});
      await connection.close();
      return child;
    } catch {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error('temporal dev server did not start');
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

async function kill9(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

it('the Temporal server killed during a soak: after its restart the plan resumes and promotes', async () => {
  const port = await freePort();
  const dbFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'glidepath-server-')), 'temporal.db');
  let server = await startServer(port, dbFile);
  const address = `127.0.0.1:${port}`;
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
    dependencies: { platforms: { lambda: lambdaPlatform(() => new LambdaClient(awsConfig(endpoint))) } },
  });
  try {
    const result = await worker.runUntil(async () => {
      const started = await startDeployment(client, lambdaPlan(name, canary({ setWeight: 10 }, { pause: { duration: '5s' } }, { setWeight: 100 })), taskQueue);
      if (started.kind === 'conflict') throw new Error('conflict');
      await waitForStatus(started.handle, inPhase('Soaking'));

      await kill9(server);
      await new Promise((r) => setTimeout(r, 1_000));
      server = await startServer(port, dbFile);
      return started.handle.result();
    });
    expect(result.outcome).toBe('promoted');
    expect((await lambda.send(new GetAliasCommand({ FunctionName: name, Name: 'live' }))).FunctionVersion).toBe(result.status.candidateVersion);
    const versions = (await lambda.send(new ListVersionsByFunctionCommand({ FunctionName: name }))).Versions!.map((v) => v.Version);
    expect(versions).toEqual(['$LATEST', '1', result.status.candidateVersion]);

    const { scheduled } = await activityLog(client.workflow.getHandle(`deploy:${name}/test`));
    expect(scheduled).toEqual(['deployCandidate', 'waitCandidateReady', 'setTrafficWeight', 'setTrafficWeight', 'promoteCandidate', 'retirePrevious']);
  } finally {
    await nativeConnection.close();
    await connection.close();
    await kill9(server).catch(() => undefined);
  }
});
