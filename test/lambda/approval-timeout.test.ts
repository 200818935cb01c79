/**
 * Approval timeouts of an hour, on the time-skipping test server: the server jumps the timer while the
 * Lambda calls still go to the real moto server.
 */
import { GetAliasCommand } from '@aws-sdk/client-lambda';
import { expect, inject, it } from 'vitest';
import { startDeployment } from '../../starters/deploy';
import { createLambdaService, lambdaPlatformAt } from '../support/lambda-fixture';
import { canary, lambdaPlan } from '../support/plans';
import { rolledBack, uniqueName } from '../support/temporal';
import { createEnvWorker, useTimeSkippingEnv } from '../support/time-skipping';

const endpoint = inject('motoEndpoint');
const env = useTimeSkippingEnv();

/** Deploys a canary whose approval nobody answers within its hour; returns how the run ended and the alias. */
async function unansweredApproval(onTimeout: 'abort' | 'promote') {
  const name = uniqueName('slow');
  const lambda = await createLambdaService(endpoint, name);
  const { worker, taskQueue } = await createEnvWorker(env, 'tq', { platforms: { lambda: lambdaPlatformAt(endpoint) } });
  const plan = lambdaPlan(
    name,
    canary({ setWeight: 10 }, { approval: { approvers: ['alice'], timeout: '1h', onTimeout } }, { setWeight: 100 }),
  );
  const ended = await worker.runUntil(async () => {
    const started = await startDeployment(env.client, plan, taskQueue);
    if (started.kind === 'conflict') throw new Error('conflict');
    return onTimeout === 'abort' ? rolledBack(started.handle) : started.handle.result();
  });
  const alias = await lambda.send(new GetAliasCommand({ FunctionName: name, Name: 'live' }));
  return { ended, alias: { version: alias.FunctionVersion, weights: alias.RoutingConfig?.AdditionalVersionWeights ?? {} } };
}

it('an approval that times out with onTimeout: abort rolls back', async () => {
  const { ended, alias } = await unansweredApproval('abort');
  expect(ended).toMatchObject({ message: expect.stringContaining('approval "approval-2" timed out after 1h') });
  expect(alias).toEqual({ version: '1', weights: {} });
});

it('an approval that times out with onTimeout: promote continues to 100%', async () => {
  const { ended, alias } = await unansweredApproval('promote');
  expect(ended).toMatchObject({ outcome: 'promoted', status: { candidateVersion: expect.any(String) } });
  expect(alias).toEqual({ version: (ended as { status: { candidateVersion: string } }).status.candidateVersion, weights: {} });
  expect(alias.version).not.toBe('1');
});
