/**
 * A scheduled freeze of the policy that starts while a canary soaks, on the time-skipping server with Lambda on
 * the real moto server: the soak's clock stops at the freeze's start (phase Frozen, the alias's weight stays put),
 * the run waits on a durable timer to the freeze's end, then soaks the time it had left and promotes.
 */
import { GetAliasCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { expect, inject, it } from 'vitest';
import { startDeployment } from '../../starters/deploy';
import { historyEvents } from '../support/history-events';
import { createLambdaService, lambdaPlatformAt } from '../support/lambda-fixture';
import { canary, lambdaPlan } from '../support/plans';
import { recordHistory, uniqueName, waitForStatus } from '../support/temporal';
import { createEnvWorker, useTimeSkippingEnv } from '../support/time-skipping';
import { policyFile } from './support';

const endpoint = inject('motoEndpoint');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const env = useTimeSkippingEnv();

async function aliasOf(lambda: LambdaClient, name: string) {
  const alias = await lambda.send(new GetAliasCommand({ FunctionName: name, Name: 'live' }));
  return { version: alias.FunctionVersion, weights: alias.RoutingConfig?.AdditionalVersionWeights ?? {} };
}

it('a scheduled freeze that starts mid-soak holds the run at once; after it the soak serves the time it had left', async () => {
  const name = uniqueName('sched-freeze');
  const lambda = await createLambdaService(endpoint, name);
  const now = await env.currentTimeMs();
  const freeze = { from: new Date(now + 20 * MINUTE).toISOString(), to: new Date(now + 3 * HOUR).toISOString() };
  const policy = policyFile('scheduled-freeze', {}, [
    { name: 'quarter-close', match: { environment: 'prod' }, freezes: [{ ...freeze, reason: 'quarter close' }] },
  ]);
  const { worker, taskQueue } = await createEnvWorker(env, 'tq', { platforms: { lambda: lambdaPlatformAt(endpoint) }, policyFile: policy });
  const plan = lambdaPlan(name, canary({ setWeight: 10 }, { pause: { duration: '1h' } }, { setWeight: 50 }));
  plan.metadata.environment = 'prod';

  await worker.runUntil(async () => {
    const started = await startDeployment(env.client, plan, taskQueue);
    if (started.kind === 'conflict') throw new Error('conflict');
    const { handle } = started;
    const soaking = await waitForStatus(handle, (s) => s.phase === 'Soaking' && s.weight === 10);
    const candidate = soaking.candidateVersion!;

    // Ten minutes into the freeze (twenty of the soak's hour served): held, at the weight it had.
    await env.sleep(Date.parse(freeze.from) + 10 * MINUTE - (await env.currentTimeMs()));
    const frozen = await waitForStatus(handle, (s) => s.phase === 'Frozen');
    expect(frozen).toMatchObject({
      weight: 10,
      frozen: { scope: 'policy rule quarter-close', by: 'policy', reason: 'quarter close', since: freeze.from, until: freeze.to },
    });
    expect(frozen.message).toBe(
      `frozen until ${freeze.to} by the scheduled freeze of rule quarter-close: quarter close; traffic stays at 10%`,
    );
    expect(await aliasOf(lambda, name)).toEqual({ version: '1', weights: { [candidate]: 0.1 } });
    const held = await historyEvents(handle);
    expect(held.activities.filter((a) => a.type === 'setTrafficWeight').map((a) => a.summary)).toEqual(['traffic → 10%']);
    // The soak's timer ended where the freeze started; a durable timer waits for the freeze's end.
    const [firstSoak] = held.timers;
    expect(firstSoak).toMatchObject({ summary: `soak 1h, until the freeze of rule quarter-close at ${freeze.from}` });
    expect(firstSoak.firedAt! - Date.parse(freeze.from)).toBeGreaterThanOrEqual(0);
    expect(firstSoak.firedAt! - Date.parse(freeze.from)).toBeLessThan(5_000); // the time the workflow task took
    const freezeTimer = held.timers.find((t) => t.summary === `frozen until ${freeze.to}`);
    expect(freezeTimer?.firedAt).toBeUndefined();
    expect(freezeTimer!.startedAt + freezeTimer!.durationMs).toBeGreaterThanOrEqual(Date.parse(freeze.to));

    const result = await handle.result();
    expect(result.outcome).toBe('promoted');
    expect(await aliasOf(lambda, name)).toEqual({ version: candidate, weights: {} });

    // After the freeze the soak went on with the time it had left, not from the start: 20 + 40 minutes.
    const { timers, activities } = await historyEvents(handle);
    const served = firstSoak.firedAt! - firstSoak.startedAt;
    const rest = timers.find((t) => t.startedAt >= Date.parse(freeze.to) && t.summary.startsWith('soak 1h ('));
    expect(rest?.firedAt).toBeDefined();
    expect(Math.abs(served + rest!.durationMs - HOUR)).toBeLessThan(5_000);
    const fifty = activities.find((a) => a.summary === 'traffic → 50%');
    expect(fifty!.at).toBeGreaterThanOrEqual(Date.parse(freeze.to) + rest!.durationMs);
    await recordHistory(handle, 'canary-scheduled-freeze-in-soak-promoted');
  });
});
