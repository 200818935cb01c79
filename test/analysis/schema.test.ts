/** The analysis part of the plan: presets expand to metrics, mistakes name the field and the fix. */
import { describe, expect, it } from 'vitest';
import { PlanError, validatePlan, validatePlanSchema } from '../../plan/load';
import { AnalysisSchema, measurementCount } from '../../plan/analysis';
import { PlanSchema } from '../../plan/schema';

const plan = (analysis: unknown) => ({
  apiVersion: 'glidepath/v1',
  metadata: { service: 'payments', environment: 'prod', release: 'v2' },
  target: { type: 'lambda', functionName: 'payments-api', alias: 'live', code: { s3Bucket: 'bucket', s3Key: 'k.zip' } },
  strategy: { type: 'canary', steps: [{ setWeight: 10 }, { analysis }] },
});

function problems(analysis: unknown): string[] {
  try {
    validatePlan(plan(analysis));
  } catch (err) {
    if (err instanceof PlanError) return err.issues.map((i) => `${i.path}: ${i.message}`);
    throw err;
  }
  return [];
}

describe('analysis schema', () => {
  it('presets expand to metrics with the seed defaults (1% errors, p99 doubling, 15 × 1m)', () => {
    const a = AnalysisSchema.parse({
      metrics: [
        { preset: 'error-rate', provider: { type: 'prometheus', address: 'http://prometheus:9090' } },
        { preset: 'latency-p99', provider: { type: 'prometheus', address: 'http://prometheus:9090' } },
      ],
    });
    expect(a.metrics.map((m) => [m.name, m.failureCondition, m.interval, m.count])).toEqual([
      ['error-rate', 'result > 0.01', '1m', 15],
      ['latency-p99', 'result >= 2', '1m', 15],
    ]);
    const q = a.metrics[0].provider.type === 'prometheus' ? a.metrics[0].provider.query : '';
    expect(q).toBe(
      '(sum(rate(http_requests_total{service="{{service}}",version="{{canaryVersion}}",code=~"5.."}[1m])) or ' +
        'vector(0)) / sum(rate(http_requests_total{service="{{service}}",version="{{canaryVersion}}"}[1m]))',
    );
  });

  it('preset arguments: thresholds, windows and labels can be changed', () => {
    const a = AnalysisSchema.parse({
      background: true,
      metrics: [
        {
          preset: 'error-rate',
          name: 'errors',
          threshold: 0.005,
          window: '5m',
          provider: { type: 'prometheus', address: 'http://prometheus:9090' },
          args: {
            requests: 'istio_requests_total',
            selector: 'destination_service_name="{{service}}"',
            versionLabel: 'destination_version',
            errors: 'response_code=~"5.*"',
          },
        },
      ],
    });
    const m = a.metrics[0];
    expect(m.failureCondition).toBe('result > 0.005');
    expect(m.count).toBeUndefined(); // background: until the rollout ends
    expect(measurementCount(m, true)).toBe(Number.POSITIVE_INFINITY);
    expect(m.provider.type === 'prometheus' && m.provider.query).toContain(
      'istio_requests_total{destination_service_name="{{service}}",destination_version="{{canaryVersion}}",response_code=~"5.*"}[5m]',
    );
  });

  it('CloudWatch presets use metric math over Lambda metrics per executed version', () => {
    const a = AnalysisSchema.parse({
      metrics: [
        {
          preset: 'error-rate',
          provider: { type: 'cloudwatch', region: 'eu-west-1' },
          args: { dimensions: { FunctionName: 'payments-api', Resource: 'payments-api:live' } },
        },
      ],
    });
    const p = a.metrics[0].provider;
    expect(p.type === 'cloudwatch' && p.metricDataQueries?.map((q) => q.expression ?? q.metricStat?.metric.metricName)).toEqual([
      'Errors',
      'Invocations',
      'errors / requests',
    ]);
    expect(p.type === 'cloudwatch' && p.metricDataQueries?.[0].metricStat?.metric.dimensions).toContainEqual({
      name: 'ExecutedVersion',
      value: '{{canaryVersion}}',
    });
  });

  it.each(['999ms', '1ms'])('an interval of %s is refused by the engine as by the CLI, naming the field and the 1s floor', (interval) => {
    const doc = plan({ metrics: [{ name: 'smoke', provider: { type: 'http', url: 'http://payments.internal/health' }, interval }] });
    const issues = (check: (doc: unknown) => unknown) => {
      try {
        check(doc);
      } catch (err) {
        if (err instanceof PlanError) return err.issues.map((i) => `${i.path}: ${i.message}`);
        throw err;
      }
      return [];
    };
    const expected =
      `strategy.steps[1].analysis.metrics[0].interval: ${interval} is too short: use 1s to 1d ` +
      `(measure at most once a second, e.g. interval: 10s)`;
    expect(issues(validatePlan)).toEqual([expected]);
    expect(issues(validatePlanSchema)).toEqual([expected]); // the engine's own check of a run's input (checkPlan)
  });

  it('a parsed plan parses again to the same value (workflows validate their input)', () => {
    const once = validatePlan(
      plan({
        metrics: [
          { preset: 'latency-p99', provider: { type: 'cloudwatch' }, args: { dimensions: { FunctionName: 'f' } } },
          { name: 'smoke', provider: { type: 'http', url: 'http://{{service}}.internal/health' } },
        ],
      }),
    );
    expect(PlanSchema.parse(JSON.parse(JSON.stringify(once)))).toEqual(once);
  });

  it.each<[string, unknown, RegExp]>([
    ['no metrics', { metrics: [] }, /metrics: an analysis needs at least one metric/],
    [
      'no condition',
      { metrics: [{ name: 'e', provider: { type: 'prometheus', address: 'http://p:9090', query: 'up' } }] },
      /failureCondition: a metric needs successCondition and\/or failureCondition/,
    ],
    [
      'bad condition',
      {
        metrics: [{ name: 'e', failureCondition: 'result > one', provider: { type: 'prometheus', address: 'http://p:9090', query: 'up' } }],
      },
      /failureCondition: "result > one" is not a comparison/,
    ],
    [
      'unknown provider',
      { metrics: [{ name: 'e', failureCondition: 'result > 1', provider: { type: 'datadog' } }] },
      /provider.type: unknown metric provider type; use "prometheus", "cloudwatch" or "http"/,
    ],
    [
      'unknown template variable',
      {
        metrics: [
          {
            name: 'e',
            failureCondition: 'result > 1',
            provider: { type: 'prometheus', address: 'http://p:9090', query: 'up{job="{{servce}}"}' },
          },
        ],
      },
      /provider.query: unknown template variable "\{\{servce\}\}"; use one of \{\{service\}\}/,
    ],
    [
      'address not a URL',
      {
        metrics: [{ name: 'e', failureCondition: 'result > 1', provider: { type: 'prometheus', address: 'prometheus:9090', query: 'up' } }],
      },
      /provider.address: must be an http:\/\/ or https:\/\/ URL/,
    ],
    [
      'unknown preset',
      { metrics: [{ preset: 'cpu', provider: { type: 'prometheus', address: 'http://p:9090' } }] },
      /preset: unknown preset; use "error-rate" or "latency-p99"/,
    ],
    [
      'preset with a query',
      { metrics: [{ preset: 'error-rate', provider: { type: 'prometheus', address: 'http://p:9090', query: 'up' } }] },
      /provider.query: unknown field "query"/,
    ],
    [
      'unknown preset argument',
      { metrics: [{ preset: 'error-rate', provider: { type: 'prometheus', address: 'http://p:9090' }, args: { metric: 'x' } }] },
      /args: unknown prometheus preset argument\(s\) metric; use requests, latency, selector/,
    ],
    [
      'cloudwatch preset without dimensions',
      { metrics: [{ preset: 'error-rate', provider: { type: 'cloudwatch' } }] },
      /args.dimensions: dimensions map names to values/,
    ],
    [
      'alarm with a condition',
      { metrics: [{ name: 'a', successCondition: 'result == 0', provider: { type: 'cloudwatch', alarmName: 'x' } }] },
      /successCondition: an alarm's state is the verdict/,
    ],
    [
      'cloudwatch without queries or alarm',
      { metrics: [{ name: 'a', failureCondition: 'result > 1', provider: { type: 'cloudwatch' } }] },
      /provider: a cloudwatch provider has either metricDataQueries/,
    ],
    [
      'two queries return data',
      {
        metrics: [
          {
            name: 'a',
            failureCondition: 'result > 1',
            provider: {
              type: 'cloudwatch',
              metricDataQueries: [
                { id: 'a', expression: '1', returnData: true },
                { id: 'b', expression: '2', returnData: true },
              ],
            },
          },
        ],
      },
      /mark only one query "returnData: true"/,
    ],
    [
      'duplicate metric names',
      {
        metrics: [
          { preset: 'error-rate', provider: { type: 'prometheus', address: 'http://p:9090' } },
          { preset: 'error-rate', provider: { type: 'prometheus', address: 'http://p:9090' } },
        ],
      },
      /metrics\[1\].name: metric name "error-rate" is used twice/,
    ],
    [
      'negative limit',
      { metrics: [{ name: 'h', failureLimit: -1, provider: { type: 'http', url: 'http://x' } }] },
      /failureLimit: failureLimit cannot be negative/,
    ],
    [
      'http condition without jsonPath',
      { metrics: [{ name: 'h', successCondition: 'result == 200', provider: { type: 'http', url: 'http://x' } }] },
      /without jsonPath an http check passes on expectStatus/,
    ],
  ])('%s', (_, analysis, expected) => {
    expect(problems(analysis).join('\n')).toMatch(expected);
  });
});
