/**
 * A release cancelled through Temporal (the Web UI's Cancel on `release:<system>`), on the dev server and moto: it
 * stops as an abort does, the stage in flight switched back and earlier stages kept, and its status, read afterwards
 * as `glidepath status release:<system>` reads it, says so and who stopped it.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startRelease } from '../../starters/release';
import { formatReleaseStatus } from '../../starters/release-cli';
import { approveUpdate } from '../../workflows/messages';
import { lambdaPlatformAt } from '../support/lambda-fixture';
import { aliasOf, createReleaseFixture, lambdaRelease, releaseFailure, targetState, waitForRelease } from '../support/releases';
import { type Harness, startHarness } from '../support/temporal';

const endpoint = inject('motoEndpoint');
let harness: Harness;

beforeAll(async () => {
  harness = await startHarness({ platforms: { lambda: lambdaPlatformAt(endpoint) } });
});
afterAll(async () => harness?.close());

async function startGated() {
  const f = await createReleaseFixture(endpoint);
  const release = lambdaRelease(f, (d) => (d.stages[0].gate = { approval: { approvers: ['alice'] } }));
  const started = await startRelease(harness.client, release, harness.taskQueue);
  if (started.kind !== 'started') throw new Error(`unexpected ${started.kind}`);
  await waitForRelease(started.handle, (s) => s.phase === 'AwaitingApproval');
  return { f, handle: started.handle };
}

describe('a release cancelled through Temporal', () => {
  it('at the gate before prod: stops, staging stays promoted, prod untouched', async () => {
    await harness.run(async () => {
      const { f, handle } = await startGated();
      await handle.cancel();
      const { type, status } = await releaseFailure(handle);
      expect(type).toBe('Stopped');
      expect(status.stages.map((s) => s.state)).toEqual(['promoted', 'pending']);
      expect(status.actions.at(-1)).toMatchObject({ action: 'cancel', by: 'temporal' });
      expect(await aliasOf(f.lambda, f.fns.stagingApi)).toEqual({ version: '2', weights: {} });
      for (const fn of [f.fns.eu, f.fns.us, f.fns.prodWorker]) expect(await aliasOf(f.lambda, fn)).toEqual({ version: '1', weights: {} });
      const { text } = await formatReleaseStatus(harness.client, handle.workflowId);
      expect(text).toContain('outcome:  stopped: before prod: cancelled; staging stays promoted');
      expect(text).toMatch(/cancel by temporal: cancel requested/);
    });
  });

  it('mid-prod: the moved prod target switches back, the rest never start, staging stays promoted', async () => {
    await harness.run(async () => {
      const { f, handle } = await startGated();
      await handle.executeUpdate(approveUpdate, { args: [{ by: 'alice', reason: 'staging is quiet' }] });
      const eu = `deploy:${f.system}-api/prod-eu`;
      await waitForRelease(handle, (s) => ['running', 'held'].includes(targetState(s, eu) ?? ''));
      await handle.cancel();
      const { type, status } = await releaseFailure(handle);
      expect(type).toBe('RolledBack');
      expect(status.stages.map((s) => s.state)).toEqual(['promoted', 'rolled-back']);
      expect(targetState(status, eu)).toBe('rolled-back');
      expect(status.actions.at(-1)).toMatchObject({ action: 'cancel', by: 'temporal' });
      expect(await aliasOf(f.lambda, f.fns.stagingApi)).toEqual({ version: '2', weights: {} });
      for (const fn of [f.fns.eu, f.fns.us, f.fns.prodWorker]) expect(await aliasOf(f.lambda, fn)).toEqual({ version: '1', weights: {} });
      const { text } = await formatReleaseStatus(harness.client, handle.workflowId);
      expect(text).toContain('outcome:  rolled-back: prod: cancelled; staging stays promoted');
    });
  });
});
