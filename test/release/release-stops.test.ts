/**
 * How a release stops, on the real servers (Lambda on moto): a target aborted after it moved fails its stage at
 * once, while the next wave still runs, as its stage's onFailure says; an abort while a stage is being confirmed
 * starts nothing of the next stage (no migration, no target), and one while the last stage is being confirmed is
 * too late. A slow scale-down delay of a blue-green worker holds a stage's confirmation until a person promotes it.
 */
import { GetFunctionConfigurationCommand, ListTagsCommand } from '@aws-sdk/client-lambda';
import { WorkflowNotFoundError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ActionRefused, sendSignal } from '../../starters/actions';
import { startRelease } from '../../starters/release';
import { abortSignal, promoteUpdate } from '../../workflows/messages';
import { createLambdaService, lambdaPlatformAt } from '../support/lambda-fixture';
import {
  type ReleaseFixture,
  aliasOf,
  createReleaseFixture,
  lambdaRelease,
  releaseFailure,
  targetState,
  waitForRelease,
} from '../support/releases';
import { type Harness, inPhase, recordHistory, startHarness, uniqueName, waitForStatus } from '../support/temporal';

const endpoint = inject('motoEndpoint');
let harness: Harness;

beforeAll(async () => {
  harness = await startHarness({ platforms: { lambda: lambdaPlatformAt(endpoint) } });
});
afterAll(async () => harness?.close());

async function start(release: ReturnType<typeof lambdaRelease>) {
  const started = await startRelease(harness.client, release, harness.taskQueue);
  if (started.kind === 'conflict') throw new Error('unexpected conflict');
  return started.handle;
}

const ids = (f: ReleaseFixture) => ({
  eu: `deploy:${f.system}-api/prod-eu`,
  us: `deploy:${f.system}-api/prod-us`,
  prodWorker: `deploy:${f.system}-worker/prod`,
  stagingWorker: `deploy:${f.system}-worker/staging`,
});

/** us waits for a person at 50%: the second prod wave runs while the first is held. */
const usWaitsAtHalf = (d: any) => (d.stages[1].targets[1].strategy = { type: 'canary', steps: [{ setWeight: 50 }, { pause: {} }] });

const holdOneHour = { type: 'blueGreen', scaleDownDelay: '1h' };

