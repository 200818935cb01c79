/**
 * An abort or a cancel at every moment of a rollout, on the real Temporal dev server and moto: the run ends
 * promoted or rolled back, the alias says the same as the status, and an interrupted platform call always
 * finishes before the rollback starts. The point of no return: canary, the start of the promote call;
 * blue-green, the end of the scale-down delay.
 */
import { GetAliasCommand, LambdaClient, ListVersionsByFunctionCommand } from '@aws-sdk/client-lambda';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import { describe, expect, inject, it, onTestFinished } from 'vitest';
import { ActionRefused, getStatus, sendSignal } from '../../starters/actions';
import type { Moment } from '../support/held-platform';
import { expectRollbackAfter, useHeldRuns } from '../support/held-runs';
import { createLambdaService, lambdaPlatformAt } from '../support/lambda-fixture';
import { awsConfig } from '../support/moto';
import { canary, lambdaPlan } from '../support/plans';
import {
  expectClosedCancelled,
  inPhase,
  recordHistory,
  rolledBack,
  startHarness,
  startPlan,
  uniqueName,
  waitForStatus,
} from '../support/temporal';

const endpoint = inject('motoEndpoint');
const lambda = new LambdaClient(awsConfig(endpoint));
const held = useHeldRuns();

async function alias(fn: string, name = 'live') {
  const a = await lambda.send(new GetAliasCommand({ FunctionName: fn, Name: name })).catch(() => undefined);
  return a && { version: a.FunctionVersion, weights: a.RoutingConfig?.AdditionalVersionWeights ?? {} };
}

async function versions(fn: string) {
  const out = await lambda.send(new ListVersionsByFunctionCommand({ FunctionName: fn }));
  return (out.Versions ?? []).map((v) => v.Version).filter((v) => v !== '$LATEST');
}

const CANARY = canary({ setWeight: 10 }, { setWeight: 50 });
const BLUE_GREEN = { type: 'blueGreen', prePromotion: [], scaleDownDelay: '1h' };

/** Starts a plan with one call held; `act` runs while it is held; then the call goes on and the run ends. */
async function runHeld(strategy: unknown, moment: Moment, act: (handle: WorkflowHandle) => Promise<void>) {
  const name = uniqueName('moment');
  await createLambdaService(endpoint, name);
  return { name, ...(await held.run({ lambda: lambdaPlatformAt(endpoint) }, lambdaPlan(name, strategy), moment, act)) };
}

const abort = held.abort;
describe('canary: an abort before the point of no return rolls back, with traffic really back', () => {
  const moments: Array<[string, Moment, string]> = [
    ['before deploy returns', { call: 'deployCandidate', when: 'after' }, 'deployCandidate'],
    ['during readiness', { call: 'waitCandidateReady', when: 'before' }, 'waitCandidateReady'],
    ['during the first traffic step, before the change', { call: 'setTrafficWeight', weight: 10, when: 'before' }, 'setTrafficWeight'],
    ['during the second traffic step, after the change', { call: 'setTrafficWeight', weight: 50, when: 'after' }, 'setTrafficWeight'],
  ];
  for (const [label, moment, activityType] of moments) {
    it(label, async () => {
      const run = await runHeld(CANARY, moment, async (handle) => {
        expect(await abort(handle)).toContain('abort sent');
      });
      const { status } = await rolledBack(run.handle);
      expect(status).toMatchObject({ phase: 'RolledBack', weight: 0, outcome: { result: 'rolled-back' } });
      expect(status.outcome!.reason).toContain('aborted by oncall');
      expect(await alias(run.name)).toEqual({ version: '1', weights: {} });
      expect(await versions(run.name)).toEqual(['1']); // the new version was published, then removed
      expect(run.calls.at(-1)).toBe('rollBack');
      expect(run.calls).not.toContain('promoteCandidate');
      await expectRollbackAfter(run.handle, activityType);
    });
  }
});

describe('canary: from the promote call on, an abort is too late and the run ends promoted', () => {
  const moments: Array<[string, Moment]> = [
    ['during promote, before the alias moves', { call: 'promoteCandidate', when: 'before' }],
    ['during promote, after the alias moved', { call: 'promoteCandidate', when: 'after' }],
    ['between promote and retire', { call: 'retirePrevious', when: 'before' }],
    ['during retire', { call: 'retirePrevious', when: 'after' }],
  ];
  for (const [label, moment] of moments) {
    it(label, async () => {
      const run = await runHeld(CANARY, moment, async (handle) => {
        await expect(abort(handle)).rejects.toThrow(ActionRefused);
        await expect(abort(handle)).rejects.toThrow(/too late: .* past its point of no return/);
      });
      const status = run.promoted!;
      expect(status).toMatchObject({ phase: 'Promoted', weight: 100, outcome: { result: 'promoted' } });
      expect(status.actions.filter((a) => a.action === 'abort').map((a) => a.note)).toEqual([
        expect.stringContaining('too late'),
        expect.stringContaining('too late'),
      ]);
      expect(await alias(run.name)).toEqual({ version: status.candidateVersion, weights: {} });
      expect(await versions(run.name)).toEqual(['1', status.candidateVersion]);
      expect(run.calls).not.toContain('rollBack');
    });
  }

  it('a Temporal cancel (the Web UI button) after the point of no return also ends promoted', async () => {
    const run = await runHeld(CANARY, { call: 'promoteCandidate', when: 'after' }, async (handle) => {
      await handle.cancel();
    });
    const status = run.promoted!;
    expect(status.phase).toBe('Promoted');
    expect(status.actions.find((a) => a.action === 'cancel')?.note).toContain('too late');
    expect(await alias(run.name)).toEqual({ version: status.candidateVersion, weights: {} });
  });
});

