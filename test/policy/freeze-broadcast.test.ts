/**
 * How the freeze workflow tells running deployments about a freeze, on the real Temporal server with a worker
 * driving Lambda on moto: `glidepath freeze` holds a soaking canary, `unfreeze` lets it go on. The freeze
 * workflow's history is recorded for the replay test.
 */
import type { WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { freezeWorkflowId } from '../../workflows/freeze-messages';
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

const { EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED } = temporal.api.enums.v1.EventType;

/** How many `freezes` broadcasts a run's history holds. */
async function freezeSignals(handle: WorkflowHandle): Promise<number> {
  const events = (await handle.fetchHistory()).events ?? [];
  return events.filter(
    (e) => e.eventType === EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED && e.workflowExecutionSignaledEventAttributes?.signalName === 'freezes',
  ).length;
}

/** The freeze workflow with no broadcast in flight. */
const settled = async (handle: WorkflowHandle) => ((await handle.describe()).raw.pendingActivities ?? []).length === 0;

it('a freeze holds a soaking canary, every broadcast reaching it; unfreeze lets it go on', async () => {
  const env = {
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_NAMESPACE: 'default',
    GLIDEPATH_TASK_QUEUE: harness.taskQueue,
    GLIDEPATH_USER: 'oncall',
  };
  const name = uniqueName('fzb');
  await createLambdaService(endpoint, name);
  const plan = lambdaPlan(name, canary({ setWeight: 10 }, { pause: { duration: '1h' } }, { setWeight: 100 }));
  plan.metadata.environment = 'prod';
  await harness.run(async () => {
    const run = await startPlan(harness.client, plan, harness.taskQueue);
    await waitForStatus(run, (s) => s.phase === 'Soaking' && s.weight === 10);
    expect(await glidepath(['freeze', '--env', 'prod', '--reason', 'incident 7'], env)).toMatchObject({ code: 0 });
    await waitForStatus(run, inPhase('Frozen'));
    // The freeze workflow tells the run again every half minute while the freeze is in force.
    await eventually(
      () => freezeSignals(run),
      (n) => n >= 3,
      'two broadcasts after the first',
      120_000,
    );
    expect(await glidepath(['unfreeze', '--env', 'prod', '--reason', 'resolved'], env)).toMatchObject({ code: 0 });
    await waitForStatus(run, inPhase('Soaking'));
    const freezes = harness.client.workflow.getHandle(freezeWorkflowId(harness.taskQueue));
    await eventually(() => settled(freezes), Boolean, 'the broadcast of the unfreeze done');
    await recordHistory(freezes, 'freeze-workflow-frozen-unfrozen');
    await run.signal(abortSignal, { by: 'oncall', reason: 'done' });
    await rolledBack(run);
  });
}, 240_000);
