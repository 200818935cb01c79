/**
 * A freeze during a release, on the real Temporal server with a worker driving Lambda on moto: a target that
 * starts while `glidepath freeze` covers its environment holds in phase Frozen before it changes anything (its
 * alias untouched, its stage waiting, nothing rolled back), and goes on when `unfreeze` lifts it; an abort of the
 * release still rolls a held target back. A plan started on its own in the frozen scope is still refused.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startRelease } from '../../starters/release';
import { abortSignal, approveUpdate } from '../../workflows/messages';
import { glidepath } from '../policy/support';
import { lambdaPlatformAt } from '../support/lambda-fixture';
import { canary, lambdaPlan } from '../support/plans';
import { aliasOf, createReleaseFixture, lambdaRelease, releaseFailure, targetState, waitForRelease } from '../support/releases';
import { type Harness, inPhase, recordHistory, rolledBack, startHarness, startPlan, uniqueName, waitForStatus } from '../support/temporal';

const endpoint = inject('motoEndpoint');
let harness: Harness;

beforeAll(async () => {
  harness = await startHarness({ platforms: { lambda: lambdaPlatformAt(endpoint) } });
});
afterAll(async () => harness?.close());

const cli = (args: string[]) =>
  glidepath(args, {
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_NAMESPACE: 'default',
    GLIDEPATH_TASK_QUEUE: harness.taskQueue,
    GLIDEPATH_USER: 'oncall',
  });

/** A release gated by alice after staging, started and waiting for her; prod-eu frozen meanwhile, then approved. */
async function releaseIntoFrozenProd(reason: string) {
  const f = await createReleaseFixture(endpoint);
  const started = await startRelease(
    harness.client,
    lambdaRelease(f, (d) => (d.stages[0].gate = { approval: { approvers: ['alice'] } })),
    harness.taskQueue,
  );
  if (started.kind === 'conflict') throw new Error('unexpected conflict');
  const release = started.handle;
  await waitForRelease(release, (s) => s.phase === 'AwaitingApproval');
  expect(await cli(['freeze', '--env', 'prod-eu', '--reason', reason])).toMatchObject({ code: 0 });
  await release.executeUpdate(approveUpdate, { args: [{ by: 'alice', reason: 'staging is quiet' }] });
  const euId = `deploy:${f.system}-api/prod-eu`;
  return { f, release, euId, eu: harness.client.workflow.getHandle(euId) };
}

describe('a freeze during a release', () => {
  it('holds the target that starts under it, before any change, and the release promotes once it lifts', async () => {
    await harness.run(async () => {
      const { f, release, euId, eu } = await releaseIntoFrozenProd('incident 9');
      const held = await waitForStatus(eu, inPhase('Frozen'));
      expect(held).toMatchObject({ weight: 0, frozen: { scope: 'prod-eu', by: 'oncall', reason: 'incident 9' } });
      expect(held.message).toContain('held by the freeze of prod-eu: incident 9');
      expect(await aliasOf(f.lambda, f.fns.eu)).toEqual({ version: '1', weights: {} });
      const waiting = await waitForRelease(release, (s) => targetState(s, euId) === 'running');
      expect(waiting.stages.map((s) => s.state)).toEqual(['promoted', 'running']);
      expect(targetState(waiting, `deploy:${f.system}-api/prod-us`)).toBe('waiting');

      // A plan of its own in the same scope is refused, as `deploy` refuses it.
      const solo = lambdaPlan(uniqueName('solo'), canary({ setWeight: 10 }));
      solo.metadata.environment = 'prod-eu';
      const refused = await (await startPlan(harness.client, solo, harness.taskQueue)).result().catch((e) => e);
      expect(refused).toBeInstanceOf(WorkflowFailedError);
      expect(refused.cause).toBeInstanceOf(ApplicationFailure);
      expect(refused.cause).toMatchObject({ type: 'BlockedByPolicy', message: expect.stringContaining('freeze prod-eu') });

      expect(await aliasOf(f.lambda, f.fns.eu)).toEqual({ version: '1', weights: {} });
      expect(await cli(['unfreeze', '--env', 'prod-eu', '--reason', 'resolved'])).toMatchObject({ code: 0 });
      const result = await release.result();
      expect(result.status.stages.map((s) => s.state)).toEqual(['promoted', 'promoted']);
      for (const fn of Object.values(f.fns)) expect(await aliasOf(f.lambda, fn)).toEqual({ version: '2', weights: {} });
      await recordHistory(eu, 'canary-release-target-frozen-at-start-promoted');
    });
  });

  it('an abort of the release rolls a held target back; its alias was never touched', async () => {
    await harness.run(async () => {
      const { f, release, eu } = await releaseIntoFrozenProd('incident 10');
      await waitForStatus(eu, inPhase('Frozen'));
      await release.signal(abortSignal, { by: 'oncall', reason: 'not today' });
      const { type, message, status } = await releaseFailure(release);
      expect(type).toBe('RolledBack');
      expect(message).toContain('aborted by oncall: not today');
      expect(status.stages.map((s) => s.state)).toEqual(['promoted', 'rolled-back']);
      expect((await rolledBack(eu)).message).toContain('joint rollback of prod');
      expect(await aliasOf(f.lambda, f.fns.eu)).toEqual({ version: '1', weights: {} });
      expect(await aliasOf(f.lambda, f.fns.stagingApi)).toEqual({ version: '2', weights: {} });
      expect(await cli(['unfreeze', '--env', 'prod-eu', '--reason', 'resolved'])).toMatchObject({ code: 0 });
    });
  });
});