describe('canary: a Temporal cancel (the Web UI button) before the point of no return rolls back, its status readable', () => {
  it('before the first step (the plan check): closes Canceled, with nothing touched', async () => {
    const name = uniqueName('moment');
    await createLambdaService(endpoint, name);
    const h = await startHarness({ platforms: { lambda: lambdaPlatformAt(endpoint) } });
    onTestFinished(() => h.close());
    const handle = await startPlan(h.client, lambdaPlan(name, CANARY), h.taskQueue);
    await handle.cancel(); // before a worker polls: the run's first task holds its start and the cancel
    await h.run(() => expectClosedCancelled(handle));
    const status = await getStatus(h.client, handle.workflowId);
    expect(status).toMatchObject({ phase: 'RolledBack', weight: 0, outcome: { result: 'cancelled', reason: 'workflow cancelled' } });
    expect(status.actions.at(-1)).toMatchObject({ action: 'cancel', by: 'temporal' });
    expect(await alias(name)).toEqual({ version: '1', weights: {} });
    expect(await versions(name)).toEqual(['1']);
    await recordHistory(handle, 'canary-cancelled-before-plan-check-runs-2026-11-29c');
  });

  it('during a traffic step: rolls back, closes Canceled, and its status stays readable', async () => {
    const run = await runHeld(CANARY, { call: 'setTrafficWeight', weight: 50, when: 'after' }, async (handle) => {
      await handle.cancel();
    });
    expect(run.err).toBeInstanceOf(WorkflowFailedError);
    expect((run.err as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    const status = await getStatus(held.client(), run.handle.workflowId);
    expect(status).toMatchObject({ phase: 'RolledBack', weight: 0, outcome: { result: 'cancelled' } });
    expect(status.actions.at(-1)).toMatchObject({ action: 'cancel', by: 'temporal' });
    expect(await alias(run.name)).toEqual({ version: '1', weights: {} });
    expect(await versions(run.name)).toEqual(['1']);
    await expectRollbackAfter(run.handle, 'setTrafficWeight');
  });
});

describe('blue-green: the previous version is kept through the scale-down delay, so an abort switches back', () => {
  it('an abort while the switch is in flight waits for it, then switches back', async () => {
    const run = await runHeld(BLUE_GREEN, { call: 'promoteCandidate', when: 'after' }, async (handle) => {
      expect(await abort(handle)).toContain('abort sent');
    });
    const { status } = await rolledBack(run.handle);
    expect(status.phase).toBe('RolledBack');
    expect(await alias(run.name)).toEqual({ version: '1', weights: {} });
    expect(await alias(run.name, 'live-preview')).toBeUndefined();
    expect(await versions(run.name)).toEqual(['1']);
    await expectRollbackAfter(run.handle, 'promoteCandidate');
  });

  it('an abort during the scale-down delay switches back at once', async () => {
    const name = uniqueName('moment');
    await createLambdaService(endpoint, name);
    const h = await startHarness({ platforms: { lambda: lambdaPlatformAt(endpoint) } });
    onTestFinished(() => h.close());
    await h.run(async () => {
      const handle = await startPlan(h.client, lambdaPlan(name, BLUE_GREEN), h.taskQueue);
      const keeping = await waitForStatus(handle, inPhase('KeepingPrevious'));
      expect(await alias(name)).toEqual({ version: keeping.candidateVersion, weights: {} });
      await sendSignal(h.client, handle.workflowId, 'abort', { by: 'oncall', reason: 'test' });
      const { status } = await rolledBack(handle);
      expect(status).toMatchObject({ phase: 'RolledBack', weight: 0 });
      expect(await alias(name)).toEqual({ version: '1', weights: {} });
      expect(await alias(name, 'live-preview')).toBeUndefined();
      expect(await versions(name)).toEqual(['1']);
    });
  });

  it('an abort during the removal of the previous version is too late: the run ends promoted', async () => {
    const run = await runHeld({ ...BLUE_GREEN, scaleDownDelay: '1s' }, { call: 'retirePrevious', when: 'before' }, async (handle) => {
      await expect(abort(handle)).rejects.toThrow(/too late/);
    });
    const status = run.promoted!;
    expect(status.phase).toBe('Promoted');
    expect(await alias(run.name)).toEqual({ version: status.candidateVersion, weights: {} });
    expect(await alias(run.name, 'live-preview')).toBeUndefined();
    expect(run.calls).not.toContain('rollBack');
  });
});
