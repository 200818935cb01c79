/**
 * CloudWatch analyses against moto: GetMetricData (metric data queries, templates in dimensions, the latest
 * datapoint) and alarm state, which moto changes only through SetAlarmState: the test drives it.
 *
 * moto evaluates no arithmetic in metric math (an expression returns the series whose id it names), so the
 * arithmetic itself is CloudWatch's; here the request that carries it is checked, and moto runs the rest.
 */
import { randomUUID } from 'node:crypto';
import {
  CloudWatchClient,
  GetMetricDataCommand,
  PutMetricAlarmCommand,
  PutMetricDataCommand,
  SetAlarmStateCommand,
  type StateValue,
} from '@aws-sdk/client-cloudwatch';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { awsConfig } from '../support/moto';
import { metricDataRequest } from '../../activities/analysis/cloudwatch';
import { analysis, runAnalysis } from './support';

const endpoint = inject('motoEndpoint');
let cw: CloudWatchClient;
const deps = () => ({ cloudwatch: () => new CloudWatchClient(awsConfig(endpoint)) });

beforeAll(() => {
  cw = new CloudWatchClient(awsConfig(endpoint));
});

/** Publishes Errors and Invocations for one function version, `secondsAgo` in the past. */
async function publish(functionName: string, version: string, errors: number, invocations: number, secondsAgo = 20) {
  const Timestamp = new Date(Date.now() - secondsAgo * 1000);
  const Dimensions = [
    { Name: 'FunctionName', Value: functionName },
    { Name: 'ExecutedVersion', Value: version },
  ];
  await cw.send(
    new PutMetricDataCommand({
      Namespace: 'AWS/Lambda',
      MetricData: [
        { MetricName: 'Errors', Dimensions, Timestamp, Value: errors, Unit: 'Count' },
        { MetricName: 'Invocations', Dimensions, Timestamp, Value: invocations, Unit: 'Count' },
      ],
    }),
  );
}

const stat = (id: string, metricName: string) => ({
  id,
  metricStat: {
    metric: {
      namespace: 'AWS/Lambda',
      metricName,
      dimensions: [
        { name: 'FunctionName', value: '{{service}}' },
        { name: 'ExecutedVersion', value: '{{canaryVersion}}' },
      ],
    },
    period: 60,
    stat: 'Sum',
  },
});

describe('cloudwatch metric data', () => {
  it('metric math: the request carries the expression and returns only the result query', () => {
    const queries = [stat('errors', 'Errors'), stat('invocations', 'Invocations'), { id: 'rate', expression: 'errors / invocations' }];
    const a = analysis({
      metrics: [{ name: 'rate', failureCondition: 'result > 0.01', provider: { type: 'cloudwatch', metricDataQueries: queries } }],
    });
    const p = a.metrics[0].provider;
    const request = metricDataRequest(p.type === 'cloudwatch' ? p.metricDataQueries! : [], { service: 'payments-api', canaryVersion: '7' });
    expect(request).toEqual([
      {
        Id: 'errors',
        MetricStat: {
          Metric: {
            Namespace: 'AWS/Lambda',
            MetricName: 'Errors',
            Dimensions: [
              { Name: 'FunctionName', Value: 'payments-api' },
              { Name: 'ExecutedVersion', Value: '7' },
            ],
          },
          Period: 60,
          Stat: 'Sum',
        },
        ReturnData: false,
      },
      expect.objectContaining({ Id: 'invocations', ReturnData: false }),
      { Id: 'rate', Expression: 'errors / invocations', ReturnData: true },
    ]);
  });

  it('moto accepts the metric math request (its expression support is id-only, so the series is named)', async () => {
    const service = `fn-${randomUUID().slice(0, 8)}`;
    await publish(service, '2', 3, 100);
    const out = await cw.send(
      new GetMetricDataCommand({
        MetricDataQueries: metricDataRequest(
          [stat('errors', 'Errors'), stat('invocations', 'Invocations'), { id: 'picked', expression: 'errors' }],
          { service, canaryVersion: '2' },
        ),
        StartTime: new Date(Date.now() - 300_000),
        EndTime: new Date(),
      }),
    );
    expect(out.MetricDataResults?.map((r) => [r.Id, r.Values])).toEqual([['picked', [3]]]);
  });

  it('a low error count passes, a high one fails, each read from the latest datapoint', async () => {
    const service = `fn-${randomUUID().slice(0, 8)}`;
    await publish(service, '2', 0, 200);
    await publish(service, '3', 40, 200);
    const a = analysis({
      name: 'errors',
      metrics: [
        {
          name: 'errors',
          failureCondition: 'result > 5',
          interval: '1s',
          count: 2,
          provider: {
            type: 'cloudwatch',
            lookback: '5m',
            metricDataQueries: [stat('errors', 'Errors'), { id: 'result', expression: 'errors' }],
          },
        },
      ],
    });
    const healthy = await runAnalysis(deps(), { analysis: a, variables: { service, canaryVersion: '2' } });
    expect(healthy.outcome).toBe('passed');
    expect(healthy.measurements.map((m) => [m.outcome, m.value])).toEqual([
      ['passed', 0],
      ['passed', 0],
    ]);
    const failing = await runAnalysis(deps(), { analysis: a, variables: { service, canaryVersion: '3' } });
    expect(failing.outcome).toBe('failed');
    expect(failing.measurements).toEqual([expect.objectContaining({ outcome: 'failed', value: 40 })]);
  });

  it('no datapoints (metric missing, or older than the lookback) is an error and fails past the limit', async () => {
    const service = `fn-${randomUUID().slice(0, 8)}`;
    await publish(service, '2', 1, 100, 600); // 10 minutes ago: outside a 5m lookback
    const a = analysis({
      metrics: [
        {
          name: 'errors',
          failureCondition: 'result > 5',
          interval: '1s',
          consecutiveErrorLimit: 1,
          provider: { type: 'cloudwatch', metricDataQueries: [stat('errors', 'Errors')] },
        },
      ],
    });
    const r = await runAnalysis(deps(), { analysis: a, variables: { service, canaryVersion: '2' } });
    expect(r.outcome).toBe('failed');
    expect(r.measurements.map((m) => m.outcome)).toEqual(['error', 'error']);
    expect(r.measurements[0].message).toMatch(/no data: "errors" has no datapoints in the last 5m/);
  });
});

