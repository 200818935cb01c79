import { GetFunctionConfigurationCommand, ListTagsCommand } from '@aws-sdk/client-lambda';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startRelease } from '../../starters/release';
import { where } from '../../starters/where';
import { abortSignal, approveUpdate } from '../../workflows/messages';
import { aliasOf, createReleaseFixture, lambdaRelease, releaseFailure, targetState, waitForRelease } from '../support/releases';
import { type Harness, inPhase, recordHistory, startHarness, waitForStatus } from '../support/temporal';
import { createLambdaService, lambdaPlatformAt } from '../support/lambda-fixture';

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

describe('lambda release', () => {
  it('staging → soak and approval → prod in two waves promotes end to end; where shows the truth', async () => {
    const started = Date.now();
    const f = await createReleaseFixture(endpoint);
    const release = lambdaRelease(f, (d) => (d.stages[0].gate = { soak: '3s', approval: { approvers: ['alice'] } }));
    await harness.run(async () => {
      const handle = await start(release);
      const again = await startRelease(harness.client, release, harness.taskQueue);
      expect(again.kind).toBe('attached');
      const other = await startRelease(
        harness.client,
        lambdaRelease(f, (d) => (d.metadata.version = 'v3')),
        harness.taskQueue,
      );
      expect(other).toMatchObject({ kind: 'conflict', runningVersion: 'v2' });

      // Staging promoted, prod not started: the gate soaks first, then waits for alice.
      const gated = await waitForRelease(handle, (s) => s.phase === 'Gated');
      expect(gated.stages[0].state).toBe('promoted');
      expect(targetState(gated, `deploy:${f.system}-api/prod-eu`)).toBe('waiting');
      expect(await aliasOf(f.lambda, f.fns.stagingApi)).toEqual({ version: '2', weights: {} });
      expect(await aliasOf(f.lambda, f.fns.eu)).toEqual({ version: '1', weights: {} });
      await waitForRelease(handle, (s) => s.phase === 'AwaitingApproval');
      const refused = await handle.executeUpdate(approveUpdate, { args: [{ by: 'mallory', reason: 'ship it' }] }).catch((e) => e);
      expect(refused).toBeInstanceOf(WorkflowUpdateFailedError);
      expect(refused.cause.message).toContain('mallory may not answer approval "promote-to-prod"; allowed approvers: alice');
      expect(await aliasOf(f.lambda, f.fns.eu)).toEqual({ version: '1', weights: {} });
      await handle.executeUpdate(approveUpdate, { args: [{ by: 'alice', reason: 'staging is quiet' }] });

      const result = await handle.result();
      expect(result.status.stages.map((s) => s.state)).toEqual(['promoted', 'promoted']);
      for (const fn of Object.values(f.fns)) expect(await aliasOf(f.lambda, fn)).toEqual({ version: '2', weights: {} });
      expect(result.status.actions).toContainEqual(expect.objectContaining({ action: 'approve', by: 'alice', gate: 'promote-to-prod' }));
      console.log(`end-to-end release: ${((Date.now() - started) / 1000).toFixed(1)}s`);
      await recordHistory(handle, 'release-promoted');
      await recordHistory(harness.client.workflow.getHandle(`deploy:${f.system}-api/prod-eu`), 'canary-held-by-release-promoted');
      await recordHistory(harness.client.workflow.getHandle(`deploy:${f.system}-worker/prod`), 'blue-green-held-by-release-promoted');

      let rows = await where(harness.client, f.system);
      for (let i = 0; i < 40 && rows.filter((r) => r.live).length < 5; i++) {
        await new Promise((r) => setTimeout(r, 250));
        rows = await where(harness.client, f.system);
      }
      // Who promoted: prod started on alice's approval; staging started with the release, no person in between.
      expect(
        rows.map((r) => [`${r.service}/${r.environment}`, r.live?.version, r.live?.releaseId, r.live?.by, r.live?.promotedBy]),
      ).toEqual([
        [`${f.system}-api/prod-eu`, 'v2', `${f.system}@v2`, 'ci', 'alice'],
        [`${f.system}-api/prod-us`, 'v2', `${f.system}@v2`, 'ci', 'alice'],
        [`${f.system}-api/staging`, 'v2', `${f.system}@v2`, 'ci', 'automatic'],
        [`${f.system}-worker/prod`, 'v2', `${f.system}@v2`, 'ci', 'alice'],
        [`${f.system}-worker/staging`, 'v2', `${f.system}@v2`, 'ci', 'automatic'],
      ]);
    });
  });

  it("each stage runs its own migration before its traffic: the component's in staging, the stage's override in prod", async () => {
    const f = await createReleaseFixture(endpoint);
    const [staging, prod] = [`${f.system}-mig-stg`, `${f.system}-mig-prod`];
    for (const fn of [staging, prod]) await createLambdaService(endpoint, fn);
    const release = lambdaRelease(f, (d) => {
      d.components.api.migration = { run: { type: 'lambda', functionName: staging, payload: { to: 7 } } };
      d.stages[1].targets[0].migration = { run: { functionName: prod } };
    });
    await harness.run(async () => {
      const { status } = await (await start(release)).result();
      expect(status.stages.map((s) => [s.name, s.state, s.migration])).toEqual([
        ['staging', 'promoted', 'applied'],
        ['prod', 'promoted', 'applied'],
      ]);
    });
    // What each migration function recorded as applied (activities/lambda/migration.ts): staging's once, prod's once.
    const applied = async (fn: string) => {
      const { FunctionArn } = await f.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: fn }));
      const { Tags = {} } = await f.lambda.send(new ListTagsCommand({ Resource: FunctionArn }));
      return Object.keys(Tags).filter((k) => k.startsWith('glidepath:migration:'));
    };
    expect(await applied(staging)).toEqual([`glidepath:migration:${f.system}-api.staging`]);
    expect(await applied(prod)).toEqual([`glidepath:migration:${f.system}-api.prod`]);
  });

  it('a failure in the second prod wave rolls back the first wave too; staging stays promoted', async () => {
    const f = await createReleaseFixture(endpoint);
    // The us target points at an alias that does not exist: its deployment fails at once.
    const release = lambdaRelease(f, (d) => (d.stages[1].targets[1].target.alias = 'missing'));
    await harness.run(async () => {
      const handle = await start(release);
      const { type, message, status } = await releaseFailure(handle);
      expect(type).toBe('RolledBack');
      expect(message).toContain(`prod: us (deploy:${f.system}-api/prod-us) failed`);
      expect(message).toContain('staging stays promoted');
      expect(status.stages.map((s) => s.state)).toEqual(['promoted', 'rolled-back']);
      expect(targetState(status, `deploy:${f.system}-api/prod-eu`)).toBe('rolled-back');
      expect(await aliasOf(f.lambda, f.fns.eu)).toEqual({ version: '1', weights: {} });
      expect(await aliasOf(f.lambda, f.fns.prodWorker)).toEqual({ version: '1', weights: {} });
      expect(await aliasOf(f.lambda, f.fns.stagingApi)).toEqual({ version: '2', weights: {} });
      expect(await aliasOf(f.lambda, f.fns.stagingWorker)).toEqual({ version: '2', weights: {} });
      await recordHistory(handle, 'release-second-wave-failed');
      await recordHistory(harness.client.workflow.getHandle(`deploy:${f.system}-api/prod-eu`), 'canary-held-by-release-rolled-back');
    });
  });

  it('abort of the release mid-prod rolls back prod only', async () => {
    const f = await createReleaseFixture(endpoint);
    // us waits for a person at 50%: the release is mid-prod with eu moved and held.
    const release = lambdaRelease(
      f,
      (d) => (d.stages[1].targets[1].strategy = { type: 'canary', steps: [{ setWeight: 50 }, { pause: {} }] }),
    );
    await harness.run(async () => {
      const handle = await start(release);
      const mid = await waitForRelease(
        handle,
        (s) =>
          targetState(s, `deploy:${f.system}-api/prod-eu`) === 'held' && targetState(s, `deploy:${f.system}-api/prod-us`) === 'running',
      );
      expect(mid.stages[0].state).toBe('promoted');
      expect(await aliasOf(f.lambda, f.fns.eu)).toEqual({ version: '2', weights: {} }); // all traffic on the new version, previous kept
      await handle.signal(abortSignal, { by: 'oncall', reason: 'checkout errors' });
      const { type, message, status } = await releaseFailure(handle);
      expect(type).toBe('RolledBack');
      expect(message).toContain('aborted by oncall: checkout errors');
      expect(status.stages.map((s) => s.state)).toEqual(['promoted', 'rolled-back']);
      expect(await aliasOf(f.lambda, f.fns.eu)).toEqual({ version: '1', weights: {} });
      expect(await aliasOf(f.lambda, f.fns.us)).toEqual({ version: '1', weights: {} });
      expect(await aliasOf(f.lambda, f.fns.stagingApi)).toEqual({ version: '2', weights: {} });
      await recordHistory(handle, 'release-aborted-mid-prod');
    });
  });

  it('abort of one target mid-prod fails its stage: the other moved prod targets switch back', async () => {
    const f = await createReleaseFixture(endpoint);
    const release = lambdaRelease(
      f,
      (d) => (d.stages[1].targets[1].strategy = { type: 'canary', steps: [{ setWeight: 50 }, { pause: {} }] }),
    );
    await harness.run(async () => {
      const handle = await start(release);
      const us = `deploy:${f.system}-api/prod-us`;
      await waitForRelease(handle, (s) => targetState(s, `deploy:${f.system}-api/prod-eu`) === 'held' && targetState(s, us) === 'running');
      // The release shows a target running once it asked for its start; the target itself is at its pause after 50%.
      await waitForStatus(harness.client.workflow.getHandle(us), inPhase('AwaitingPromotion'));
      await harness.client.workflow.getHandle(us).signal(abortSignal, { by: 'bob', reason: 'us latency' });
      const { type, message, status } = await releaseFailure(handle);
      expect(type).toBe('RolledBack');
      expect(message).toContain(`prod: us (${us}) failed: rolled back: aborted by bob: us latency`);
      expect(status.stages.map((s) => s.state)).toEqual(['promoted', 'rolled-back']);
      expect(await aliasOf(f.lambda, f.fns.eu)).toEqual({ version: '1', weights: {} });
      expect(await aliasOf(f.lambda, f.fns.us)).toEqual({ version: '1', weights: {} });
      expect(await aliasOf(f.lambda, f.fns.stagingApi)).toEqual({ version: '2', weights: {} });
    });
  });
});
