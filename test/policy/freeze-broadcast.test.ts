/**
 * How the freeze workflow tells running deployments about a freeze, on the real Temporal server with a worker
 * driving Lambda on moto. A change is told to every running deployment of the environment once, and half a
 * minute later once more to the runs started shortly before it (those the first broadcast's visibility query may
 * have missed); then nothing while nothing changes, however long the freeze lasts. A freeze workflow terminated and
 * started again still reaches the runs that saw the old one (versions only grow).
 */
import type { WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import type { Plan } from '../../plan/schema';
import { freezeWorkflowId, freezesQuery } from '../../workflows/freeze-messages';
import { abortSignal } from '../../workflows/messages';
import { eventually } from '../support/eventually';
import { createLambdaService, lambdaPlatformAt } from '../support/lambda-fixture';
import { canary, lambdaPlan } from '../support/plans';
import { type Harness, inPhase, recordHistory, rolledBack, startHarness, startPlan, uniqueName, waitForStatus } from '../support/temporal';
import { glidepath } from './support';

const endpoint = inject('motoEndpoint');
let harness: Harness;

beforeAll(async () => {
  harness = await startHarness({ platforms: { lambda: lambdaPlatformAt(endpoint) } });
});
afterAll(async () => harness?.close());

const { EventType } = temporal.api.enums.v1;

/** How many `freezes` broadcasts a run's history holds. */
async function freezeSignals(handle: WorkflowHandle): Promise<number> {
  const events = (await handle.fetchHistory()).events ?? [];
  return events.filter(
    (e) =>
      e.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED &&
      e.workflowExecutionSignaledEventAttributes?.signalName === 'freezes',
  ).length;
}

/**
 * The summaries of the freeze workflow's broadcasts once it rests: no broadcast in flight and no timer running,
 * so it sends nothing more until the next change. Undefined while it does not rest.
 */
async function broadcastsAtRest(handle: WorkflowHandle): Promise<string[] | undefined> {
  if (((await handle.describe()).raw.pendingActivities ?? []).length > 0) return undefined;
  const events = (await handle.fetchHistory()).events ?? [];
  const count = (type: number) => events.filter((e) => e.eventType === type).length;
  const timersOpen =
    count(EventType.EVENT_TYPE_TIMER_STARTED) - count(EventType.EVENT_TYPE_TIMER_FIRED) - count(EventType.EVENT_TYPE_TIMER_CANCELED);
  if (timersOpen > 0) return undefined;
  return events
    .filter((e) => e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)
    .map((e) => JSON.parse(Buffer.from(e.userMetadata?.summary?.data ?? []).toString() || '""'));
}

const soakingInProd = (service: string): Plan => {
  const plan = lambdaPlan(service, canary({ setWeight: 10 }, { pause: { duration: '1h' } }, { setWeight: 100 }));
  plan.metadata.environment = 'prod';
  return plan;
};

it('a change is told once, once more to runs started shortly before it, then nothing; a new freeze workflow reaches all', async () => {
  const env = {
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_NAMESPACE: 'default',
    GLIDEPATH_TASK_QUEUE: harness.taskQueue,
    GLIDEPATH_USER: 'oncall',
  };
  const [old, recent] = [uniqueName('fzb-old'), uniqueName('fzb-new')];
  await Promise.all([old, recent].map((name) => createLambdaService(endpoint, name)));
  const freezes = harness.client.workflow.getHandle(freezeWorkflowId(harness.taskQueue));
  await harness.run(async () => {
    // One run started more than a minute before the freeze, one just before it.
    const early = await startPlan(harness.client, soakingInProd(old), harness.taskQueue);
    const earlyStart = (await early.describe()).startTime.getTime();
    await waitForStatus(early, (s) => s.phase === 'Soaking' && s.weight === 10);
    await eventually(
      async () => Date.now() - earlyStart,
      (age) => age > 65_000,
      'the first run older than the follow-up reaches back',
      90_000,
    );
    const late = await startPlan(harness.client, soakingInProd(recent), harness.taskQueue);
    await waitForStatus(late, (s) => s.phase === 'Soaking' && s.weight === 10);

    expect(await glidepath(['freeze', '--env', 'prod', '--reason', 'incident 7'], env)).toMatchObject({ code: 0 });
    for (const run of [early, late]) await waitForStatus(run, inPhase('Frozen'));
    const afterFreeze = await eventually(
      () => broadcastsAtRest(freezes),
      (b) => b?.length === 2,
      'the follow-up done',
      90_000,
    );
    expect(afterFreeze![0]).toMatch(/^freezes v\d+ → prod$/);
    expect(afterFreeze![1]).toMatch(/^freezes v\d+ → prod \(runs started since .*\)$/);
    expect([await freezeSignals(early), await freezeSignals(late)]).toEqual([1, 2]);

    expect(await glidepath(['unfreeze', '--env', 'prod', '--reason', 'resolved'], env)).toMatchObject({ code: 0 });
    for (const run of [early, late]) await waitForStatus(run, inPhase('Soaking'));
    await eventually(
      () => broadcastsAtRest(freezes),
      (b) => b?.length === 4,
      'the follow-up of the unfreeze done',
      90_000,
    );
    expect([await freezeSignals(early), await freezeSignals(late)]).toEqual([2, 4]);
    await recordHistory(freezes, 'freeze-workflow-follow-up-frozen-unfrozen');

    // A freeze workflow terminated and started again: its versions are newer than any the runs saw.
    const before = (await freezes.query(freezesQuery)).version;
    expect(before).toBeGreaterThan(Date.parse('2026-01-01'));
    await freezes.terminate('test: a freeze workflow started anew');
    expect(await glidepath(['freeze', '--env', 'prod', '--reason', 'incident 8'], env)).toMatchObject({ code: 0 });
    expect((await harness.client.workflow.getHandle(freezeWorkflowId(harness.taskQueue)).query(freezesQuery)).version).toBeGreaterThan(
      before,
    );
    for (const run of [early, late])
      expect(await waitForStatus(run, inPhase('Frozen'))).toMatchObject({ weight: 10, frozen: { reason: 'incident 8' } });
    expect(await glidepath(['unfreeze', '--env', 'prod', '--reason', 'resolved'], env)).toMatchObject({ code: 0 });
    for (const run of [early, late]) {
      await waitForStatus(run, inPhase('Soaking'));
      await run.signal(abortSignal, { by: 'oncall', reason: 'done' });
      await rolledBack(run);
    }
  });
}, 360_000);
