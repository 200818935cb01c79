/**
 * Blue-green and migration-then-deploy on Lambda, and the pause/resume/promote controls, against the real
 * Temporal dev server and moto.
 */
import {
  GetAliasCommand,
  GetFunctionConfigurationCommand,
  LambdaClient,
  ListTagsCommand,
  ListVersionsByFunctionCommand,
} from '@aws-sdk/client-lambda';
import type { WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { lambdaPlatform } from '../../activities/lambda/lambda-platform';
import { startDeployment } from '../../starters/deploy';
import type { Plan } from '../../plan/schema';
import { approveUpdate, pauseSignal, promoteUpdate, rejectUpdate, resumeSignal, statusQuery } from '../../workflows/messages';
import { eventually } from '../support/eventually';
import { createLambdaService } from '../support/lambda-fixture';
import { awsConfig, queueLambdaResponse } from '../support/moto';
import { canary, lambdaPlan } from '../support/plans';
import { type Harness, inPhase, recordHistory, rolledBack, startHarness, uniqueName, waitForStatus } from '../support/temporal';

const endpoint = inject('motoEndpoint');
let harness: Harness;
let lambda: LambdaClient;

/** Every Invoke sent to Lambda (by the platform or the test), as function name and payload. */
const invocations: { functionName: string; payload: Record<string, unknown> }[] = [];
const invoked = (fn: string) => invocations.filter((i) => i.functionName === fn).map((i) => i.payload);

beforeAll(async () => {
  lambda = new LambdaClient(awsConfig(endpoint));
  lambda.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'InvokeCommand') {
        const input = args.input as { FunctionName: string; Payload?: Uint8Array };
        invocations.push({ functionName: input.FunctionName, payload: JSON.parse(Buffer.from(input.Payload ?? []).toString() || '{}') });
      }
      return next(args);
    },
    { step: 'initialize', name: 'countInvocations' },
  );
  harness = await startHarness({ platforms: { lambda: lambdaPlatform(() => lambda) } });
});
afterAll(async () => harness?.close());

async function start(plan: Plan) {
  const started = await startDeployment(harness.client, plan, harness.taskQueue);
  if (started.kind === 'conflict') throw new Error('unexpected conflict');
  return started.handle;
}

/** The run's timer events so far, in order: started, fired or canceled. */
async function timerEvents(handle: WorkflowHandle): Promise<string[]> {
  const { EventType } = temporal.api.enums.v1;
  const kinds = new Map([
    [EventType.EVENT_TYPE_TIMER_STARTED, 'started'],
    [EventType.EVENT_TYPE_TIMER_FIRED, 'fired'],
    [EventType.EVENT_TYPE_TIMER_CANCELED, 'canceled'],
  ]);
  return ((await handle.fetchHistory()).events ?? []).flatMap((e) => (kinds.has(e.eventType!) ? [kinds.get(e.eventType!)!] : []));
}

async function aliasOf(fn: string, name = 'live') {
  const a = await lambda.send(new GetAliasCommand({ FunctionName: fn, Name: name })).catch(() => undefined);
  return a && { version: a.FunctionVersion, weights: a.RoutingConfig?.AdditionalVersionWeights ?? {} };
}

