/**
 * The Temporal server itself killed with SIGKILL mid-soak (a dev server on a SQLite file, restarted on the
 * same file): the worker reconnects, the plan resumes from its history, and it promotes with every step run once.
 */
import { GetAliasCommand, ListVersionsByFunctionCommand } from '@aws-sdk/client-lambda';
import { expect, inject, it } from 'vitest';
import { createLambdaService, lambdaPlatformAt } from '../support/lambda-fixture';
import { canary, lambdaPlan } from '../support/plans';
import { activityLog, inPhase, promotedCanaryCalls, startHarness, startPlan, uniqueName, waitForStatus } from '../support/temporal';
import { startDevServer } from '../support/temporal-server';

const endpoint = inject('motoEndpoint');

it('the Temporal server killed during a soak: after its restart the plan resumes and promotes', async () => {
  const server = await startDevServer();
  const name = uniqueName('srv');
  const lambda = await createLambdaService(endpoint, name);
  const harness = await startHarness({ platforms: { lambda: lambdaPlatformAt(endpoint) } }, server.address);
  try {
    const result = await harness.run(async () => {
      const plan = lambdaPlan(name, canary({ setWeight: 10 }, { pause: { duration: '5s' } }, { setWeight: 100 }));
      const handle = await startPlan(harness.client, plan, harness.taskQueue);
      await waitForStatus(handle, inPhase('Soaking'));

      await server.kill();
      await server.restart();
      return handle.result();
    });
    expect(result.outcome).toBe('promoted');
    expect((await lambda.send(new GetAliasCommand({ FunctionName: name, Name: 'live' }))).FunctionVersion).toBe(
      result.status.candidateVersion,
    );
    const versions = (await lambda.send(new ListVersionsByFunctionCommand({ FunctionName: name }))).Versions!.map((v) => v.Version);
    expect(versions).toEqual(['$LATEST', '1', result.status.candidateVersion]);

    const { scheduled } = await activityLog(harness.client.workflow.getHandle(`deploy:${name}/test`));
    expect(scheduled).toEqual(promotedCanaryCalls(2));
  } finally {
    await harness.close();
    await server.kill();
  }
});
