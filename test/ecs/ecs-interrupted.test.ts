/**
 * ECS rollouts interrupted after the switch or from outside, end to end (the deployment workflow on the real
 * Temporal dev server, moto with the simulated scheduler): an abort during blue-green's scale-down delay, an
 * analysis that fails after the switch, and a Temporal cancel (what the Web UI's Cancel sends). Each ends rolled
 * back, and the ALB listeners and the ECS services say so: all traffic on the previous service, which is kept,
 * and the new service removed.
 */
import { expect, it } from 'vitest';
import { createAnalyzer } from '../../activities/analysis';
import type { Plan } from '../../plan/schema';
import { getStatus } from '../../starters/actions';
import { abortSignal } from '../../workflows/messages';
import {
  type EcsFixture,
  type Weights,
  activeServices,
  createEcsService,
  ecsPlan,
  ecsPlatformAt,
  listenerWeights,
  uniqueEcsName,
} from '../support/ecs-fixture';
import { useEcsSim } from '../support/ecs-sim';
import { startHttpCheck } from '../support/http-check';
import { blueGreenCheckedAfterSwitch } from '../support/plans';
import { expectClosedCancelled, inPhase, rolledBack, startPlan, useHarness, waitForStatus } from '../support/temporal';

const sim = useEcsSim();
const harness = useHarness(() => ({
  platforms: { ecs: ecsPlatformAt(sim.endpoint) },
  analyze: createAnalyzer({ heartbeatEveryMs: 1_000 }),
}));

const start = (plan: Plan) => startPlan(harness.client, plan, harness.taskQueue);

/** The state before the release: production and test listeners all on blue, the one service running. */
async function expectBackOnPrevious(f: EcsFixture): Promise<void> {
  const previous: Weights = { [f.blueTg]: 100, [f.greenTg]: 0 };
  expect(await listenerWeights(f)).toEqual(previous);
  expect(await listenerWeights(f, f.testListenerArn)).toEqual(previous);
  expect(await activeServices(f)).toEqual([f.service]);
}

it('blue-green: an abort during the scale-down delay switches listeners back, removes the new service, keeps the old', async () => {
  const f = await createEcsService(sim.endpoint, uniqueEcsName('bgdelay'));
  await harness.run(async () => {
    const handle = await start(ecsPlan(f, { type: 'blueGreen', prePromotion: [], scaleDownDelay: '1h' }));
    await waitForStatus(handle, inPhase('KeepingPrevious'));
    expect(await listenerWeights(f)).toEqual({ [f.blueTg]: 0, [f.greenTg]: 100 });
    expect(await activeServices(f)).toEqual([f.service, `${f.service}-v2`].sort());

    await handle.signal(abortSignal, { by: 'oncall', reason: 'errors after the switch' });
    const { status } = await rolledBack(handle);
    expect(status).toMatchObject({ phase: 'RolledBack', weight: 0, outcome: { result: 'rolled-back' } });
    await expectBackOnPrevious(f);
  });
});

it('blue-green: an HTTP analysis failing after the switch rolls back to the previous service', async () => {
  const f = await createEcsService(sim.endpoint, uniqueEcsName('bgcheck'));
  const check = await startHttpCheck(503, () => listenerWeights(f));
  try {
    const plan = ecsPlan(f, blueGreenCheckedAfterSwitch(check.url));
    await harness.run(async () => {
      const handle = await start(plan);
      const { message, status } = await rolledBack(handle);
      expect(message).toContain('smoke');
      expect(status).toMatchObject({ phase: 'RolledBack', weight: 0 });
      expect(status.measurements.at(-1)).toMatchObject({ metric: 'health', outcome: 'failed', value: 503 });
    });
    expect(check.seen[0]).toEqual({ [f.blueTg]: 0, [f.greenTg]: 100 }); // the check ran after the switch
    await expectBackOnPrevious(f);
  } finally {
    await check.close();
  }
});

it('a Temporal cancel mid-canary rolls back: listener on the stable group, new service gone; run ends Canceled', async () => {
  const f = await createEcsService(sim.endpoint, uniqueEcsName('cancel'));
  await harness.run(async () => {
    const handle = await start(
      ecsPlan(f, { type: 'canary', steps: [{ setWeight: 20 }, { pause: { duration: '1h' } }, { setWeight: 100 }] }),
    );
    await waitForStatus(handle, inPhase('Soaking'));
    expect(await listenerWeights(f)).toEqual({ [f.blueTg]: 80, [f.greenTg]: 20 });

    await handle.cancel();
    await expectClosedCancelled(handle);
    const status = await getStatus(harness.client, handle.workflowId);
    expect(status).toMatchObject({ phase: 'RolledBack', weight: 0, outcome: { result: 'cancelled' } });
    await expectBackOnPrevious(f);
  });
});
