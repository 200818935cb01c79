/**
 * Lambda canaries on a real Temporal dev server and a real moto server: the alias's weighted routing is
 * checked at each step, and every way a rollout can end badly leaves the alias 100% on the old version.
 */
import {
  GetAliasCommand,
  type LambdaClient,
  ListVersionsByFunctionCommand,
  PublishVersionCommand,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand,
} from '@aws-sdk/client-lambda';
import { WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { functionVersions } from '../../activities/lambda/function-versions';
import { lambdaPlatform } from '../../activities/lambda/lambda-platform';
import { LambdaClient as Client } from '@aws-sdk/client-lambda';
import type { LambdaTarget } from '../../plan/targets';
import { deploymentId } from '../../starters/client';
import { startDeployment } from '../../starters/deploy';
import { abortSignal, approveUpdate, rejectUpdate, statusQuery } from '../../workflows/messages';
import { BUCKET, createLambdaService } from '../support/lambda-fixture';
import { awsConfig } from '../support/moto';
import { caller } from '../support/platform-calls';
import { canary, lambdaPlan } from '../support/plans';
import { type Shares, expectVerifies, routerOf } from '../support/router-checks';
import { type Harness, inPhase, recordHistory, rolledBack, startHarness, uniqueName, waitForStatus } from '../support/temporal';

const endpoint = inject('motoEndpoint');
let harness: Harness;

beforeAll(async () => {
  harness = await startHarness({ platforms: { lambda: lambdaPlatform(() => new Client(awsConfig(endpoint))) } });
});
afterAll(async () => harness?.close());

async function alias(lambda: LambdaClient, name: string) {
  const a = await lambda.send(new GetAliasCommand({ FunctionName: name, Name: 'live' }));
  return { version: a.FunctionVersion, weights: a.RoutingConfig?.AdditionalVersionWeights ?? {} };
}

async function versions(lambda: LambdaClient, name: string) {
  const out = await lambda.send(new ListVersionsByFunctionCommand({ FunctionName: name }));
  return (out.Versions ?? []).map((v) => v.Version).filter((v) => v !== '$LATEST');
}

async function start(plan: ReturnType<typeof lambdaPlan>) {
  const started = await startDeployment(harness.client, plan, harness.taskQueue);
  if (started.kind === 'conflict') throw new Error('unexpected conflict');
  return started.handle;
}

describe('lambda canary', () => {
  it('refuses to take over an alias another rollout left half-way, and changes nothing', async () => {
    const name = uniqueName('pay');
    const lambda = await createLambdaService(endpoint, name);
    await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: name, S3Bucket: BUCKET, S3Key: `${name}/v4.zip` }));
    const other = await lambda.send(new PublishVersionCommand({ FunctionName: name, Description: 'someone else' }));
    await lambda.send(
      new UpdateAliasCommand({
        FunctionName: name,
        Name: 'live',
        FunctionVersion: '1',
        RoutingConfig: { AdditionalVersionWeights: { [other.Version!]: 0.25 } },
      }),
    );
    await harness.run(async () => {
      const { message } = await rolledBack(await start(lambdaPlan(name, canary({ setWeight: 10 }))));
      expect(message).toContain(`already sends 25% to version ${other.Version}: another rollout is half-way`);
    });
    expect(await alias(lambda, name)).toEqual({ version: '1', weights: { [other.Version!]: 0.25 } });
    expect(await versions(lambda, name)).toEqual(['1', other.Version]);
  });

  it('10% → soak → approval → 50% → 100% promotes; the alias ends on the new version', async () => {
    const name = uniqueName('pay');
    const lambda = await createLambdaService(endpoint, name);
    const plan = lambdaPlan(
      name,
      canary(
        { setWeight: 10 },
        { pause: { duration: '2s' } },
        { approval: { name: 'half', approvers: ['alice'], timeout: '1h' } },
        { setWeight: 50 },
        { setWeight: 100 },
      ),
    );
    await harness.run(async () => {
      const handle = await start(plan);
      const soaking = await waitForStatus(handle, inPhase('Soaking'));
      expect(soaking.weight).toBe(10);
      expect(await alias(lambda, name)).toEqual({ version: '1', weights: { [soaking.candidateVersion!]: 0.1 } });

      const gate = await waitForStatus(handle, inPhase('AwaitingApproval'));
      expect(gate.gate).toMatchObject({ kind: 'approval', name: 'half', approvers: ['alice'] });
      await handle.executeUpdate(approveUpdate, { args: [{ by: 'alice', reason: 'dashboards green' }] });

      const result = await handle.result();
      expect(result.outcome).toBe('promoted');
      expect(await alias(lambda, name)).toEqual({ version: gate.candidateVersion, weights: {} });
      expect(result.status.actions).toContainEqual(
        expect.objectContaining({ action: 'approve', by: 'alice', reason: 'dashboards green', gate: 'half' }),
      );
      const described = await handle.describe();
      expect(described.typedSearchAttributes.getAll().find((p) => p.key.name === 'DeployPhase')?.value).toBe('Promoted');
      expect(described.memo?.promotedBy).toBe('alice'); // what `glidepath where` shows as who promoted it
      await recordHistory(handle, 'canary-promoted');
    });
  });

  it('abort during a soak rolls back: alias 100% on the old version, new version removed', async () => {
    const name = uniqueName('pay');
    const lambda = await createLambdaService(endpoint, name);
    await harness.run(async () => {
      const handle = await start(lambdaPlan(name, canary({ setWeight: 20 }, { pause: { duration: '1h' } }, { setWeight: 100 })));
      const soaking = await waitForStatus(handle, inPhase('Soaking'));
      expect((await alias(lambda, name)).weights).toEqual({ [soaking.candidateVersion!]: 0.2 });
      // What `glidepath list` and a Web UI search read: the weight the run rests at, upserted with the phase.
      const attributes = Object.fromEntries((await handle.describe()).typedSearchAttributes.getAll().map((p) => [p.key.name, p.value]));
      expect(attributes).toMatchObject({ DeployPhase: 'Soaking', DeployWeight: 20 });

      await handle.signal(abortSignal, { by: 'bob', reason: 'error budget burning' });
      const { message, status } = await rolledBack(handle);
      expect(message).toContain('aborted by bob: error budget burning');
      expect(status).toMatchObject({ phase: 'RolledBack', weight: 0, outcome: { result: 'rolled-back' } });
      expect(await alias(lambda, name)).toEqual({ version: '1', weights: {} });
      expect(await versions(lambda, name)).toEqual(['1']);
      await recordHistory(handle, 'canary-aborted-in-soak');
    });
  });

  it('reject at an approval rolls back', async () => {
    const name = uniqueName('pay');
    const lambda = await createLambdaService(endpoint, name);
    await harness.run(async () => {
      const handle = await start(
        lambdaPlan(name, canary({ setWeight: 10 }, { approval: { approvers: ['alice', 'carol'] } }, { setWeight: 100 })),
      );
      await waitForStatus(handle, inPhase('AwaitingApproval'));
      await handle.executeUpdate(rejectUpdate, { args: [{ by: 'carol', reason: 'latency up' }] });
      const { message } = await rolledBack(handle);
      expect(message).toContain('rejected at "approval-2" by carol: latency up');
      expect(await alias(lambda, name)).toEqual({ version: '1', weights: {} });
      expect(await versions(lambda, name)).toEqual(['1']);
      await recordHistory(handle, 'canary-rejected');
    });
  });

  it('cancel from the client rolls back and closes the run as cancelled', async () => {
    const name = uniqueName('pay');
    const lambda = await createLambdaService(endpoint, name);
    await harness.run(async () => {
      const handle = await start(lambdaPlan(name, canary({ setWeight: 30 }, { pause: {} }, { setWeight: 100 })));
      const waiting = await waitForStatus(handle, inPhase('AwaitingPromotion'));
      expect(await alias(lambda, name)).toEqual({ version: '1', weights: { [waiting.candidateVersion!]: 0.3 } });
      await handle.cancel();
      const err = await handle.result().catch((e) => e);
      expect(err).toBeInstanceOf(WorkflowFailedError);
      expect(err.cause).toBeInstanceOf(CancelledFailure);
      expect(await alias(lambda, name)).toEqual({ version: '1', weights: {} });
      expect(await versions(lambda, name)).toEqual(['1']);
      expect((await handle.query(statusQuery)).outcome?.result).toBe('cancelled');
      await recordHistory(handle, 'canary-cancelled');
    });
  });

  it('refuses an approval from someone not allowed, leaving no trace in history', async () => {
    const name = uniqueName('pay');
    await createLambdaService(endpoint, name);
    await harness.run(async () => {
      const handle = await start(lambdaPlan(name, canary({ setWeight: 10 }, { approval: { approvers: ['alice'] } }, { setWeight: 100 })));
      await waitForStatus(handle, inPhase('AwaitingApproval'));
      const refused = await handle.executeUpdate(approveUpdate, { args: [{ by: 'mallory', reason: 'trust me' }] }).catch((e) => e);
      expect(refused).toBeInstanceOf(WorkflowUpdateFailedError);
      expect(refused.cause.message).toContain('mallory may not answer approval "approval-2"; allowed approvers: alice');

      const history = await handle.fetchHistory();
      const text = JSON.stringify(history.events);
      expect(text).not.toContain('mallory');
      expect((await handle.query(statusQuery)).phase).toBe('AwaitingApproval');
      await handle.signal(abortSignal, { by: 'test', reason: 'cleanup' });
      await rolledBack(handle);
    });
  });

  it('one deployment per target: another release is refused, the same release attaches', async () => {
    const name = uniqueName('pay');
    await createLambdaService(endpoint, name);
    await harness.run(async () => {
      const first = await start(lambdaPlan(name, canary({ setWeight: 10 }, { pause: {} })));
      await waitForStatus(first, inPhase('AwaitingPromotion'));

      const again = await startDeployment(harness.client, lambdaPlan(name, canary({ setWeight: 10 }, { pause: {} })), harness.taskQueue);
      expect(again.kind).toBe('attached');
      if (again.kind === 'attached') expect(again.handle.workflowId).toBe(deploymentId({ service: name, environment: 'test' }));

      const other = await startDeployment(harness.client, lambdaPlan(name, canary({ setWeight: 10 }), {}, 'v3'), harness.taskQueue);
      expect(other).toMatchObject({ kind: 'conflict', runningRelease: 'v2' });

      await first.signal(abortSignal, { by: 'test', reason: 'cleanup' });
      await rolledBack(first);
    });
  });
});