describe('lambda blue-green', () => {
  it('previews the new version, switches all traffic, keeps the old one for the delay, then removes the preview', async () => {
    const name = uniqueName('bg');
    await createLambdaService(endpoint, name);
    const plan = lambdaPlan(name, {
      type: 'blueGreen',
      prePromotion: [{ approval: { name: 'preview-ok', approvers: ['qa'] } }],
      scaleDownDelay: '2s',
    });
    await harness.run(async () => {
      const handle = await start(plan);
      const waiting = await waitForStatus(handle, inPhase('AwaitingApproval'));
      expect(await aliasOf(name)).toEqual({ version: '1', weights: {} });
      expect(await aliasOf(name, 'live-preview')).toEqual({ version: waiting.candidateVersion, weights: {} });

      await handle.executeUpdate(promoteUpdate, { args: [{ by: 'qa', reason: 'try', full: false }] }).then(
        () => expect.fail('promote must not answer an approval'),
        (err) => expect(err.cause.message).toContain('not waiting for promotion'),
      );
      await handle.executeUpdate(approveUpdate, { args: [{ by: 'qa', reason: 'preview looks right' }] });

      const keeping = await waitForStatus(handle, inPhase('KeepingPrevious'));
      expect(keeping.weight).toBe(100);
      expect(await aliasOf(name)).toEqual({ version: waiting.candidateVersion, weights: {} });

      const result = await handle.result();
      expect(result.outcome).toBe('promoted');
      expect(await aliasOf(name, 'live-preview')).toBeUndefined();
      expect(await aliasOf(name)).toEqual({ version: waiting.candidateVersion, weights: {} });
      await recordHistory(handle, 'blue-green-promoted');
    });
  });

  it('a rejected preview never moves traffic and removes the new version', async () => {
    const name = uniqueName('bg');
    await createLambdaService(endpoint, name);
    const plan = lambdaPlan(name, { type: 'blueGreen', prePromotion: [{ approval: {} }] });
    await harness.run(async () => {
      const handle = await start(plan);
      const waiting = await waitForStatus(handle, inPhase('AwaitingApproval'));
      expect(await aliasOf(name, 'live-preview')).toEqual({ version: waiting.candidateVersion, weights: {} });
      await handle.executeUpdate(rejectUpdate, { args: [{ by: 'qa', reason: 'wrong colour' }] });
      await rolledBack(handle);
      expect(await aliasOf(name)).toEqual({ version: '1', weights: {} });
      expect(await aliasOf(name, 'live-preview')).toBeUndefined();
      const versions = await lambda.send(new ListVersionsByFunctionCommand({ FunctionName: name }));
      expect(versions.Versions!.map((v) => v.Version)).toEqual(['$LATEST', '1']);
    });
  });
});

describe('lambda migration-then-deploy', () => {
  // moto's Docker-less Lambda echoes the request as the response; a queued response stands in for a failing migration.
  async function migrationFunction() {
    const name = uniqueName('migrate');
    await createLambdaService(endpoint, name);
    return name;
  }

  it('runs the migration once, then the canary; a rollback afterwards runs the down-migration', async () => {
    const name = uniqueName('app');
    const migrate = await migrationFunction();
    await createLambdaService(endpoint, name);
    const plan = lambdaPlan(name, canary({ setWeight: 10 }, { approval: {} }, { setWeight: 100 }), {
      migration: {
        run: { type: 'lambda', functionName: migrate, payload: { to: 42 } },
        down: { type: 'lambda', functionName: migrate, payload: { to: 41 } },
      },
    });
    await harness.run(async () => {
      const handle = await start(plan);
      const gate = await waitForStatus(handle, inPhase('AwaitingApproval'));
      expect(gate.migration).toBe('applied');
      expect(invoked(migrate)).toEqual([{ to: 42, idempotencyKey: expect.any(String) }]); // once
      const arn = (await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: migrate }))).FunctionArn!;
      const applied = (await lambda.send(new ListTagsCommand({ Resource: arn }))).Tags!;
      expect(applied[`glidepath:migration:${name}.test`]).toMatch(/^[0-9a-f]{32}$/);

      await handle.executeUpdate(rejectUpdate, { args: [{ by: 'dba', reason: 'slow queries' }] });
      const { status } = await rolledBack(handle);
      expect(status.migration).toBe('reverted');
      expect(invoked(migrate)).toEqual([
        { to: 42, idempotencyKey: expect.any(String) },
        { to: 41, idempotencyKey: expect.any(String) },
      ]); // up once, then down once
      const after = (await lambda.send(new ListTagsCommand({ Resource: arn }))).Tags!;
      expect(after[`glidepath:migration:${name}.test`]).not.toBe(applied[`glidepath:migration:${name}.test`]);
      expect(await aliasOf(name)).toEqual({ version: '1', weights: {} });
      await recordHistory(handle, 'migration-then-canary-rejected');
    });
  });

  it('a failed migration stops the plan before anything is deployed', async () => {
    const name = uniqueName('app');
    const migrate = await migrationFunction();
    await createLambdaService(endpoint, name);
    const plan = lambdaPlan(name, canary({ setWeight: 10 }, { setWeight: 100 }), {
      migration: { run: { type: 'lambda', functionName: migrate, payload: { to: 42 } } },
    });
    await queueLambdaResponse(endpoint, { errorMessage: 'column "total" already exists', errorType: 'MigrationError' });
    await harness.run(async () => {
      const handle = await start(plan);
      const { message, status } = await rolledBack(handle);
      expect(message).toContain('column "total" already exists');
      expect(status.migration).toBe('failed');
      expect(status.candidateVersion).toBeUndefined();
      expect(invoked(migrate)).toHaveLength(1); // a failed migration is not retried
      expect(await aliasOf(name)).toEqual({ version: '1', weights: {} });
      const versions = await lambda.send(new ListVersionsByFunctionCommand({ FunctionName: name }));
      expect(versions.Versions!.map((v) => v.Version)).toEqual(['$LATEST', '1']);
    });
  });

  it('a migration already applied under the same key is not run again', async () => {
    const migrate = await migrationFunction();
    const platform = lambdaPlatform(() => lambda);
    const input = {
      task: { type: 'lambda' as const, functionName: migrate, payload: {}, timeout: '1m' },
      idempotencyKey: 'deploy:x/test/run-1/up',
      metadata: { service: 'x', environment: 'test', release: 'v2' },
    };
    const activity = new MockActivityEnvironment();
    expect(await activity.run(platform.runMigration, input)).toMatchObject({ ran: true });
    expect(await activity.run(platform.runMigration, input)).toEqual({ ran: false, output: 'already applied' });
    expect(invoked(migrate)).toHaveLength(1);
  });
});

