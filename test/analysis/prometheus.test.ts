/**
 * Prometheus analyses against a real Prometheus (Debian's package) scraping an exporter in this process every
 * second: a healthy canary passes, an error spike fails within one interval, a missing metric is an error and
 * fails past the consecutive-error limit, an in-between value is inconclusive.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { CancelledFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PrometheusFixture, startPrometheus } from '../support/prometheus';
import { analysis, runAnalysis } from './support';

let prom: PrometheusFixture;

beforeAll(async () => {
  // Each test uses its own canary version label, so scenarios do not disturb each other.
  prom = await startPrometheus('payments', {
    v1: {},
    healthy: {},
    spike: {},
    slow: { latencySeconds: 0.2 },
    grey: { errorRatio: 0.02 },
    bg: {},
    missing: { present: false },
  });
  await prom.waitFor('sum(rate(http_requests_total{version="v1"}[5s]))');
}, 60_000);
afterAll(async () => prom?.stop());

const provider = () => ({ type: 'prometheus', address: prom.address });
const errorRate = (over: Record<string, unknown> = {}) => ({
  preset: 'error-rate',
  provider: provider(),
  window: '5s',
  interval: '1s',
  ...over,
});
const canary = (version: string) => ({
  canaryVersion: version,
  stableVersion: 'v1',
  service: 'payments',
  environment: 'test',
  release: 'r2',
});

describe('prometheus analysis', () => {
  it('a canary whose error rate stays low passes (error-rate and latency-p99 presets)', async () => {
    const a = analysis({
      name: 'health',
      metrics: [errorRate({ count: 3 }), { preset: 'latency-p99', provider: provider(), window: '5s', interval: '1s', count: 3 }],
    });
    const r = await runAnalysis({}, { analysis: a, variables: canary('healthy') });
    expect(r.outcome).toBe('passed');
    expect(r.done).toBe(true);
    expect(r.measurements).toHaveLength(6);
    const rates = r.measurements.filter((m) => m.metric === 'error-rate');
    expect(rates.every((m) => m.outcome === 'passed' && m.value! < 0.01 && m.value! > 0)).toBe(true);
    const latency = r.measurements.filter((m) => m.metric === 'latency-p99');
    expect(latency.every((m) => m.outcome === 'passed' && Math.abs(m.value! - 1) < 0.01)).toBe(true);
    expect(r.measurements[0]).toMatchObject({ analysis: 'health', at: expect.stringMatching(/^\d{4}-/) });
    expect(r.ms).toBeGreaterThanOrEqual(2_000); // 3 measurements, 1s apart
    expect(r.heartbeats).toBeGreaterThan(0);
  });

  it('an error spike fails the analysis within one interval, with the failing measurement in the result', async () => {
    const a = analysis({ metrics: [errorRate({ interval: '2s', count: 30 })] });
    const spikeAfter = 3_000;
    const spikeAt = Date.now() + spikeAfter;
    prom.exporter.setAfter(spikeAfter, 'spike', { errorRatio: 0.5 });
    const r = await runAnalysis({}, { analysis: a, variables: canary('spike') });
    expect(r.outcome).toBe('failed');
    const last = r.measurements[r.measurements.length - 1];
    expect(last).toMatchObject({ metric: 'error-rate', outcome: 'failed' });
    expect(last.value).toBeGreaterThan(0.01);
    expect(r.measurements.slice(0, -1).every((m) => m.outcome === 'passed')).toBe(true);
    // Detected at the first measurement after one scrape carried the spike: at most the second one after it.
    expect(r.measurements.filter((m) => Date.parse(m.at) > spikeAt).length).toBeLessThanOrEqual(2);
    expect(r.message).toMatch(/error-rate failed: 1 of \d+ measurements failed \(failureLimit 0\)/);
  });

  it('a missing metric counts as an error, not a pass, and fails past the consecutive-error limit', async () => {
    const a = analysis({ metrics: [errorRate({ count: 1, consecutiveErrorLimit: 2 })] });
    const r = await runAnalysis({}, { analysis: a, variables: canary('missing') });
    expect(r.outcome).toBe('failed');
    expect(r.measurements.map((m) => m.outcome)).toEqual(['error', 'error', 'error']);
    expect(r.measurements[0].message).toMatch(/no data: the query returned no series/);
    expect(r.measurements[0].value).toBeUndefined();
    expect(r.message).toMatch(/3 measurements in a row could not be taken \(consecutiveErrorLimit 2\)/);
  });

  it('a metric that comes back before the limit is not failed by the earlier errors', async () => {
    const a = analysis({ metrics: [errorRate({ count: 2, consecutiveErrorLimit: 4, initialDelay: '1s', window: '3s' })] });
    prom.exporter.set('late', { present: false });
    setTimeout(() => prom.exporter.set('late', { present: true }), 2_500);
    const r = await runAnalysis({}, { analysis: a, variables: canary('late') });
    expect(r.outcome).toBe('passed');
    expect(r.measurements.filter((m) => m.outcome === 'error').length).toBeGreaterThanOrEqual(1);
    expect(r.measurements.filter((m) => m.outcome === 'passed')).toHaveLength(2);
  });

  it('a value between the success and failure conditions is inconclusive', async () => {
    const a = analysis({
      metrics: [
        {
          name: 'errors',
          provider: {
            ...provider(),
            query:
              'sum(rate(http_requests_total{service="{{service}}",version="{{canaryVersion}}",code="500"}[5s])) / ' +
              'sum(rate(http_requests_total{service="{{service}}",version="{{canaryVersion}}"}[5s]))',
          },
          successCondition: 'result < 0.01',
          failureCondition: 'result > 0.05',
          interval: '1s',
          count: 3,
        },
      ],
    });
    const r = await runAnalysis({}, { analysis: a, variables: canary('grey') });
    expect(r.outcome).toBe('inconclusive');
    expect(r.measurements).toHaveLength(1); // inconclusiveLimit 0: decided at the first one
    expect(r.measurements[0]).toMatchObject({ outcome: 'inconclusive' });
    expect(r.measurements[0].value).toBeCloseTo(0.02, 2);
  });

  it('p99 latency doubling against the stable version fails', async () => {
    const a = analysis({ metrics: [{ preset: 'latency-p99', provider: provider(), window: '5s', interval: '1s', count: 3 }] });
    const r = await runAnalysis({}, { analysis: a, variables: canary('slow') });
    expect(r.outcome).toBe('failed');
    expect(r.measurements[0].value).toBeGreaterThanOrEqual(2);
  });

  it('a background analysis runs in chunks that carry their progress, and fails when the spike comes', async () => {
    const a = analysis({ background: true, metrics: [errorRate({ failureLimit: 1 })] });
    const first = await runAnalysis({}, { analysis: a, variables: canary('bg'), returnAfterMs: 2_500 });
    expect(first).toMatchObject({ done: false, outcome: 'passed' });
    expect(first.measurements.length).toBeGreaterThanOrEqual(2);
    expect(first.message).toMatch(/^so far: /);
    prom.exporter.set('bg', { errorRatio: 0.5 });
    const second = await runAnalysis({}, { analysis: a, variables: canary('bg'), returnAfterMs: 20_000, progress: first.progress });
    expect(second).toMatchObject({ done: true, outcome: 'failed' });
    // failureLimit 1: two failed measurements, counted across both chunks.
    expect(second.progress.metrics['error-rate'].failed).toBe(2);
    expect(second.measurements.at(-1)).toMatchObject({ outcome: 'failed' }); // it stopped at the deciding measurement
  });

  it('cancellation stops the analysis at once', async () => {
    const env = new MockActivityEnvironment();
    const a = analysis({ metrics: [errorRate({ count: 100 })] });
    env.once('heartbeat', () => env.cancel()); // measuring, and telling the server so
    await expect(runAnalysis({}, { analysis: a, variables: canary('healthy') }, env)).rejects.toBeInstanceOf(CancelledFailure);
  });
});