describe('lambda alias router', () => {
  /** The alias's split as Lambda reports it, in whole percent: the rest to its version, each weighted version its fraction. */
  const sharesOf = ({ version, weights }: Awaited<ReturnType<typeof alias>>, c: { stableVersion: string; candidateVersion: string }) => {
    const extra = Object.values(weights).reduce((sum, w) => sum + w * 100, 0);
    const share = (v: string) => (v === version ? 100 - extra : 0) + (weights[v] ?? 0) * 100;
    return { stable: Math.round(share(c.stableVersion)), candidate: Math.round(share(c.candidateVersion)) } satisfies Shares;
  };

  it('verify agrees with the alias after each traffic change and the rollback, and refuses any other weight', async () => {
    const name = uniqueName('route');
    const lambda = await createLambdaService(endpoint, name);
    const call = caller(lambdaPlatform(() => lambda));
    const target = lambdaPlan(name, canary({ setWeight: 10 })).target as LambdaTarget;
    const metadata = { service: name, environment: 'test', release: 'v2' };
    const candidate = await call((p) => p.deployCandidate({ target, metadata, strategy: 'canary' }));
    await call((p) => p.waitCandidateReady({ target, metadata, candidate }));
    const router = routerOf(
      functionVersions(() => lambda, 60_000),
      target,
      candidate,
    );
    const { candidateVersion: v2 } = candidate;

    expect(await alias(lambda, name)).toEqual({ version: '1', weights: {} });
    await expectVerifies(router, 0, sharesOf(await alias(lambda, name), candidate));
    for (const [weight, expected] of [
      [10, { version: '1', weights: { [v2]: 0.1 } }],
      [35, { version: '1', weights: { [v2]: 0.35 } }],
      [100, { version: v2, weights: {} }],
    ] as const) {
      await call((p) => p.setTrafficWeight({ target, metadata, candidate, weight }));
      const now = await alias(lambda, name);
      expect(now).toEqual(expected);
      expect(sharesOf(now, candidate)).toEqual({ stable: 100 - weight, candidate: weight });
      await expectVerifies(router, weight, sharesOf(now, candidate), [0, 10, 34, 36, 50, 100]);
    }
    await call((p) => p.rollBack({ target, metadata, candidate }));
    expect(await alias(lambda, name)).toEqual({ version: '1', weights: {} });
    await expectVerifies(router, 0, { stable: 100, candidate: 0 });
  });
});
