/**
 * The deploy window as the last gate before traffic moves, on the time-skipping server with Lambda on moto: asked
 * after the policy's approvals (however long they took), asked again before the first traffic change once the
 * opening the run passed in has ended (a long wait at the plan's own gate), and never passed while closed, however
 * often the run asks.
 */
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { WorkflowHandle } from '@temporalio/client';
import { expect, inject, it } from 'vitest';
import { startDeployment } from '../../starters/deploy';
import { approveUpdate, pauseSignal, resumeSignal } from '../../workflows/messages';
import { historyEvents } from '../support/history-events';
import { createLambdaService, lambdaPlatformAt, lambdaState } from '../support/lambda-fixture';
import { canary, lambdaPlan } from '../support/plans';
import { recordHistory, uniqueName, waitForStatus } from '../support/temporal';
import { createEnvWorker, useTimeSkippingEnv } from '../support/time-skipping';
import { policyFile } from './support';

const endpoint = inject('motoEndpoint');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const env = useTimeSkippingEnv();

const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16);
/** How the run names an opening: "Tue 14:00 UTC". */
const label = (ms: number) => `${new Date(ms).toUTCString().slice(0, 3)} ${hhmm(ms)} UTC`;

interface WindowRun {
  handle: WorkflowHandle;
  lambda: LambdaClient;
  name: string;
  /** The opening of the daily one-hour window the run started in (or, started outside it, the next one). */
  opens: number;
}

/**
 * Runs `fn` with a worker whose policy has a daily one-hour window in UTC, `extraRules` beside it, and a started
 * canary on Lambda in prod requested by alice. `inside`: the clock is first skipped five minutes into an opening.
 */
async function windowedRun(steps: unknown[], options: { inside: boolean; extraRules?: unknown[] }, fn: (run: WindowRun) => Promise<void>) {
  const name = uniqueName('lastgate');
  const lambda = await createLambdaService(endpoint, name);
  const nextHour = Math.floor((await env.currentTimeMs()) / HOUR) * HOUR + HOUR;
  const opens = options.inside ? nextHour : nextHour + HOUR;
  if (options.inside) await env.sleep(opens + 5 * MINUTE - (await env.currentTimeMs()));
  const to = new Date(opens).getUTCHours() === 23 ? '24:00' : hhmm(opens + HOUR);
  const policy = policyFile(name, { sre: ['bob', 'carol'] }, [
    {
      name: 'office-hours',
      match: { environment: 'prod' },
      window: { days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], from: hhmm(opens), to },
    },
    ...(options.extraRules ?? []),
  ]);
  const { worker, taskQueue } = await createEnvWorker(env, 'tq', { platforms: { lambda: lambdaPlatformAt(endpoint) }, policyFile: policy });
  const plan = lambdaPlan(name, canary(...steps));
  plan.metadata.environment = 'prod';
  plan.metadata.requestedBy = 'alice';
  await worker.runUntil(async () => {
    const started = await startDeployment(env.client, plan, taskQueue);
    if (started.kind === 'conflict') throw new Error('conflict');
    await fn({ handle: started.handle, lambda, name, opens });
  });
}

const approve = (handle: WorkflowHandle, by: string) => handle.executeUpdate(approveUpdate, { args: [{ by, reason: 'checked' }] });
const skipTo = async (ms: number) => env.sleep(ms - (await env.currentTimeMs()));