describe('cloudwatch alarm', () => {
  async function alarm(): Promise<string> {
    const name = `canary-errors-${randomUUID().slice(0, 8)}`;
    await cw.send(
      new PutMetricAlarmCommand({
        AlarmName: name,
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Statistic: 'Sum',
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 5,
        ComparisonOperator: 'GreaterThanThreshold',
      }),
    );
    return name;
  }
  const setState = (name: string, StateValue: StateValue) =>
    cw.send(new SetAlarmStateCommand({ AlarmName: name, StateValue, StateReason: `test set ${StateValue}` }));
  const watch = (alarmName: string, over: Record<string, unknown> = {}) =>
    analysis({ metrics: [{ name: 'alarm', interval: '1s', count: 4, provider: { type: 'cloudwatch', alarmName }, ...over }] });

  it('an alarm that stays OK passes', async () => {
    const name = await alarm();
    const r = await runAnalysis(deps(), { analysis: watch(name) });
    expect(r.outcome).toBe('passed');
    expect(r.measurements.map((m) => [m.outcome, m.value])).toEqual(Array(4).fill(['passed', 0]));
  });

  it('an alarm going into ALARM fails the analysis at the next measurement', async () => {
    const name = await alarm();
    let alarmSetAt = Infinity;
    setTimeout(() => void setState(name, 'ALARM').then(() => (alarmSetAt = Date.now())), 700);
    const r = await runAnalysis(deps(), { analysis: watch(name, { count: 20 }) });
    expect(r.outcome).toBe('failed');
    expect(r.measurements.at(-1)).toMatchObject({
      outcome: 'failed',
      value: 1,
      message: expect.stringContaining('is in ALARM: test set ALARM'),
    });
    expect(r.measurements.slice(0, -1).every((m) => m.outcome === 'passed')).toBe(true);
    expect(r.measurements.filter((m) => Date.parse(m.at) > alarmSetAt).length).toBeLessThanOrEqual(1); // the next one failed
  });

  it('INSUFFICIENT_DATA is an error, not a pass; a missing alarm too', async () => {
    const name = await alarm();
    await setState(name, 'INSUFFICIENT_DATA');
    const r = await runAnalysis(deps(), { analysis: watch(name, { consecutiveErrorLimit: 1 }) });
    expect(r.outcome).toBe('failed');
    expect(r.measurements.map((m) => m.outcome)).toEqual(['error', 'error']);
    expect(r.measurements[0].message).toMatch(/has INSUFFICIENT_DATA/);
    const missing = await runAnalysis(deps(), { analysis: watch('no-such-alarm', { consecutiveErrorLimit: 0 }) });
    expect(missing.measurements[0]).toMatchObject({ outcome: 'error', message: 'no CloudWatch alarm named "no-such-alarm"' });
  });

  it('alarm names take template variables', async () => {
    const name = await alarm();
    const r = await runAnalysis(deps(), { analysis: watch('{{service}}', { count: 1 }), variables: { service: name } });
    expect(r.measurements[0]).toMatchObject({ outcome: 'passed', message: `alarm ${name} is OK` });
  });
});