describe('pause, resume and promote', () => {
  it('pause stops the soak clock; resume continues; promote --full skips the rest', async () => {
    const name = uniqueName('ctl');
    await createLambdaService(endpoint, name);
    const plan = lambdaPlan(
      name,
      canary(
        { setWeight: 10 },
        { pause: { duration: '3s' } },
        { setWeight: 30 },
        { pause: {} },
        { setWeight: 60 },
        { pause: { duration: '1h' } },
      ),
    );
    await harness.run(async () => {
      const handle = await start(plan);
      await waitForStatus(handle, inPhase('Soaking'));
      await handle.signal(pauseSignal, { by: 'oncall', reason: 'checking a graph' });
      await waitForStatus(handle, inPhase('Paused'));
      // The clock stops: the soak's timer is cancelled and none runs while paused, so nothing can end the pause.
      const timers = await eventually(
        () => timerEvents(handle),
        (t) => t.includes('canceled'),
        'soak timer cancelled',
      );
      expect(timers).toEqual(['started', 'canceled']);
      expect((await handle.query(statusQuery)).phase).toBe('Paused');
      expect((await handle.query(statusQuery)).weight).toBe(10);
      await handle.signal(resumeSignal, { by: 'oncall', reason: 'graph fine' });

      await waitForStatus(handle, inPhase('AwaitingPromotion'));
      await handle.executeUpdate(promoteUpdate, { args: [{ by: 'oncall', reason: 'looks good' }] });
      await waitForStatus(handle, (s) => s.phase === 'Soaking' && s.weight === 60);
      await handle.executeUpdate(promoteUpdate, { args: [{ by: 'lead', reason: 'ship it', full: true }] });
      const result = await handle.result();
      expect(result.outcome).toBe('promoted');
      expect(result.status.actions.map((a) => `${a.action}:${a.by}`)).toEqual([
        'pause:oncall',
        'resume:oncall',
        'promote:oncall',
        'promote:lead',
      ]);
      expect(await aliasOf(name)).toEqual({ version: result.status.candidateVersion, weights: {} });
      await recordHistory(handle, 'canary-paused-resumed-promoted');
    });
  });
});