describe('a target aborted after it moved', () => {
  it('fails its stage while the next wave runs: every prod target is back on the old version; staging stays promoted', async () => {
    const f = await createReleaseFixture(endpoint);
    const { eu, us, prodWorker } = ids(f);
    await harness.run(async () => {
      const handle = await start(lambdaRelease(f, usWaitsAtHalf));
      await waitForRelease(handle, (s) => targetState(s, eu) === 'held' && targetState(s, us) === 'running');
      await waitForStatus(harness.client.workflow.getHandle(us), inPhase('AwaitingPromotion'));
      expect(await aliasOf(f.lambda, f.fns.eu)).toEqual({ version: '2', weights: {} }); // moved, previous version kept
      expect(await aliasOf(f.lambda, f.fns.us)).toEqual({ version: '1', weights: { '2': 0.5 } });

      await harness.client.workflow.getHandle(eu).signal(abortSignal, { by: 'bob', reason: 'eu errors' });
      const { type, message, status } = await releaseFailure(handle);
      expect(type).toBe('RolledBack');
      expect(message).toBe(`rolled back: prod: eu (${eu}) failed: rolled back: aborted by bob: eu errors; staging stays promoted`);
      expect(status.stages.map((s) => s.state)).toEqual(['promoted', 'rolled-back']);
      expect([targetState(status, eu), targetState(status, us), targetState(status, prodWorker)]).toEqual([
        'failed',
        'rolled-back',
        'skipped',
      ]);
      for (const fn of [f.fns.eu, f.fns.us, f.fns.prodWorker]) expect(await aliasOf(f.lambda, fn)).toEqual({ version: '1', weights: {} });
      expect(await aliasOf(f.lambda, f.fns.stagingApi)).toEqual({ version: '2', weights: {} });
      expect(await aliasOf(f.lambda, f.fns.stagingWorker)).toEqual({ version: '2', weights: {} });
      await recordHistory(handle, 'release-held-target-aborted');
      await recordHistory(harness.client.workflow.getHandle(eu), 'canary-held-by-release-aborted');
    });
  });

  it('with onFailure: halt, the other moved target is kept and the moving one switches back', async () => {
    const f = await createReleaseFixture(endpoint);
    const { eu, us, prodWorker } = ids(f);
    // Prod: eu and the worker first, then us, which waits at 50%. (The worker no longer comes after the API: a
    // worker in an earlier wave than one of the API's targets is refused, since it would not wait for that one.)
    const release = lambdaRelease(f, (d) => {
      usWaitsAtHalf(d);
      delete d.components.worker.after;
      d.stages[1].onFailure = 'halt';
      d.stages[1].waves = [{ targets: ['eu', 'worker'] }, { targets: ['us'] }];
    });
    await harness.run(async () => {
      const handle = await start(release);
      await waitForRelease(handle, (s) => targetState(s, prodWorker) === 'held' && targetState(s, us) === 'running');
      await waitForStatus(harness.client.workflow.getHandle(us), inPhase('AwaitingPromotion'));

      await harness.client.workflow.getHandle(eu).signal(abortSignal, { by: 'bob', reason: 'eu errors' });
      const { type, message, status } = await releaseFailure(handle);
      expect(type).toBe('Halted');
      expect(message).toBe(`halted: prod: eu (${eu}) failed: rolled back: aborted by bob: eu errors; staging stays promoted`);
      expect(status.stages.map((s) => s.state)).toEqual(['promoted', 'halted']);
      // eu failed on its own (its abort ran its rollback); the release switched us back and kept the worker.
      expect([targetState(status, eu), targetState(status, us), targetState(status, prodWorker)]).toEqual([
        'failed',
        'rolled-back',
        'promoted',
      ]);
      expect(await aliasOf(f.lambda, f.fns.prodWorker)).toEqual({ version: '2', weights: {} });
      expect(await aliasOf(f.lambda, f.fns.eu)).toEqual({ version: '1', weights: {} });
      expect(await aliasOf(f.lambda, f.fns.us)).toEqual({ version: '1', weights: {} });
      expect(await aliasOf(f.lambda, f.fns.stagingApi)).toEqual({ version: '2', weights: {} });
      await recordHistory(handle, 'release-held-target-aborted-halted');
    });
  });
});