it('approvals answered after the window closed: the run waits for the next opening before traffic moves', async () => {
  const approvals = { name: 'prod-sre', match: { environment: 'prod' }, approvals: { count: 1, from: ['sre'], timeout: '48h' } };
  await windowedRun(
    [{ setWeight: 10 }, { setWeight: 100 }],
    { inside: true, extraRules: [approvals] },
    async ({ handle, lambda, name, opens }) => {
      // Started inside the window; the approval comes ten minutes after it closed.
      await waitForStatus(handle, (s) => s.gate?.name === 'policy:prod-sre');
      await skipTo(opens + HOUR + 10 * MINUTE);
      const approvedAt = await env.currentTimeMs();
      expect((await approve(handle, 'bob')).accepted).toBe('approved policy:prod-sre');

      const waiting = await waitForStatus(handle, (s) => s.phase === 'AwaitingWindow');
      expect(waiting).toMatchObject({ weight: 0, message: `waiting for the deploy window, opens ${label(opens + DAY)}` });
      expect(await lambdaState(lambda, name)).toEqual({ alias: { version: '1', weights: {} }, versions: ['1'] });
      expect((await handle.result()).outcome).toBe('promoted');

      // The window was first asked after the approval, and traffic first moved at the next day's opening.
      const { activities } = await historyEvents(handle);
      expect(activities.find((a) => a.type === 'deployWindow')!.at).toBeGreaterThanOrEqual(approvedAt);
      expect(activities.find((a) => a.type === 'setTrafficWeight')!.at).toBeGreaterThanOrEqual(opens + DAY);
      expect((await lambdaState(lambda, name)).alias).toEqual({ version: '2', weights: {} });
      await recordHistory(handle, 'canary-approved-after-window-closed-promoted');
    },
  );
});

it("a long wait at the plan's own approval: the window is asked again before the first traffic change", async () => {
  const steps = [{ approval: { name: 'go', timeout: '48h' } }, { setWeight: 10 }, { setWeight: 100 }];
  await windowedRun(steps, { inside: true }, async ({ handle, lambda, name, opens }) => {
    // The window was open: the new version is deployed beside the old one, no traffic on it yet.
    await waitForStatus(handle, (s) => s.gate?.name === 'go');
    expect(await lambdaState(lambda, name)).toEqual({ alias: { version: '1', weights: {} }, versions: ['1', '2'] });
    await skipTo(opens + HOUR + 10 * MINUTE);
    const approvedAt = await env.currentTimeMs();
    await approve(handle, 'carol');

    const waiting = await waitForStatus(handle, (s) => s.phase === 'AwaitingWindow');
    expect(waiting).toMatchObject({ weight: 0, message: `waiting for the deploy window, opens ${label(opens + DAY)}` });
    expect((await lambdaState(lambda, name)).alias).toEqual({ version: '1', weights: {} });
    expect((await handle.result()).outcome).toBe('promoted');

    const { activities } = await historyEvents(handle);
    const asked = activities.filter((a) => a.type === 'deployWindow').map((a) => a.at);
    expect(asked[0]).toBeLessThan(approvedAt); // before the deploy, inside the window
    expect(asked[1]).toBeGreaterThanOrEqual(approvedAt); // after the gate, before any traffic
    expect(activities.find((a) => a.type === 'setTrafficWeight')!.at).toBeGreaterThanOrEqual(opens + DAY);
    await recordHistory(handle, 'canary-window-asked-again-after-plan-approval-promoted');
  });
});

it('paused across ten openings of its window: the run still never moves traffic while the window is closed', async () => {
  await windowedRun([{ setWeight: 10 }, { setWeight: 100 }], { inside: false }, async ({ handle, lambda, name, opens }) => {
    for (let day = 0; day < 10; day++) {
      // Each resume comes after that day's opening has closed again; the run asks again and names the next one.
      await waitForStatus(handle, (s) => s.phase === 'AwaitingWindow' && s.message.endsWith(label(opens + day * DAY)));
      await handle.signal(pauseSignal, { by: 'oncall', reason: 'not yet' });
      await waitForStatus(handle, (s) => s.phase === 'Paused');
      await skipTo(opens + day * DAY + HOUR + 10 * MINUTE);
      await handle.signal(resumeSignal, { by: 'oncall', reason: 'try again' });
    }
    // The eleventh answer is "closed" too: the run waits again (runs before it went on after ten asks).
    await waitForStatus(handle, (s) => s.phase === 'AwaitingWindow' && s.message.endsWith(label(opens + 10 * DAY)));
    expect(await lambdaState(lambda, name)).toEqual({ alias: { version: '1', weights: {} }, versions: ['1'] });
    expect((await handle.result()).outcome).toBe('promoted');
    const { activities } = await historyEvents(handle);
    expect(activities.filter((a) => a.type === 'deployWindow')).toHaveLength(12);
    expect(activities.find((a) => a.type === 'deployCandidate')!.at).toBeGreaterThanOrEqual(opens + 10 * DAY);
  });
});
