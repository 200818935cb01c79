/**
 * Analysis steps in the deployment workflow, on the real Temporal server, a Lambda service on moto and a real
 * Prometheus scraping this process: a healthy canary promotes; an error spike rolls back within one interval
 * plus the rollback; an inconclusive result pauses for a person, who promotes.
 */
import { GetAliasCommand, type LambdaClient as Lambda } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createAnalyzer } from '../../activities/analysis';
import type { Plan } from '../../plan/schema';
import { startDeployment } from '../../starters/deploy';
import { promoteUpdate } from '../../workflows/messages';
import { createLambdaService, lambdaPlatformAt } from '../support/lambda-fixture';
import { canary, lambdaPlan } from '../support/plans';
import { type PrometheusFixture, startPrometheus } from '../support/prometheus';
import { type Harness, inPhase, recordHistory, rolledBack, startHarness, uniqueName, waitForStatus } from '../support/temporal';

const endpoint = inject('motoEndpoint');
let harness: Harness;
let prom: PrometheusFixture;

beforeAll(async () => {
  prom = await startPrometheus('warmup', { v0: {} });
  harness = await startHarness({
    platforms: { lambda: lambdaPlatformAt(endpoint) },
    analyze: createAnalyzer({ heartbeatEveryMs: 1_000 }),
  });
  await prom.waitFor('sum(rate(http_requests_total[5s]))');
}, 60_000);
afterAll(async () => {
  await harness?.close();
  await prom?.stop();
});

/** A Lambda service on moto at version 1, with traffic for versions 1 (stable) and 2 (the canary) already scraped. */
async function service(canaryTraffic: Record<string, unknown> = {}): Promise<{ name: string; lambda: Lambda }> {
  const name = uniqueName('pay');
  const lambda = await createLambdaService(endpoint, name);
  prom.exporter.set('1', {}, name);
  prom.exporter.set('2', canaryTraffic, name);
  await prom.waitFor(`sum(rate(http_requests_total{service="${name}",version="1"}[5s]))`);
  return { name, lambda };
}

const errorRate = (over: Record<string, unknown> = {}) => ({
  preset: 'error-rate',
  provider: { type: 'prometheus', address: prom.address },
  window: '5s',
  interval: '1s',
  ...over,
});

async function start(plan: Plan) {
  const started = await startDeployment(harness.client, plan, harness.taskQueue);
  if (started.kind === 'conflict') throw new Error('unexpected conflict');
  return started.handle;
}

async function alias(lambda: Lambda, name: string) {
  const a = await lambda.send(new GetAliasCommand({ FunctionName: name, Name: 'live' }));
  return { version: a.FunctionVersion, weights: a.RoutingConfig?.AdditionalVersionWeights ?? {} };
}

