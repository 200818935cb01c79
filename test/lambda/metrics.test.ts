/**
 * What the engine knows, on a real `glidepath worker`'s Prometheus endpoint, after real runs on the Temporal dev
 * server with Lambda on moto: promotions by a person or by the plan, analysis results, runs a person paused, the
 * time from an abort to traffic restored, approvals the policy refused (for who sent them, or for their signature),
 * and time held by a freeze that ended in an abort. Each run has a service of its own, so each count is exactly that run's.
 */
import { GetAliasCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { startDeployment } from '../../starters/deploy';
import type { Plan } from '../../plan/schema';
import { abortSignal, approveUpdate, pauseSignal, promoteUpdate, resumeSignal } from '../../workflows/messages';
import { runCli } from '../support/cli';
import { type HttpCheck, startHttpCheck } from '../support/http-check';
import { createLambdaService } from '../support/lambda-fixture';
import { canary, lambdaPlan } from '../support/plans';
import { scrape, sampleValue } from '../support/prometheus-scrape';
import { writeYaml } from '../policy/support';
import { signBare } from '../support/bare-signature';
import { makeSshKey } from '../support/ssh-keys';
import { rolledBack, uniqueName, waitForStatus } from '../support/temporal';
import { type WorkerProcess, spawnWorkerWithMetrics, workerEnv } from '../support/worker-process';

const endpoint = inject('motoEndpoint');
const address = inject('temporalAddress');
const taskQueue = uniqueName('metrics-tq');
const env = workerEnv(taskQueue, endpoint);
let connection: Connection;
let client: Client;
let worker: WorkerProcess;
let metricsPort: number;
let health: HttpCheck<void>;
const keys = { bob: makeSshKey('bob'), carol: makeSshKey('carol'), mallory: makeSshKey('mallory') };

beforeAll(async () => {
  connection = await Connection.connect({ address });
  client = new Client({ connection, namespace: 'default' });
  const policy = writeYaml('metrics-sre.yaml', {
    apiVersion: 'glidepath/v1',
    kind: 'Policy',
    groups: { sre: ['bob'], signing: ['bob', 'carol'] },
    signers: { bob: [keys.bob.publicLine], carol: [keys.carol.publicLine] },
    rules: [
      { name: 'prod-sre', match: { environment: 'prod' }, approvals: { count: 1, from: ['sre'], fourEyes: true, timeout: '1h' } },
      {
        name: 'signed-sre',
        match: { environment: 'signed' },
        approvals: { count: 2, from: ['signing'], requireSignature: true, timeout: '1h' },
      },
    ],
  });
  ({ worker, metricsPort } = await spawnWorkerWithMetrics({ ...env, GLIDEPATH_POLICY_FILE: policy }));
  health = await startHttpCheck(200, async () => undefined);
});
afterAll(async () => {
  await worker?.kill('SIGTERM');
  await health?.close();
  await connection?.close();
});

async function start(plan: Plan): Promise<WorkflowHandle> {
  const started = await startDeployment(client, plan, taskQueue);
  if (started.kind === 'conflict') throw new Error('conflict');
  return started.handle;
}

const by = (who: string) => ({ args: [{ by: who, reason: 'metrics test' }] as [{ by: string; reason: string }] });

async function liveVersion(lambda: LambdaClient, name: string) {
  const alias = await lambda.send(new GetAliasCommand({ FunctionName: name, Name: 'live' }));
  return { version: alias.FunctionVersion, weights: alias.RoutingConfig?.AdditionalVersionWeights ?? {} };
}

it('a run paused, resumed and promoted by a person counts as a manual promotion and a paused run', async () => {
  const service = uniqueName('m-manual');
  await createLambdaService(endpoint, service);
  const handle = await start(lambdaPlan(service, canary({ setWeight: 20 }, { pause: {} }, { setWeight: 100 })));
  await waitForStatus(handle, (s) => s.phase === 'AwaitingPromotion');
  await handle.signal(pauseSignal, { by: 'alice', reason: 'look at the graphs' });
  await handle.signal(resumeSignal, { by: 'alice', reason: 'graphs fine' });
  await handle.executeUpdate(promoteUpdate, by('alice'));
  expect((await handle.result()).outcome).toBe('promoted');

  const samples = await scrape(metricsPort);
  expect(sampleValue(samples, 'glidepath_promotions', { service, how: 'manual', strategy: 'canary' })).toBe(1);
  expect(sampleValue(samples, 'glidepath_promotions', { service, how: 'automatic' })).toBeUndefined();
  expect(sampleValue(samples, 'glidepath_paused_deployments', { service, outcome: 'promoted' })).toBe(1);
  expect(sampleValue(samples, 'glidepath_actions', { service, action: 'pause' })).toBe(1);
});

it('a run the plan carried through an analysis counts as an automatic promotion and a passed analysis', async () => {
  const service = uniqueName('m-auto');
  await createLambdaService(endpoint, service);
  const smoke = { name: 'smoke', metrics: [{ name: 'health', provider: { type: 'http', url: health.url }, interval: '1s', count: 2 }] };
  const handle = await start(lambdaPlan(service, canary({ setWeight: 20 }, { analysis: smoke }, { setWeight: 100 })));
  expect((await handle.result()).outcome).toBe('promoted');

  const samples = await scrape(metricsPort);
  expect(sampleValue(samples, 'glidepath_promotions', { service, how: 'automatic' })).toBe(1);
  expect(sampleValue(samples, 'glidepath_promotions', { service, how: 'manual' })).toBeUndefined();
  expect(sampleValue(samples, 'glidepath_analyses', { service, outcome: 'passed' })).toBe(1);
  expect(sampleValue(samples, 'glidepath_paused_deployments', { service })).toBeUndefined();
});

it('an abort: the time from the abort to traffic restored is observed once', async () => {
  const service = uniqueName('m-abort');
  const lambda = await createLambdaService(endpoint, service);
  const handle = await start(lambdaPlan(service, canary({ setWeight: 20 }, { pause: {} }, { setWeight: 100 })));
  await waitForStatus(handle, (s) => s.phase === 'AwaitingPromotion');
  await handle.signal(abortSignal, { by: 'alice', reason: 'errors' });
  await rolledBack(handle);
  expect(await liveVersion(lambda, service)).toEqual({ version: '1', weights: {} });

  const samples = await scrape(metricsPort);
  expect(sampleValue(samples, 'glidepath_abort_duration_count', { service })).toBe(1);
  expect(sampleValue(samples, 'glidepath_abort_duration_sum', { service })).toBeGreaterThanOrEqual(0);
  expect(sampleValue(samples, 'glidepath_deployments', { service, outcome: 'rolled-back' })).toBe(1);
  expect(sampleValue(samples, 'glidepath_promotions', { service })).toBeUndefined();
});

it("the requester's own approval, refused by the policy's four-eyes rule, is counted with the rule", async () => {
  const service = uniqueName('m-refused');
  await createLambdaService(endpoint, service);
  const plan = lambdaPlan(service, canary({ setWeight: 20 }, { setWeight: 100 }));
  plan.metadata.environment = 'prod';
  plan.metadata.requestedBy = 'alice';
  const handle = await start(plan);
  await waitForStatus(handle, (s) => s.gate?.name === 'policy:prod-sre');
  await expect(handle.executeUpdate(approveUpdate, by('alice'))).rejects.toThrow();
  await expect(handle.executeUpdate(approveUpdate, by('mallory'))).rejects.toThrow();
  await handle.executeUpdate(approveUpdate, by('bob'));
  expect((await handle.result()).outcome).toBe('promoted');

  const samples = await scrape(metricsPort);
  expect(sampleValue(samples, 'glidepath_policy_refusals', { service, rule: 'prod-sre', at: 'approval' })).toBe(2);
  expect(sampleValue(samples, 'glidepath_policy_refusals', { service, at: 'start' })).toBeUndefined();
  expect(sampleValue(samples, 'glidepath_promotions', { service, how: 'manual' })).toBe(1);
});

it('approvals refused for their signature (unsigned, wrong key, forged, expired, replayed): counted by rule, at="signature"', async () => {
  const service = uniqueName('m-unsigned');
  await createLambdaService(endpoint, service);
  const plan = lambdaPlan(service, canary({ setWeight: 20 }, { setWeight: 100 }));
  plan.metadata.environment = 'signed';
  plan.metadata.requestedBy = 'alice';
  const handle = await start(plan);
  await waitForStatus(handle, (s) => s.gate?.name === 'policy:signed-sre');
  const { runId } = await handle.describe();
  const signed = (by: string, key: keyof typeof keys, signedAt = new Date().toISOString(), gate = 'policy:signed-sre') => {
    const fields = { workflowId: handle.workflowId, runId, gate, decision: 'approve' as const, by, signedAt };
    return { by, reason: 'metrics test', signature: signBare(keys[key], fields) };
  };
  const approve = (input: ReturnType<typeof signed> | { by: string; reason: string }) =>
    handle.executeUpdate(approveUpdate, { args: [input] });

  await expect(approve({ by: 'bob', reason: 'from the UI' })).rejects.toThrow();
  await expect(approve(signed('bob', 'mallory'))).rejects.toThrow();
  await expect(approve(signed('bob', 'bob', undefined, 'policy:another-gate'))).rejects.toThrow(); // forged for this gate
  await expect(approve(signed('bob', 'bob', new Date(Date.now() - 11 * 60_000).toISOString()))).rejects.toThrow();
  const bobs = signed('bob', 'bob');
  await approve(bobs);
  await expect(approve(bobs)).rejects.toThrow();
  await approve(signed('carol', 'carol'));
  expect((await handle.result()).outcome).toBe('promoted');

  const samples = await scrape(metricsPort);
  expect(sampleValue(samples, 'glidepath_policy_refusals', { service, rule: 'signed-sre', at: 'signature' })).toBe(5);
  expect(sampleValue(samples, 'glidepath_policy_refusals', { service, at: 'approval' })).toBeUndefined();
});

it('a run held by a freeze and aborted while held: the time held is observed', async () => {
  const service = uniqueName('m-frozen');
  const lambda = await createLambdaService(endpoint, service);
  const handle = await start(lambdaPlan(service, canary({ setWeight: 20 }, { pause: { duration: '1h' } }, { setWeight: 100 })));
  await waitForStatus(handle, (s) => s.phase === 'Soaking', 60_000);
  const frozen = await runCli(['freeze', '--env', 'test', '--service', service, '--reason', 'incident 7', '--by', 'oncall'], env);
  expect(frozen.code).toBe(0);
  await waitForStatus(handle, (s) => s.phase === 'Frozen', 60_000);
  expect(sampleValue(await scrape(metricsPort), 'glidepath_policy_held_duration_count', { service })).toBeUndefined();

  await handle.signal(abortSignal, { by: 'oncall', reason: 'give up' });
  await rolledBack(handle);
  expect(await liveVersion(lambda, service)).toEqual({ version: '1', weights: {} });
  const samples = await scrape(metricsPort);
  expect(sampleValue(samples, 'glidepath_policy_held_duration_count', { service, reason: 'freeze' })).toBe(1);
  expect(sampleValue(samples, 'glidepath_abort_duration_count', { service })).toBe(1);
}, 180_000);
