/**
 * A prod gate the policy adds: 2 approvals from group `sre`, before traffic moves, on the real Temporal server
 * with Lambda on moto. The requester is refused (four-eyes), the same person twice counts once, someone outside
 * the group is refused, and two distinct members pass. A run with no requester is refused at start (four-eyes
 * could refuse no one).
 */
import { GetAliasCommand } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { startDeployment } from '../../starters/deploy';
import { approveUpdate } from '../../workflows/messages';
import { createLambdaService, lambdaPlatformAt } from '../support/lambda-fixture';
import { canary, lambdaPlan } from '../support/plans';
import { type Harness, recordHistory, startHarness, uniqueName, waitForStatus } from '../support/temporal';
import { policyFile } from './support';

const endpoint = inject('motoEndpoint');
let harness: Harness;

beforeAll(async () => {
  const policy = policyFile('sre-approvals', { sre: ['bob', 'carol', 'alice'] }, [
    { name: 'prod-sre', match: { environment: 'prod' }, approvals: { count: 2, from: ['sre'], fourEyes: true, timeout: '1h' } },
  ]);
  harness = await startHarness({ platforms: { lambda: lambdaPlatformAt(endpoint) }, policyFile: policy });
});
afterAll(async () => harness?.close());

it('a prod gate needing 2 approvals from sre: requester refused, the same person counts once, two members pass', async () => {
  const name = uniqueName('gated');
  const lambda = await createLambdaService(endpoint, name);
  const plan = lambdaPlan(name, canary({ setWeight: 20 }, { setWeight: 100 }));
  plan.metadata.environment = 'prod';
  plan.metadata.requestedBy = 'alice';

  await harness.run(async () => {
    const started = await startDeployment(harness.client, plan, harness.taskQueue);
    if (started.kind === 'conflict') throw new Error('conflict');
    const { handle } = started;
    const waiting = await waitForStatus(handle, (s) => s.gate?.name === 'policy:prod-sre');
    expect(waiting).toMatchObject({
      phase: 'AwaitingApproval',
      weight: 0,
      policy: { rules: ['prod-sre'], version: expect.stringMatching(/^[0-9a-f]{12}$/) },
      gate: { required: 2, approvers: ['bob', 'carol', 'alice'] },
    });
    const approve = (by: string) => handle.executeUpdate(approveUpdate, { args: [{ by, reason: 'checked' }] });
    const refusal = (by: string) =>
      approve(by).then(
        () => 'accepted',
        (err: Error) => String((err.cause as Error | undefined)?.message ?? err.message),
      );

    expect(await refusal('alice')).toMatch(/alice requested this run and cannot approve it \(four-eyes, policy rule "prod-sre"\)/);
    expect(await refusal('mallory')).toMatch(/mallory may not answer approval "policy:prod-sre"/);
    expect((await approve('bob')).accepted).toBe('approved policy:prod-sre (1 of 2)');
    expect(await refusal('bob')).toMatch(/bob already approved "policy:prod-sre"; it needs 1 more distinct approver/);
    const stillWaiting = await handle.query('status');
    expect(stillWaiting).toMatchObject({ phase: 'AwaitingApproval', weight: 0, gate: { approvedBy: ['bob'] } });

    expect((await approve('carol')).accepted).toBe('approved policy:prod-sre');
    const result = await handle.result();
    expect(result.outcome).toBe('promoted');
    const approvals = result.status.actions.filter((a) => a.action === 'approve').map((a) => a.by);
    expect(approvals).toEqual(['bob', 'carol']);
    const alias = await lambda.send(new GetAliasCommand({ FunctionName: name, Name: 'live' }));
    expect(alias.FunctionVersion).toBe(result.status.candidateVersion);
    await recordHistory(handle, 'canary-policy-approvals-promoted');
  });
});

it('a run started without a requester (the Web UI, a raw client) under four-eyes is refused at start; nothing changed', async () => {
  const name = uniqueName('anonymous');
  const lambda = await createLambdaService(endpoint, name);
  const plan = lambdaPlan(name, canary({ setWeight: 20 }, { setWeight: 100 }));
  plan.metadata.environment = 'prod';
  delete plan.metadata.requestedBy;

  await harness.run(async () => {
    const started = await startDeployment(harness.client, plan, harness.taskQueue);
    if (started.kind === 'conflict') throw new Error('conflict');
    const failure = await started.handle.result().then(
      () => undefined,
      (err) => err.cause as Error & { type?: string },
    );
    expect(failure?.type).toBe('BlockedByPolicy');
    expect(failure?.message).toMatch(/^blocked by policy rule "prod-sre": the requester is unknown \(the plan has no metadata.requestedBy/);
  });
  const alias = await lambda.send(new GetAliasCommand({ FunctionName: name, Name: 'live' }));
  expect(alias.FunctionVersion).toBe('1');
});

it('a guardrail refuses the run at start, naming the rule; nothing changed', async () => {
  const name = uniqueName('guarded');
  const lambda = await createLambdaService(endpoint, name);
  const plan = lambdaPlan(name, canary({ setWeight: 50 }, { setWeight: 100 }));
  plan.metadata.environment = 'guarded';
  const guarded = policyFile('guardrails', {}, [{ name: 'careful', match: { environment: 'guard*' }, guardrails: { maxFirstWeight: 10 } }]);
  const local = await startHarness({
    platforms: { lambda: lambdaPlatformAt(endpoint) },
    policyFile: guarded,
  });
  try {
    await local.run(async () => {
      const started = await startDeployment(local.client, plan, local.taskQueue);
      if (started.kind === 'conflict') throw new Error('conflict');
      const failure = await started.handle.result().then(
        () => undefined,
        (err) => err.cause as Error & { type?: string },
      );
      expect(failure).toMatchObject({ type: 'BlockedByPolicy', message: expect.stringContaining('blocked by policy rule "careful"') });
      expect(failure?.message).toContain('the first canary weight is 50%, at most 10%');
    });
  } finally {
    await local.close();
  }
  const alias = await lambda.send(new GetAliasCommand({ FunctionName: name, Name: 'live' }));
  expect(alias.FunctionVersion).toBe('1');
});
