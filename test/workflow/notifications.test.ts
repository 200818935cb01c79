/**
 * The events of a run that waits for days of wall time, on the time-skipping server (waits pass at once) with a
 * recording platform and a real local receiver: waiting outside the deploy window (`held`), a scheduled freeze
 * that holds it at a step boundary (`frozen`), and an analysis that fails (`analysis-failed`, then
 * `rolled-back` with the reason).
 */
import { expect, it } from 'vitest';
import type { AnalysisProgress } from '../../activities/analysis/progress';
import { startDeployment } from '../../starters/deploy';
import { writeYaml } from '../policy/support';
import { useForFile } from '../support/file-scoped';
import { canary, lambdaPlan } from '../support/plans';
import { recordingPlatform } from '../support/recording-platform';
import { rolledBack, uniqueName } from '../support/temporal';
import { createEnvWorker, useTimeSkippingEnv } from '../support/time-skipping';
import { type Receiver, startReceiver } from '../support/webhook-receiver';

const HOUR = 3_600_000;
const env = useTimeSkippingEnv();
const receiver: Receiver = useForFile(
  () => startReceiver({ secret: 'k' }),
  (r) => r.close(),
);

it('held outside the window, frozen by a scheduled freeze, then an analysis fails: each is told, and the rollback', async () => {
  // The window opens at the top of the hour after next (UTC); the freeze starts a minute after it opens.
  const now = Date.now();
  const opens = new Date(Math.floor(now / HOUR) * HOUR + 2 * HOUR);
  const hhmm = (d: Date) => d.toISOString().slice(11, 16);
  const closes = opens.getUTCHours() === 23 ? '24:00' : hhmm(new Date(opens.getTime() + HOUR));
  const freeze = { from: new Date(opens.getTime() + 60_000).toISOString(), to: new Date(opens.getTime() + 3 * HOUR).toISOString() };
  const policyFile = writeYaml('notify-waits.yaml', {
    apiVersion: 'glidepath/v1',
    kind: 'Policy',
    rules: [
      {
        name: 'hours',
        window: { days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], from: hhmm(opens), to: closes },
        freezes: [{ ...freeze, reason: 'launch event' }],
      },
    ],
    notifications: [{ name: 'ops', type: 'webhook', urlFrom: 'HOOK_URL', secretFrom: 'HOOK_KEY' }],
  });
  const { platform } = recordingPlatform();
  const { worker, taskQueue } = await createEnvWorker(env, 'notify-waits', {
    platforms: { lambda: platform },
    analyze: async (input) => ({
      outcome: 'failed',
      measurements: [],
      message: 'error-rate 0.07 above 0.01',
      done: true,
      progress: input.progress ?? ({ startedAt: new Date().toISOString(), metrics: {} } as AnalysisProgress),
    }),
    policyFile,
    notifications: { env: { HOOK_URL: receiver.url, HOOK_KEY: 'k' } },
  });
  const metric = { preset: 'error-rate', provider: { type: 'prometheus', address: 'http://prometheus.test:9090' }, window: '1m' };
  const plan = lambdaPlan(
    uniqueName('waits'),
    canary({ setWeight: 10 }, { pause: { duration: '10m' } }, { analysis: { name: 'health', metrics: [metric] } }),
  );

  const { message, status } = await worker.runUntil(async () => {
    const started = await startDeployment(env.client, plan, taskQueue);
    if (started.kind === 'conflict') throw new Error('conflict');
    return rolledBack(started.handle);
  });

  const reason = 'analysis "health" failed: error-rate 0.07 above 0.01';
  expect(message).toBe(`rolled back: ${reason}`);
  const events = receiver.kept.map((k) => k.body).sort((a, b) => a.seq - b.seq);
  expect(events.map((e) => e.event)).toEqual(['started', 'held', 'frozen', 'analysis-failed', 'rolled-back']);
  const [, held, frozen, failed, end] = events;
  expect(held.summary).toMatch(new RegExp(`waiting for the deploy window of rule hours; it opens \\w{3} ${hhmm(opens)} UTC$`));
  expect(frozen).toMatchObject({ by: 'policy', reason: 'launch event', weight: 10, phase: 'Frozen' });
  expect(frozen.summary).toContain(`frozen at 10% traffic until ${freeze.to} by policy rule hours: launch event`);
  expect(failed).toMatchObject({ reason, summary: expect.stringContaining(`${reason}; rolling back`) });
  expect(end).toMatchObject({ reason, outcome: 'rolled-back', weight: 0 });
  expect(receiver.badSignatures).toBe(0);
  expect(status.notifications).toEqual({ delivered: 5, failed: 0 });
});
