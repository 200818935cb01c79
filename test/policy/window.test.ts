/**
 * A deploy window on the time-skipping server: a run started outside it waits on a durable timer, visibly, and
 * moves traffic only once the window opens. Lambda calls still go to the real moto server.
 */
import { LambdaClient } from '@aws-sdk/client-lambda';
import { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { lambdaPlatform } from '../../activities/lambda/lambda-platform';
import { startDeployment } from '../../starters/deploy';
import { registerSearchAttributes } from '../../starters/register-search-attributes';
import { createWorker } from '../../workers/worker';
import { createLambdaService } from '../support/lambda-fixture';
import { awsConfig } from '../support/moto';
import { canary, lambdaPlan } from '../support/plans';
import { uniqueName, waitForStatus } from '../support/temporal';
import { tool } from '../support/tools';
import { policyFile } from './support';

const endpoint = inject('motoEndpoint');
let env: TestWorkflowEnvironment;

beforeAll(async () => {
  env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: tool('temporal-test-server') } },
  });
  await registerSearchAttributes(env.connection, 'default');
});
afterAll(async () => env?.teardown());

const clock = (hour: number) => `${String(hour % 24).padStart(2, '0')}:00`;

it('a run outside its deploy window waits for it, then starts when it opens', async () => {
  const name = uniqueName('windowed');
  await createLambdaService(endpoint, name);
  // A daily window in UTC that opens in two to three hours from now.
  const opensHour = new Date().getUTCHours() + 2;
  const to = opensHour % 24 === 23 ? '24:00' : clock(opensHour + 1);
  const policy = policyFile('window', {}, [
    {
      name: 'office-hours',
      match: { environment: 'prod' },
      window: { days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], from: clock(opensHour), to, timeZone: 'UTC' },
    },
  ]);
  const taskQueue = uniqueName('tq');
  const worker = await createWorker({
    connection: env.nativeConnection,
    namespace: 'default',
    taskQueue,
    dependencies: { platforms: { lambda: lambdaPlatform(() => new LambdaClient(awsConfig(endpoint))) }, policyFile: policy },
    workflowBundle: { codePath: inject('workflowBundlePath') },
  });
  const plan = lambdaPlan(name, canary({ setWeight: 10 }, { setWeight: 100 }));
  plan.metadata.environment = 'prod';

  await worker.runUntil(async () => {
    const started = await startDeployment(env.client, plan, taskQueue);
    if (started.kind === 'conflict') throw new Error('conflict');
    const { handle } = started;
    const waiting = await waitForStatus(handle, (s) => s.phase === 'AwaitingWindow');
    expect(waiting.weight).toBe(0);
    expect(waiting.message).toBe(
      `waiting for the deploy window, opens ${new Date(Date.now() + 2 * 3_600_000).toUTCString().slice(0, 3)} ${clock(opensHour)} UTC`,
    );
    const result = await handle.result();
    expect(result.outcome).toBe('promoted');

    // The first traffic change came after the window opened, by the workflow's (skipped) clock.
    const { EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, EVENT_TYPE_TIMER_STARTED } = temporal.api.enums.v1.EventType;
    const events = (await handle.fetchHistory()).events ?? [];
    const timer = events.find((e) => e.eventType === EVENT_TYPE_TIMER_STARTED);
    expect(timer?.userMetadata?.summary).toBeDefined();
    const firstTraffic = events.find(
      (e) =>
        e.eventType === EVENT_TYPE_ACTIVITY_TASK_SCHEDULED &&
        e.activityTaskScheduledEventAttributes?.activityType?.name === 'setTrafficWeight',
    );
    const at = Number(firstTraffic!.eventTime!.seconds) * 1000;
    const opening = new Date();
    opening.setUTCHours(opensHour, 0, 0, 0);
    expect(at).toBeGreaterThanOrEqual(opening.getTime());
  });
});
