/**
 * An abort or a cancel at every moment of a rollout, on the real Temporal dev server and moto: the run ends
 * promoted or rolled back, the alias says the same as the status, and an interrupted platform call always
 * finishes before the rollback starts. The point of no return: canary, the start of the promote call;
 * blue-green, the end of the scale-down delay.
 */
import { GetAliasCommand, LambdaClient, ListVersionsByFunctionCommand } from '@aws-sdk/client-lambda';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { ActionRefused, getStatus, sendSignal } from '../../starters/actions';
import { startDeployment } from '../../starters/deploy';
import type { DeploymentStatus } from '../../workflows/status';
import { type Moment, holdAt } from '../support/held-platform';
import { createLambdaService, lambdaPlatformAt } from '../support/lambda-fixture';
import { awsConfig } from '../support/moto';
import { canary, lambdaPlan } from '../support/plans';
import { type Harness, inPhase, rolledBack, startHarness, uniqueName, waitForStatus } from '../support/temporal';

const endpoint = inject('motoEndpoint');
const lambda = new LambdaClient(awsConfig(endpoint));
let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

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
async function runHeld(strategy: unknown, moment: Moment, act: (handle: WorkflowHandle, name: string) => Promise<void>) {
  const name = uniqueName('moment');
  await createLambdaService(endpoint, name);
  const held = holdAt(lambdaPlatformAt(endpoint), moment);
  harness = await startHarness({ platforms: { lambda: held.platform } });
  const h = harness;
  return h.run(async () => {
    const started = await startDeployment(h.client, lambdaPlan(name, strategy), h.taskQueue);
    if (started.kind === 'conflict') throw new Error('conflict');
    await held.reached;
    await act(started.handle, name);
    held.release();
    const end: { promoted?: DeploymentStatus; err?: unknown } = await started.handle.result().then(
      (r) => ({ promoted: r.status }),
      (err) => ({ err }),
    );
    return { name, handle: started.handle, calls: held.calls, ...end };
  });
}

const abort = (handle: WorkflowHandle) => sendSignal(harness!.client, handle.workflowId, 'abort', { by: 'oncall', reason: 'test' });

/** Where in history a call closed, and where the rollback was scheduled: the rollback must come after. */
async function rollbackAfterHeldCall(handle: WorkflowHandle, activityType: string): Promise<void> {
  const { EventType } = temporal.api.enums.v1;
  const events = (await handle.fetchHistory()).events ?? [];
  const scheduledIds = new Map<string, string>();
  for (const e of events) {
    if (e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)
      scheduledIds.set(String(e.eventId), e.activityTaskScheduledEventAttributes!.activityType!.name!);
  }
  const closedAt = events.findIndex((e) => {
    const attrs = e.activityTaskCompletedEventAttributes ?? e.activityTaskCanceledEventAttributes ?? e.activityTaskFailedEventAttributes;
    return attrs && scheduledIds.get(String(attrs.scheduledEventId)) === activityType;
  });
  const rollbackAt = events.findIndex(
    (e) =>
      e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED &&
      e.activityTaskScheduledEventAttributes!.activityType!.name === 'rollBack',
  );
  expect(closedAt).toBeGreaterThan(-1);
  expect(rollbackAt).toBeGreaterThan(closedAt);
}

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
      await rollbackAfterHeldCall(run.handle, activityType);
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

  it('a Temporal cancel before it rolls back, closes Canceled, and its status stays readable', async () => {
    const run = await runHeld(CANARY, { call: 'setTrafficWeight', weight: 50, when: 'after' }, async (handle) => {
      await handle.cancel();
    });
    expect(run.err).toBeInstanceOf(WorkflowFailedError);
    expect((run.err as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    const status = await getStatus(harness!.client, run.handle.workflowId);
    expect(status).toMatchObject({ phase: 'RolledBack', weight: 0, outcome: { result: 'cancelled' } });
    expect(status.actions.at(-1)).toMatchObject({ action: 'cancel', by: 'temporal' });
    expect(await alias(run.name)).toEqual({ version: '1', weights: {} });
    expect(await versions(run.name)).toEqual(['1']);
    await rollbackAfterHeldCall(run.handle, 'setTrafficWeight');
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
    await rollbackAfterHeldCall(run.handle, 'promoteCandidate');
  });

  it('an abort during the scale-down delay switches back at once', async () => {
    const name = uniqueName('moment');
    await createLambdaService(endpoint, name);
    harness = await startHarness({ platforms: { lambda: lambdaPlatformAt(endpoint) } });
    const h = harness;
    await h.run(async () => {
      const started = await startDeployment(h.client, lambdaPlan(name, BLUE_GREEN), h.taskQueue);
      if (started.kind === 'conflict') throw new Error('conflict');
      const handle = started.handle;
      const keeping = await waitForStatus(handle, inPhase('KeepingPrevious'));
      expect(await alias(name)).toEqual({ version: keeping.candidateVersion, weights: {} });
      await abort(handle);
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