describe('an abort while a stage is being confirmed', () => {
  it('before prod: staging ends promoted, and prod runs neither its migration nor any target', async () => {
    const f = await createReleaseFixture(endpoint);
    const { eu, stagingWorker } = ids(f);
    const migrate = uniqueName('migrate');
    const migrateProd = uniqueName('migrate-prod');
    await createLambdaService(endpoint, migrate);
    await createLambdaService(endpoint, migrateProd);
    const release = lambdaRelease(f, (d) => {
      d.components.worker.migration = {
        run: { type: 'lambda', functionName: migrate, payload: { to: 2 } },
        down: { type: 'lambda', functionName: migrate, payload: { to: 1 } },
      };
      // Prod migrates its own database (the same task in two stages is refused).
      d.stages[1].targets[2].migration = { run: { functionName: migrateProd }, down: { functionName: migrateProd } };
      d.stages[0].targets[1].strategy = holdOneHour; // staging's confirmation lasts until the worker is promoted
    });
    await harness.run(async () => {
      const handle = await start(release);
      await waitForRelease(handle, (s) => s.phase === 'Confirming' && s.stage === 'staging');
      await waitForStatus(harness.client.workflow.getHandle(stagingWorker), inPhase('KeepingPrevious'));
      await handle.signal(abortSignal, { by: 'oncall', reason: 'pager storm' });
      const aborted = await waitForRelease(handle, (s) => s.actions.some((a) => a.action === 'abort'));
      expect(aborted.actions.find((a) => a.action === 'abort')?.note).toBeUndefined(); // accepted
      await harness.client.workflow.getHandle(stagingWorker).executeUpdate(promoteUpdate, { args: [{ by: 'alice', reason: 'done' }] });

      const { type, message, status } = await releaseFailure(handle);
      expect(type).toBe('Stopped');
      expect(message).toBe('stopped: before prod: aborted by oncall: pager storm; staging stays promoted');
      expect(status.stages.map((s) => s.state)).toEqual(['promoted', 'pending']);
      expect(await aliasOf(f.lambda, f.fns.stagingWorker)).toEqual({ version: '2', weights: {} });
      expect(await aliasOf(f.lambda, f.fns.eu)).toEqual({ version: '1', weights: {} });
      const neverStarted = await harness.client.workflow
        .getHandle(eu)
        .describe()
        .catch((e) => e);
      expect(neverStarted).toBeInstanceOf(WorkflowNotFoundError);
      // The migration marks the function it ran with a tag per service and environment: staging's only.
      const arn = (await f.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: migrate }))).FunctionArn!;
      const tags = Object.keys((await f.lambda.send(new ListTagsCommand({ Resource: arn }))).Tags ?? {});
      expect(tags.filter((t) => t.startsWith('glidepath:migration:'))).toEqual([`glidepath:migration:${f.system}-worker.staging`]);
      const prodArn = (await f.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: migrateProd }))).FunctionArn!;
      expect(Object.keys((await f.lambda.send(new ListTagsCommand({ Resource: prodArn }))).Tags ?? {})).not.toContainEqual(
        expect.stringMatching(/^glidepath:migration:/),
      );
      await recordHistory(handle, 'release-aborted-while-confirming');
    });
  });

  it('of the last stage: too late, the release ends promoted and says so', async () => {
    const f = await createReleaseFixture(endpoint);
    const { prodWorker } = ids(f);
    const release = lambdaRelease(f, (d) => (d.stages[1].targets[2].strategy = holdOneHour));
    await harness.run(async () => {
      const handle = await start(release);
      const confirming = await waitForRelease(handle, (s) => s.phase === 'Confirming' && s.stage === 'prod');
      expect(confirming.committedAt).toBeDefined();
      await waitForStatus(harness.client.workflow.getHandle(prodWorker), inPhase('KeepingPrevious'));
      const refused = await sendSignal(harness.client, handle.workflowId, 'abort', { by: 'oncall', reason: 'pager storm' }).catch((e) => e);
      expect(refused).toBeInstanceOf(ActionRefused);
      expect(refused.message).toBe(
        `abort too late: ${handle.workflowId} is past its point of no ` +
          `return (since ${confirming.committedAt}); ${f.system}@v2 is being promoted (only a failing promote call rolls it back)`,
      );
      await waitForRelease(handle, (s) => s.actions.some((a) => a.action === 'abort'));
      await harness.client.workflow.getHandle(prodWorker).executeUpdate(promoteUpdate, { args: [{ by: 'alice', reason: 'done' }] });

      const result = await handle.result();
      expect(result.status.stages.map((s) => s.state)).toEqual(['promoted', 'promoted']);
      expect(result.status.actions).toContainEqual(
        expect.objectContaining({
          action: 'abort',
          by: 'oncall',
          note: `too late: past the point of no return, ${f.system}@v2 is being promoted`,
        }),
      );
      for (const fn of Object.values(f.fns)) expect(await aliasOf(f.lambda, fn)).toEqual({ version: '2', weights: {} });
      await recordHistory(handle, 'release-aborted-too-late');
    });
  });
});
