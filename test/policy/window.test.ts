/**
 * A deploy window on the time-skipping server: a run started outside it waits on a durable timer, visibly, and
 * moves traffic only once the window opens; paused while it waits, it shows Paused and stays held past the
 * opening until resume; aborted while it waits, it ends rolled back at once, nothing changed. Lambda calls
 * still go to the real moto server.
 */
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { WorkflowHandle } from '@temporalio/client';
import { expect, inject, it } from 'vitest';
import { startDeployment } from '../../starters/deploy';
import { abortSignal, pauseSignal, resumeSignal } from '../../workflows/messages';
import { historyEvents } from '../support/history-events';
import { createLambdaService, lambdaPlatformAt, lambdaState } from '../support/lambda-fixture';
import { canary, lambdaPlan } from '../support/plans';
import { recordHistory, rolledBack, uniqueName, waitForStatus } from '../support/temporal';
import { createEnvWorker, useTimeSkippingEnv } from '../support/time-skipping';
import { policyFile } from './support';

const endpoint = inject('motoEndpoint');
const HOUR = 3_600_000;
const env = useTimeSkippingEnv();

const hhmm = (d: Date) => d.toISOString().slice(11, 16);
const PLATFORM_CALLS = ['deployCandidate', 'waitCandidateReady', 'setTrafficWeight', 'promoteCandidate', 'rollBack', 'retirePrevious'];

/**
 * Runs `fn` with a worker whose policy has a daily one-hour window in UTC that opens at the top of the hour after
 * next, by the server's (skipped) clock; `fn` gets the opening and a started run of a canary on Lambda in prod.
 */
async function outsideTheWindow(
  fn: (run: { handle: WorkflowHandle; opens: Date; lambda: LambdaClient; name: string }) => Promise<void>,
): Promise<void> {
  const name = uniqueName('windowed');
  const lambda = await createLambdaService(endpoint, name);
  const opens = new Date(Math.floor((await env.currentTimeMs()) / HOUR) * HOUR + 2 * HOUR);
  const closes = opens.getUTCHours() === 23 ? '24:00' : hhmm(new Date(opens.getTime() + HOUR));
  const policy = policyFile(name, {}, [
    {
      name: 'office-hours',
      match: { environment: 'prod' },
      window: { days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], from: hhmm(opens), to: closes, timeZone: 'UTC' },
    },
  ]);
  const { worker, taskQueue } = await createEnvWorker(env, 'tq', { platforms: { lambda: lambdaPlatformAt(endpoint) }, policyFile: policy });
  const plan = lambdaPlan(name, canary({ setWeight: 10 }, { setWeight: 100 }));
  plan.metadata.environment = 'prod';
  await worker.runUntil(async () => {
    const started = await startDeployment(env.client, plan, taskQueue);
    if (started.kind === 'conflict') throw new Error('conflict');
    await fn({ handle: started.handle, opens, lambda, name });
  });
}

const UNTOUCHED = { alias: { version: '1', weights: {} }, versions: ['1'] };

it('a run outside its deploy window waits for it, then starts when it opens', async () => {
  await outsideTheWindow(async ({ handle, opens }) => {
    const waiting = await waitForStatus(handle, (s) => s.phase === 'AwaitingWindow');
    expect(waiting.weight).toBe(0);
    expect(waiting.message).toBe(`waiting for the deploy window, opens ${opens.toUTCString().slice(0, 3)} ${hhmm(opens)} UTC`);
    const result = await handle.result();
    expect(result.outcome).toBe('promoted');

    // The first traffic change came after the window opened, by the workflow's (skipped) clock.
    const { timers, activities } = await historyEvents(handle);
    expect(timers[0].summary).toBe(`deploy window opens ${opens.toUTCString().slice(0, 3)} ${hhmm(opens)} UTC`);
    const firstTraffic = activities.find((a) => a.type === 'setTrafficWeight');
    expect(firstTraffic!.at).toBeGreaterThanOrEqual(opens.getTime());
    await recordHistory(handle, 'canary-waited-for-window-promoted');
  });
});

it('paused while it waits for the window: Paused, held past the opening until resume, then it starts', async () => {
  await outsideTheWindow(async ({ handle, opens, lambda, name }) => {
    await waitForStatus(handle, (s) => s.phase === 'AwaitingWindow');
    await handle.signal(pauseSignal, { by: 'oncall', reason: 'hold the launch' });
    expect(await waitForStatus(handle, (s) => s.phase === 'Paused')).toMatchObject({ paused: true, weight: 0 });

    // Ten minutes into the window (the clock skipped there): the run still holds, nothing deployed.
    await env.sleep(opens.getTime() + 10 * 60_000 - (await env.currentTimeMs()));
    expect(await env.currentTimeMs()).toBeGreaterThan(opens.getTime());
    const held = await historyEvents(handle);
    expect((await waitForStatus(handle, () => true)).phase).toBe('Paused');
    expect(held.activities.filter((a) => PLATFORM_CALLS.includes(a.type))).toEqual([]);
    expect(await lambdaState(lambda, name)).toEqual(UNTOUCHED);

    const resumedAt = await env.currentTimeMs();
    await handle.signal(resumeSignal, { by: 'oncall', reason: 'go' });
    expect((await handle.result()).outcome).toBe('promoted');
    const { activities } = await historyEvents(handle);
    expect(activities.find((a) => a.type === 'deployCandidate')!.at).toBeGreaterThanOrEqual(resumedAt);
    // Asked again after resume: the window could have closed meanwhile.
    expect(activities.filter((a) => a.type === 'deployWindow').at(-1)!.at).toBeGreaterThanOrEqual(resumedAt);
    const { alias, versions } = await lambdaState(lambda, name);
    expect(alias).toEqual({ version: '2', weights: {} });
    expect(versions).toEqual(['1', '2']);
    await recordHistory(handle, 'canary-window-paused-resumed-promoted');
  });
});

it('aborted while it waits for the window: rolled back at once, nothing changed', async () => {
  await outsideTheWindow(async ({ handle, opens, lambda, name }) => {
    await waitForStatus(handle, (s) => s.phase === 'AwaitingWindow');
    await handle.signal(abortSignal, { by: 'oncall', reason: 'not today' });
    const { message, status } = await rolledBack(handle);
    expect(message).toBe('rolled back: aborted by oncall: not today');
    expect(status).toMatchObject({ phase: 'RolledBack', weight: 0 });
    expect(Date.parse(status.endedAt!)).toBeLessThan(opens.getTime());
    const { activities } = await historyEvents(handle);
    expect(activities.filter((a) => PLATFORM_CALLS.includes(a.type))).toEqual([]);
    expect(await lambdaState(lambda, name)).toEqual(UNTOUCHED);
  });
});
