/**
 * An emergency freeze on the real Temporal server, with real `glidepath worker` processes driving Lambda on moto:
 * three in-flight canaries hold at their next step (the alias weight stays put, the soak clock stops), a new start
 * is refused with exit 4, the freeze survives a worker SIGKILL, abort still rolls a held run back, and `unfreeze`
 * lets the others finish.
 */
import { GetAliasCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { WorkflowHandle } from '@temporalio/client';
import { expect, inject, it } from 'vitest';
import { EXIT } from '../../starters/exit-codes';
import { BUCKET, createLambdaService } from '../support/lambda-fixture';
import { canary, lambdaPlan } from '../support/plans';
import { recordHistory, rolledBack, startPlan, uniqueName, waitForStatus } from '../support/temporal';
import { useWorkerProcesses, workerEnv } from '../support/worker-process';
import { glidepath, writeYaml } from './support';

const endpoint = inject('motoEndpoint');
const workers = useWorkerProcesses('SIGTERM');

async function aliasOf(lambda: LambdaClient, name: string) {
  const alias = await lambda.send(new GetAliasCommand({ FunctionName: name, Name: 'live' }));
  return { version: alias.FunctionVersion, weights: alias.RoutingConfig?.AdditionalVersionWeights ?? {} };
}

it('an emergency freeze holds in-flight canaries, refuses new starts, survives a worker kill; abort and unfreeze still work', async () => {
  const taskQueue = uniqueName('freeze-tq');
  const env = workerEnv(taskQueue, endpoint, { GLIDEPATH_USER: 'oncall' });
  const client = workers.client();
  const names = [uniqueName('fz-a'), uniqueName('fz-b'), uniqueName('fz-c')];
  const lambdas = await Promise.all(names.map((n) => createLambdaService(endpoint, n)));
  const first = await workers.spawn(env);

  const handles: WorkflowHandle[] = [];
  for (const name of names) {
    const plan = lambdaPlan(name, canary({ setWeight: 10 }, { pause: { duration: '8s' } }, { setWeight: 50 }, { setWeight: 100 }));
    plan.metadata.environment = 'prod';
    handles.push(await startPlan(client, plan, taskQueue));
  }
  await Promise.all(handles.map((h) => waitForStatus(h, (s) => s.phase === 'Soaking' && s.weight === 10, 60_000)));

  const frozen = await glidepath(['freeze', '--env', 'prod', '--reason', 'incident 42'], env);
  expect(frozen).toMatchObject({ code: 0, stdout: expect.stringContaining('froze prod') });
  for (const h of handles) {
    const s = await waitForStatus(h, (st) => st.phase === 'Frozen', 45_000);
    expect(s).toMatchObject({ weight: 10, frozen: { scope: 'prod', by: 'oncall', reason: 'incident 42' } });
  }

  // A new start in the frozen scope is refused up front, naming the freeze.
  const fourth = uniqueName('fz-d');
  const planFile = writeYaml(`${fourth}.yaml`, {
    apiVersion: 'glidepath/v1',
    metadata: { service: fourth, environment: 'prod', release: 'v2' },
    target: { type: 'lambda', functionName: fourth, alias: 'live', code: { s3Bucket: BUCKET, s3Key: `${fourth}/v2.zip` } },
    strategy: { type: 'canary', steps: [{ setWeight: 10 }] },
  });
  const refused = await glidepath(['deploy', planFile], env);
  expect(refused.code).toBe(EXIT.blockedByPolicy);
  expect(refused.stderr).toMatch(/blocked by policy rule "freeze prod": emergency freeze of prod by oncall .*incident 42/);

  // Longer than the soak: the clock stopped and traffic stayed at 10%.
  await new Promise((r) => setTimeout(r, 9_000));
  for (const [i, h] of handles.entries()) {
    expect((await waitForStatus(h, () => true)).phase).toBe('Frozen');
    expect((await aliasOf(lambdas[i], names[i])).weights).toEqual({ [(await waitForStatus(h, () => true)).candidateVersion!]: 0.1 });
  }

  // The freeze outlives a worker killed outright.
  await first.kill('SIGKILL');
  await workers.spawn(env);
  expect(await glidepath(['freezes'], env)).toMatchObject({ code: 0, stdout: expect.stringContaining('incident 42') });
  for (const h of handles) expect((await waitForStatus(h, () => true, 45_000)).phase).toBe('Frozen');

  // Abort still rolls a held run back.
  const aborted = await glidepath(['abort', handles[0].workflowId, '--reason', 'bad build'], env);
  expect(aborted.code).toBe(0);
  expect((await rolledBack(handles[0])).message).toContain('aborted by oncall: bad build');
  expect(await aliasOf(lambdas[0], names[0])).toEqual({ version: '1', weights: {} });
  expect((await waitForStatus(handles[1], () => true)).phase).toBe('Frozen');

  // Unfreeze: the rest continue from where they were held and promote.
  expect(await glidepath(['unfreeze', '--env', 'prod', '--reason', 'resolved'], env)).toMatchObject({ code: 0 });
  for (const [i, h] of handles.slice(1).entries()) {
    const result = (await h.result()) as { outcome: string; status: { candidateVersion: string } };
    expect(result.outcome).toBe('promoted');
    expect(await aliasOf(lambdas[i + 1], names[i + 1])).toEqual({ version: result.status.candidateVersion, weights: {} });
  }
  await recordHistory(handles[1], 'canary-frozen-unfrozen-promoted');
}, 240_000);
