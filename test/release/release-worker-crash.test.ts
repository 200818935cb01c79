import { expect, inject, it } from 'vitest';
import { startRelease } from '../../starters/release';
import { releaseStatusQuery } from '../../workflows/release-messages';
import { releaseOutcome } from '../support/release-outcome';
import { aliasOf, createReleaseFixture, lambdaRelease } from '../support/releases';
import { eventually } from '../support/eventually';
import { activityLog, startHarness, uniqueName } from '../support/temporal';
import { heldAfter, useWorkerProcesses, workerEnv } from '../support/worker-process';
import { lambdaPlatformAt } from '../support/lambda-fixture';

const endpoint = inject('motoEndpoint');
const workers = useWorkerProcesses('SIGKILL');

it('a worker killed mid-wave: the release ends as without the kill, each platform call scheduled once', { timeout: 180_000 }, async () => {
  // Without the kill, on an in-process worker.
  const baseline = await createReleaseFixture(endpoint);
  const harness = await startHarness({ platforms: { lambda: lambdaPlatformAt(endpoint) } });
  const expected = await harness
    .run(async () => {
      const run = await startRelease(harness.client, lambdaRelease(baseline), harness.taskQueue);
      if (run.kind === 'conflict') throw new Error('unexpected conflict');
      const { status } = await run.handle.result();
      return releaseOutcome(harness.client, run.handle, baseline, status);
    })
    .finally(() => harness.close());
  expect(expected.outcome).toBe('promoted');

  // With the kill: the first worker holds the deploy of prod-us once the version is published.
  const f = await createReleaseFixture(endpoint);
  const taskQueue = uniqueName('rel-crash-tq');
  const env = workerEnv(taskQueue, endpoint);
  const first = await workers.spawn(env, heldAfter('deployCandidate', 'prod-us'));
  const client = workers.client();
  const run = await startRelease(client, lambdaRelease(f), taskQueue);
  if (run.kind === 'conflict') throw new Error('unexpected conflict');
  await first.waitFor(/held: deployCandidate/);
  const us = `deploy:${f.system}-api/prod-us`;
  const mid = await eventually(
    () => run.handle.query(releaseStatusQuery),
    (s) => s.stages[1].targets[0].state === 'held',
    'prod-eu held',
  );
  expect(mid.stages.map((s) => s.state)).toEqual(['promoted', 'running']);
  expect(mid.stages[1].targets.map((t) => t.state)).toEqual(['held', 'running', 'waiting']);
  expect(await aliasOf(f.lambda, f.fns.eu)).toEqual({ version: '2', weights: {} }); // wave 1 moved, version 1 kept
  expect(await aliasOf(f.lambda, f.fns.us)).toEqual({ version: '1', weights: {} }); // version 2 published, no traffic yet
  await first.kill('SIGKILL');

  await workers.spawn(env);
  const { status } = await run.handle.result();
  expect(await releaseOutcome(client, run.handle, f, status)).toEqual(expected);
  // The deploy the kill interrupted ran again on the next worker (attempt 2) and found its version published.
  expect((await activityLog(client.workflow.getHandle(us))).attempts.deployCandidate).toBe(2);
});
