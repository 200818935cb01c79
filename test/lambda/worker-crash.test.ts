/**
 * A worker process killed with SIGKILL in the middle of a soak: a new worker picks the plan up where it was,
 * and nothing ran twice (one published version, each traffic step applied once).
 */
import { GetAliasCommand, ListVersionsByFunctionCommand } from '@aws-sdk/client-lambda';
import { expect, inject, it } from 'vitest';
import { createLambdaService } from '../support/lambda-fixture';
import { canary, lambdaPlan } from '../support/plans';
import { activityLog, inPhase, promotedCanaryCalls, startPlan, uniqueName, waitForStatus } from '../support/temporal';
import { useWorkerProcesses, workerEnv } from '../support/worker-process';

const endpoint = inject('motoEndpoint');
const workers = useWorkerProcesses('SIGTERM');

it('a worker killed during a soak: a new worker resumes the plan and it promotes, with no step run twice', async () => {
  const name = uniqueName('crash');
  const lambda = await createLambdaService(endpoint, name);
  const taskQueue = uniqueName('crash-tq');
  const env = workerEnv(taskQueue, endpoint);
  const plan = lambdaPlan(name, canary({ setWeight: 10 }, { pause: { duration: '6s' } }, { setWeight: 50 }, { setWeight: 100 }));

  const first = await workers.spawn(env);
  const handle = await startPlan(workers.client(), plan, taskQueue);
  const soaking = await waitForStatus(handle, inPhase('Soaking'));
  await first.kill('SIGKILL');

  const { metricsPort } = await workers.spawnWithMetrics(env);
  const result = await handle.result();
  expect(result.outcome).toBe('promoted');

  const alias = await lambda.send(new GetAliasCommand({ FunctionName: name, Name: 'live' }));
  expect(alias.FunctionVersion).toBe(soaking.candidateVersion);
  const versions = (await lambda.send(new ListVersionsByFunctionCommand({ FunctionName: name }))).Versions!.map((v) => v.Version);
  expect(versions).toEqual(['$LATEST', '1', soaking.candidateVersion]);

  // The worker that finished the plan counted it, for Prometheus.
  const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  expect(metrics).toMatch(new RegExp(`glidepath_deployments\\{[^}]*outcome="promoted"[^}]*service="${name}"[^}]*\\} 1`));
  expect(metrics).toMatch(new RegExp(`glidepath_deployment_duration_bucket\\{[^}]*service="${name}"`));

  // Each step's activity was scheduled exactly once across both workers.
  const { scheduled } = await activityLog(handle);
  expect(scheduled).toEqual(promotedCanaryCalls(3));
});
