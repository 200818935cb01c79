/**
 * Guardrails hold at run time too, on the real Temporal server with Lambda on moto: `promote --full` is refused
 * by the update validator, naming the rule, while it would make 100% the first traffic weight (maxFirstWeight) or
 * skip the analysis a rule requires before one has passed (requireAnalysis); plain `promote` of a pause goes on.
 * Once traffic has moved and an analysis has passed, `promote --full` skips the steps left.
 */
import { GetAliasCommand } from '@aws-sdk/client-lambda';
import type { WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { createAnalyzer } from '../../activities/analysis';
import { startDeployment } from '../../starters/deploy';
import { promoteUpdate, statusQuery } from '../../workflows/messages';
import { type HttpCheck, startHttpCheck } from '../support/http-check';
import { createLambdaService, lambdaPlatformAt } from '../support/lambda-fixture';
import { canary, lambdaPlan } from '../support/plans';
import { type Harness, startHarness, uniqueName, waitForStatus } from '../support/temporal';
import { policyFile } from './support';
import { joinedPattern } from '../support/joined-pattern';

const endpoint = inject('motoEndpoint');
let harness: Harness;
let health: HttpCheck<void>;

beforeAll(async () => {
  health = await startHttpCheck(200, async () => undefined);
  const policy = policyFile('guardrails-at-run-time', {}, [
    { name: 'small-first', match: { environment: 'guarded' }, guardrails: { maxFirstWeight: 10 } },
    { name: 'needs-analysis', match: { environment: 'guarded' }, guardrails: { requireAnalysis: true } },
  ]);
  harness = await startHarness({
    platforms: { lambda: lambdaPlatformAt(endpoint) },
    analyze: createAnalyzer({ heartbeatEveryMs: 1_000 }),
    policyFile: policy,
  });
});
afterAll(async () => {
  await harness?.close();
  await health?.close();
});

const promote = (handle: WorkflowHandle, full: boolean) =>
  handle.executeUpdate(promoteUpdate, { args: [{ by: 'oncall', reason: 'ship it', full }] }).then(
    (r) => `accepted: ${r.accepted}`,
    (err: Error) => String((err.cause as Error | undefined)?.message ?? err.message),
  );

it('promote --full is refused while it would defeat a guardrail, naming the rule; promote of a pause goes on', async () => {
  const name = uniqueName('guardrails');
  const lambda = await createLambdaService(endpoint, name);
  const smoke = { name: 'smoke', metrics: [{ name: 'health', provider: { type: 'http', url: health.url }, interval: '1s', count: 2 }] };
  const plan = lambdaPlan(
    name,
    canary({ pause: {} }, { setWeight: 10 }, { pause: {} }, { analysis: smoke }, { pause: {} }, { setWeight: 50 }),
  );
  plan.metadata.environment = 'guarded';

  await harness.run(async () => {
    const started = await startDeployment(harness.client, plan, harness.taskQueue);
    if (started.kind === 'conflict') throw new Error('conflict');
    const { handle } = started;
    const atPause = (step: number) => waitForStatus(handle, (s) => s.phase === 'AwaitingPromotion' && s.step?.index === step);

    // No traffic yet: a full promotion would make 100% the first weight.
    await atPause(1);
    expect(await promote(handle, true)).toMatch(
      /^promote --full would move all traffic at once, and policy rule "small-first" caps the first canary weight at 10%/,
    );
    expect(await handle.query(statusQuery)).toMatchObject({ phase: 'AwaitingPromotion', weight: 0, step: { index: 1 } });
    expect(await promote(handle, false)).toBe('accepted: promotion');

    // 10% moved, no analysis yet: a full promotion would skip the one the rule requires.
    await atPause(3);
    expect(await promote(handle, true)).toMatch(
      joinedPattern(
        /^promote --full would skip the analysis policy rule "needs-analysis" requires /,
        /\(guardrails.requireAnalysis\), and none has passed yet/,
      ),
    );
    expect(await handle.query(statusQuery)).toMatchObject({ phase: 'AwaitingPromotion', weight: 10, step: { index: 3 } });
    expect(await promote(handle, false)).toBe('accepted: promotion');

    // The analysis passed: the full promotion skips the pause and the 50% step.
    await atPause(5);
    expect(await promote(handle, true)).toBe('accepted: full promotion');
    const result = await handle.result();
    expect(result.outcome).toBe('promoted');
    expect(result.status.measurements.filter((m) => m.metric === 'health')).toHaveLength(2);
    const promotes = result.status.actions.filter((a) => a.action === 'promote').map((a) => a.gate);
    expect(promotes).toEqual(['pause-1', 'pause-3', 'pause-5']); // the refused ones left no trace
  });
  const alias = await lambda.send(new GetAliasCommand({ FunctionName: name, Name: 'live' }));
  expect({ version: alias.FunctionVersion, weights: alias.RoutingConfig?.AdditionalVersionWeights ?? {} }).toEqual({
    version: '2',
    weights: {},
  });
});