describe('analysis steps in a canary', () => {
  it('a canary whose error rate stays low promotes; its measurements are in the status', async () => {
    const { name, lambda } = await service();
    const plan = lambdaPlan(
      name,
      canary({ setWeight: 10 }, { analysis: { name: 'health', metrics: [errorRate({ count: 3 })] } }, { setWeight: 100 }),
    );
    await harness.run(async () => {
      const handle = await start(plan);
      const analyzing = await waitForStatus(handle, inPhase('Analyzing'));
      expect(analyzing.weight).toBe(10);
      const result = await handle.result();
      expect(result.outcome).toBe('promoted');
      expect(result.status.measurements).toEqual(
        [1, 2, 3].map(() => expect.objectContaining({ analysis: 'health', metric: 'error-rate', outcome: 'passed' })),
      );
      expect(result.status.measurements.every((m) => m.value! < 0.01)).toBe(true);
      const details = (await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata')).currentDetails;
      expect(details).toMatch(/\| health \/ error-rate \| [0-9.e-]+ \| passed \|/); // the UI's current details
      expect(await alias(lambda, name)).toEqual({ version: '2', weights: {} });
    });
  });

  it('an error spike rolls back within one interval plus the rollback, naming the failed measurement', async () => {
    const { name, lambda } = await service();
    const plan = lambdaPlan(
      name,
      canary({ setWeight: 20 }, { analysis: { name: 'health', metrics: [errorRate({ interval: '2s', count: 60 })] } }, { setWeight: 100 }),
    );
    await harness.run(async () => {
      const handle = await start(plan);
      // a few healthy measurements first
      await waitForStatus(handle, (s) => s.phase === 'Analyzing' && s.measurements.filter((m) => m.outcome === 'passed').length >= 2);
      prom.exporter.set('2', { errorRatio: 0.4 }, name);
      const spikeAt = Date.now();
      const { message, status } = await rolledBack(handle);
      expect(message).toMatch(/analysis "health" failed: error-rate failed: 1 of \d+ measurements failed \(failureLimit 0\)/);
      expect(status.measurements.at(-1)).toMatchObject({ metric: 'error-rate', outcome: 'failed' });
      expect(status.measurements.at(-1)!.value).toBeGreaterThan(0.01);
      expect(status.measurements.filter((m) => m.outcome === 'passed').length).toBeGreaterThanOrEqual(2);
      expect(status).toMatchObject({ phase: 'RolledBack', weight: 0 });
      expect(await alias(lambda, name)).toEqual({ version: '1', weights: {} });
      // caught at the first measurement after a scrape carried the spike: at most the second one after it
      expect(status.measurements.filter((m) => Date.parse(m.at) > spikeAt).length).toBeLessThanOrEqual(2);
      await recordHistory(handle, 'canary-analysis-failed');
      await recordHistory(harness.client.workflow.getHandle(`${handle.workflowId}/analysis/health`), 'analysis-child-failed');
    });
  });

  it('an inconclusive result pauses for a person; promote continues the rollout', async () => {
    const { name, lambda } = await service({ errorRatio: 0.02 });
    const metric = {
      name: 'errors',
      provider: {
        type: 'prometheus',
        address: prom.address,
        query:
          'sum(rate(http_requests_total{service="{{service}}",version="{{canaryVersion}}",code="500"}[5s])) / ' +
          'sum(rate(http_requests_total{service="{{service}}",version="{{canaryVersion}}"}[5s]))',
      },
      successCondition: 'result < 0.01',
      failureCondition: 'result > 0.05',
    };
    const plan = lambdaPlan(name, canary({ setWeight: 10 }, { analysis: { name: 'grey', metrics: [metric] } }, { setWeight: 100 }));
    await harness.run(async () => {
      const handle = await start(plan);
      const waiting = await waitForStatus(handle, (s) => s.gate?.kind === 'inconclusive-analysis');
      expect(waiting).toMatchObject({ phase: 'AwaitingPromotion', gate: { name: 'grey', onTimeout: 'abort' }, weight: 10 });
      expect(waiting.measurements).toEqual([expect.objectContaining({ metric: 'errors', outcome: 'inconclusive' })]);
      await handle.executeUpdate(promoteUpdate, { args: [{ by: 'alice', reason: '2% is the known retry noise' }] });
      const result = await handle.result();
      expect(result.outcome).toBe('promoted');
      expect(await alias(lambda, name)).toEqual({ version: '2', weights: {} });
    });
  });

  it('a background analysis started at step 2 fails the rollout during the soak at step 4', async () => {
    const { name, lambda } = await service();
    const plan = lambdaPlan(
      name,
      canary(
        { setWeight: 10 },
        { analysis: { name: 'watch', background: true, metrics: [errorRate({ interval: '1s' })] } },
        { setWeight: 30 },
        { pause: { duration: '1h' } },
        { setWeight: 100 },
      ),
    );
    await harness.run(async () => {
      const handle = await start(plan);
      const soaking = await waitForStatus(handle, (s) => s.phase === 'Soaking' && s.measurements.length >= 2);
      expect(soaking).toMatchObject({ weight: 30, step: { index: 4 } });
      expect(soaking.measurements.every((m) => m.analysis === 'watch' && m.outcome === 'passed')).toBe(true);
      prom.exporter.set('2', { errorRatio: 0.5 }, name);
      const { message, status } = await rolledBack(handle);
      expect(message).toContain('analysis "watch" failed');
      expect(status.measurements.at(-1)).toMatchObject({ analysis: 'watch', outcome: 'failed' });
      expect(await alias(lambda, name)).toEqual({ version: '1', weights: {} });
      await recordHistory(handle, 'canary-background-analysis-failed');
    });
  });

  it('a background analysis still measuring when the steps end stops, and the canary promotes', async () => {
    const { name, lambda } = await service();
    const plan = lambdaPlan(
      name,
      canary(
        { analysis: { name: 'watch', background: true, metrics: [errorRate({ interval: '1s' })] } },
        { setWeight: 50 },
        { pause: { duration: '8s' } },
      ),
    );
    await harness.run(async () => {
      const handle = await start(plan);
      const result = await handle.result();
      expect(result.outcome).toBe('promoted');
      expect(result.status.measurements.length).toBeGreaterThanOrEqual(1);
      expect(await alias(lambda, name)).toEqual({ version: '2', weights: {} });
    });
  });
});
