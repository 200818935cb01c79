/**
 * An unexpected error in workflow code (a bug, forced by test/support/faulty-workflow-interceptor.ts) ends each run
 * in a known state, never in a workflow task that fails on every retry, on the time-skipping server:
 * before anything changed the run fails and says there is nothing to undo; on the way forward it rolls back; after
 * the promotion it ends Promoted with a warning; inside the rollback the unwind goes on (stuck, then retried) and
 * ends RolledBack. The platform is a recording double: what it was asked to do is what the run did.
 */
import path from 'node:path';
import { type WorkflowHandle, WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { beforeAll, describe, expect, it } from 'vitest';
import { getStatus } from '../../starters/actions';
import { startDeployment } from '../../starters/deploy';
import { bundleWorkflows } from '../../workers/workflow-bundle';
import { FAILED_BEFORE_CHANGE } from '../../workflows/bookkeeping';
import type { deploymentWorkflow } from '../../workflows/deployment';
import { canary, lambdaPlan } from '../support/plans';
import { quietLogger } from '../support/platform-calls';
import { recordingPlatform } from '../support/recording-platform';
import { rolledBack, uniqueName, waitForStatus } from '../support/temporal';
import { createEnvWorker, useTimeSkippingEnv } from '../support/time-skipping';

const env = useTimeSkippingEnv();
let code: string;

beforeAll(async () => {
  code = await bundleWorkflows({
    workflowInterceptorModules: [path.join(__dirname, '..', 'support', 'faulty-workflow-interceptor.ts')],
    logger: quietLogger,
  });
}, 120_000);

/** Runs a 10% → 50% canary of a service named after where the interceptor throws (`before`, `tail`, `undo`, `forward`). */
async function deploy<T>(where: string, fn: (handle: WorkflowHandle<typeof deploymentWorkflow>) => Promise<T>) {
  const { platform, calls } = recordingPlatform();
  const { worker, taskQueue } = await createEnvWorker(env, 'bug', { platforms: { lambda: platform } }, { code } as never);
  const result = await worker.runUntil(async () => {
    const started = await startDeployment(
      env.client,
      lambdaPlan(uniqueName(where), canary({ setWeight: 10 }, { setWeight: 50 })),
      taskQueue,
    );
    if (started.kind === 'conflict') throw new Error('conflict');
    return fn(started.handle);
  });
  return { result, calls };
}

async function failure(handle: { result: () => Promise<unknown> }): Promise<ApplicationFailure> {
  const err = await handle.result().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowFailedError);
  expect((err as WorkflowFailedError).cause).toBeInstanceOf(ApplicationFailure);
  return (err as WorkflowFailedError).cause as ApplicationFailure;
}

describe('an unexpected error in workflow code', () => {
  it('before anything changed: the run fails, nothing is called, and its status says there is nothing to undo', async () => {
    const { result, calls } = await deploy('before', async (handle) => {
      const failed = await failure(handle);
      return { failed, closed: (await handle.describe()).status.name, status: await getStatus(env.client, handle.workflowId) };
    });
    expect(result.closed).toBe('FAILED');
    expect(result.failed.type).toBe(FAILED_BEFORE_CHANGE);
    expect(result.failed.message).toMatch(/^failed before anything changed, nothing to undo: .*\[plan check\]/);
    expect(calls).toEqual([]);
    expect(result.status).toMatchObject({ weight: 0, message: result.failed.message });
    expect(result.status.outcome).toBeUndefined();
  });

  it('on the way forward: the run rolls back, and the traffic it moved is moved back', async () => {
    const { result, calls } = await deploy('forward', (handle) => rolledBack(handle));
    expect(result.message).toContain('[traffic 50%]');
    expect(calls).toEqual(['deployCandidate', 'waitCandidateReady', 'setTrafficWeight 10', 'rollBack']);
    expect(result.status).toMatchObject({ phase: 'RolledBack', weight: 0 });
  });

  it('after the promotion: the run ends Promoted with a warning, its phase searchable as Promoted, nothing undone', async () => {
    const { result, calls } = await deploy('tail', async (handle) => {
      const { status } = await handle.result();
      const described = await handle.describe();
      const phase = described.typedSearchAttributes.getAll().find((p) => p.key.name === 'DeployPhase')?.value;
      return { status, closed: described.status.name, phase };
    });
    expect(result.closed).toBe('COMPLETED');
    expect(result.phase).toBe('Promoted');
    expect(result.status).toMatchObject({ phase: 'Promoted', weight: 100, outcome: { result: 'promoted' } });
    expect(result.status.warnings).toEqual([expect.stringMatching(/^recording metrics failed .*\[metric\]/)]);
    expect(calls).toEqual([
      'deployCandidate',
      'waitCandidateReady',
      'setTrafficWeight 10',
      'setTrafficWeight 50',
      'promoteCandidate',
      'retirePrevious',
    ]);
  });

  it('inside the rollback: the failed undo call shows RollbackStuck, is tried again, and the run ends RolledBack', async () => {
    const { result, calls } = await deploy('undo', async (handle) => {
      const stuck = await waitForStatus(handle, (s) => s.phase === 'RollbackStuck');
      expect((await handle.describe()).status.name).toBe('RUNNING');
      return { stuck, end: await rolledBack(handle) };
    });
    expect(result.stuck.stuck).toMatchObject({ step: 'roll back v2', reason: expect.stringContaining('[undo call]') });
    expect(result.stuck.outcome).toBeUndefined();
    // the undo call that threw never reached the platform; the one tried again did
    expect(calls).toEqual(['deployCandidate', 'waitCandidateReady', 'setTrafficWeight 10', 'rollBack']);
    expect(result.end.status).toMatchObject({ phase: 'RolledBack', weight: 0, outcome: { result: 'rolled-back' } });
    expect(result.end.status.stuck).toBeUndefined();
    expect(result.end.message).toContain('[traffic 50%]');
    expect(result.end.status.warnings).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^counting the stuck rollback failed .*\[metric\]/),
        expect.stringMatching(/^showing the stuck rollback failed .*\[stuck wait\]/),
        expect.stringMatching(/^recording metrics failed .*\[metric\]/),
      ]),
    );
  });
});
