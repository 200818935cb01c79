/**
 * Analyses: metric checks whose outcome is passed (the plan continues), failed (rollback) or inconclusive
 * (the plan waits for a person to promote or abort).
 *
 * A metric is measured `count` times, every `interval`, after `initialDelay`. Each measurement is
 * passed / failed / inconclusive (judged by successCondition and failureCondition) or an error (it could not
 * be taken: the provider failed, or the metric is missing). The metric fails once more than `failureLimit`
 * measurements failed or more than `consecutiveErrorLimit` errors came in a row; it is inconclusive once more
 * than `inconclusiveLimit` were inconclusive; otherwise it passes after `count` measurements. Errors are
 * retried at the next interval and do not count toward `count`: a missing metric never passes.
 *
 * Pure zod: imported by workflow code, so no Node built-ins here.
 */
import { z } from 'zod';
import { AwsRegion } from './aws-region';
import { DurationRanges } from './duration-schema';
import { MAX_MEASUREMENTS, MAX_METRICS } from './limits';
import { expandPreset } from './analysis-presets';

// ---- templates ---------------------------------------------------------------------------------------------

/** What queries, URLs, dimensions and alarm names may use as `{{name}}`. */
export const TEMPLATE_VARIABLES = ['service', 'environment', 'release', 'stableVersion', 'canaryVersion'] as const;
export const TEMPLATE_PATTERN = /\{\{\s*([^}\s]*)\s*\}\}/g;

/** A string that may contain `{{service}}`-style variables; blank, or an unknown variable, is an error naming the fix. */
export const templated = (whenBlank = 'must not be empty') =>
  z.string().superRefine((text, ctx) => {
    if (text.trim() === '') {
      ctx.addIssue({ code: 'custom', message: whenBlank });
      return;
    }
    for (const [, name] of text.matchAll(TEMPLATE_PATTERN)) {
      if (!(TEMPLATE_VARIABLES as readonly string[]).includes(name)) {
        ctx.addIssue({
          code: 'custom',
          message: `unknown template variable "{{${name}}}"; use one of ${TEMPLATE_VARIABLES.map((v) => `{{${v}}}`).join(', ')}`,
        });
      }
    }
  });
export const Templated = templated();

// ---- conditions -----------------------------------------------------------------------------------------------

/** One comparison of the measured value with a number: `result < 0.01`, `result >= 2`, `result == 1`. */
export const CONDITION_CLAUSE = /^\s*result\s*(<=|>=|==|!=|<|>)\s*(-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)\s*$/;
/** Comparisons joined by `&&` (binds tighter) and `||`, e.g. `result >= 200 && result < 300`. */
export const CONDITION_OPERATOR = /&&|\|\|/;

export function conditionProblem(text: string): string | undefined {
  const bad = text.split(CONDITION_OPERATOR).find((clause) => !CONDITION_CLAUSE.test(clause));
  if (bad === undefined) return undefined;
  return (
    `"${bad.trim()}" is not a comparison; write "result <op> <number>" with <, <=, >, >=, == or !=, joined by ` +
    `&& or ||, e.g. "result < 0.01" or "result >= 200 && result < 300"`
  );
}

export const Condition = z.string().superRefine((text, ctx) => {
  const problem = conditionProblem(text);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

// ---- providers -------------------------------------------------------------------------------------------------

export const HttpUrl = Templated.refine((s) => /^https?:\/\/\S+$/.test(s), {
  message: 'must be an http:// or https:// URL, e.g. "http://prometheus.monitoring:9090"',
});

/** A PromQL instant query whose result is one number (aggregate it with sum(), max()... to one series). */
export const PrometheusProviderSchema = z.strictObject({
  type: z.literal('prometheus'),
  /** Base URL of the Prometheus HTTP API, e.g. `http://prometheus.monitoring:9090`. */
  address: HttpUrl,
  query: templated(
    'an empty query measures nothing; write a PromQL query that returns one number, e.g. ' +
      'sum(rate(http_requests_total{service="{{service}}",code=~"5.."}[1m]))',
  ),
  /** 100ms... at most 5m. */
  timeout: DurationRanges.requestTimeout.default('10s'),
});

const CloudWatchId = z
  .string()
  .regex(/^[a-z][A-Za-z0-9_]{0,254}$/, 'id must start with a lowercase letter, then letters, digits or "_", e.g. "errors"');

export const MetricStatSchema = z.strictObject({
  metric: z.strictObject({
    namespace: z.string().min(1),
    metricName: z.string().min(1),
    dimensions: z.array(z.strictObject({ name: z.string().min(1), value: Templated })).default([]),
  }),
  /** Seconds per datapoint: 60 or a multiple of 60 for standard-resolution metrics (1, 5, 10, 30 for high resolution). */
  period: z.number().int().min(1).default(60),
  /** Sum, Average, Minimum, Maximum, SampleCount, or a percentile such as p99. */
  stat: z.string().min(1),
  unit: z.string().min(1).optional(),
});

export const MetricDataQuerySchema = z
  .strictObject({
    id: CloudWatchId,
    metricStat: MetricStatSchema.optional(),
    /** Metric math over the other queries' ids, e.g. `errors / invocations`. */
    expression: templated(
      'an empty expression computes nothing; write metric math over the other ids, e.g. "errors / requests"',
    ).optional(),
    label: z.string().optional(),
    period: z.number().int().min(1).optional(),
    /** The one query whose latest value is the result; by default the last query. */
    returnData: z.boolean().optional(),
  })
  .superRefine((q, ctx) => {
    if ((q.metricStat === undefined) === (q.expression === undefined)) {
      ctx.addIssue({
        code: 'custom',
        message: 'a metric data query has either metricStat or expression (metric math), not both or neither',
      });
    }
  });

/** CloudWatch: GetMetricData (metric math allowed) over the last `lookback`, or an alarm's state. */
export const CloudWatchProviderSchema = z
  .strictObject({
    type: z.literal('cloudwatch'),
    region: AwsRegion.optional(),
    metricDataQueries: z.array(MetricDataQuerySchema).min(1, 'give at least one metric data query').optional(),
    /** The alarm's state is the verdict: OK passes, ALARM fails, INSUFFICIENT_DATA is an error (no data). */
    alarmName: templated('alarmName must name a CloudWatch alarm').optional(),
    /** How far back GetMetricData looks for datapoints; the latest one is the result (1s to 15d). */
    lookback: DurationRanges.lookback.default('5m'),
  })
  .superRefine((p, ctx) => {
    if ((p.metricDataQueries === undefined) === (p.alarmName === undefined)) {
      ctx.addIssue({
        code: 'custom',
        message: 'a cloudwatch provider has either metricDataQueries (GetMetricData) or alarmName (alarm state), not both or neither',
      });
      return;
    }
    const queries = p.metricDataQueries ?? [];
    const ids = new Set<string>();
    queries.forEach((q, i) => {
      if (ids.has(q.id))
        ctx.addIssue({
          code: 'custom',
          path: ['metricDataQueries', i, 'id'],
          message: `id "${q.id}" is used twice; give each query its own id`,
        });
      ids.add(q.id);
    });
    if (queries.filter((q) => q.returnData === true).length > 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['metricDataQueries'],
        message: 'mark only one query "returnData: true": its latest value is the result',
      });
    }
  });

/** An HTTP check: the expected status passes; with jsonPath, the number at that path is the result. */
export const HttpProviderSchema = z.strictObject({
  type: z.literal('http'),
  url: HttpUrl,
  expectStatus: z.number().int().min(100).max(599).default(200),
  /** A dotted path into the JSON body, e.g. `checks.errorRate` or `items[0].healthy` (true = 1, false = 0). */
  jsonPath: z
    .string()
    .regex(
      /^[A-Za-z0-9_$-]+(\[\d+\])*(\.[A-Za-z0-9_$-]+(\[\d+\])*)*$/,
      'jsonPath is a dotted path such as "checks.errorRate" or "items[0].value"',
    )
    .optional(),
  timeout: DurationRanges.requestTimeout.default('10s'),
});

export const ProviderSchema = z.discriminatedUnion('type', [PrometheusProviderSchema, CloudWatchProviderSchema, HttpProviderSchema], {
  error: (issue) => (issue.code === 'invalid_union' ? 'unknown metric provider type; use "prometheus", "cloudwatch" or "http"' : undefined),
});

// ---- metrics --------------------------------------------------------------------------------------------------

const Limit = (what: string) => z.number().int(`${what} is a whole number`).min(0, `${what} cannot be negative`);

/** Timing and limits shared by written-out metrics and presets. */
export const MetricTiming = {
  /** Time between measurements: 1s to 24h. */
  interval: DurationRanges.interval.default('1m'),
  /** Measurements to take. Omitted: 1 in a blocking analysis; until the rollout ends in a background one. */
  count: z
    .number()
    .int('count is a whole number')
    .min(1, 'count must be at least 1')
    .max(MAX_MEASUREMENTS, `count is at most ${MAX_MEASUREMENTS}`)
    .optional(),
  initialDelay: DurationRanges.initialDelay.optional(),
  failureLimit: Limit('failureLimit').default(0),
  consecutiveErrorLimit: Limit('consecutiveErrorLimit').default(4),
  inconclusiveLimit: Limit('inconclusiveLimit').default(0),
};

export const MetricName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'metric name must be a simple word such as "error-rate"')
  .max(63);

export const MetricSchema = z
  .strictObject({
    preset: z.undefined().optional(),
    name: MetricName,
    provider: ProviderSchema,
    successCondition: Condition.optional(),
    failureCondition: Condition.optional(),
    ...MetricTiming,
  })
  .superRefine((m, ctx) => {
    const conditions = m.successCondition !== undefined || m.failureCondition !== undefined;
    const p = m.provider;
    if (p.type === 'cloudwatch' && p.alarmName !== undefined) {
      if (conditions)
        ctx.addIssue({
          code: 'custom',
          path: [m.successCondition ? 'successCondition' : 'failureCondition'],
          message: "an alarm's state is the verdict (OK passes, ALARM fails); remove the condition",
        });
    } else if (p.type === 'http' && p.jsonPath === undefined) {
      if (conditions)
        ctx.addIssue({
          code: 'custom',
          path: [m.successCondition ? 'successCondition' : 'failureCondition'],
          message: 'without jsonPath an http check passes on expectStatus; add jsonPath to compare a field of the JSON response',
        });
    } else if (!conditions) {
      ctx.addIssue({
        code: 'custom',
        path: ['failureCondition'],
        message: 'a metric needs successCondition and/or failureCondition, e.g. failureCondition: "result > 0.01"',
      });
    }
  });

// ---- presets ----------------------------------------------------------------------------------------------------

const PromName = z.string().regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, 'must be a Prometheus metric name such as "http_requests_total"');

/** How a service's Prometheus metrics are named and labelled (the defaults follow the usual conventions). */
export const PrometheusPresetArgsSchema = z.strictObject({
  /** Request counter, labelled by version and status code. */
  requests: PromName.default('http_requests_total'),
  /** Request duration histogram (its `_bucket` series), in any unit. */
  latency: PromName.default('http_request_duration_seconds'),
  /** Label matchers that pick the service's series. */
  selector: Templated.default('service="{{service}}"'),
  /** The label holding the version; the canary's series have `{{canaryVersion}}` there, the stable's `{{stableVersion}}`. */
  versionLabel: z
    .string()
    .regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'must be a label name such as "version"')
    .default('version'),
  /** Label matcher that picks failed requests. */
  errors: z.string().min(1).default('code=~"5.."'),
});

/** Which CloudWatch metrics hold a service's requests (the defaults are Lambda's, per alias and executed version). */
export const CloudWatchPresetArgsSchema = z.strictObject({
  namespace: z.string().min(1).default('AWS/Lambda'),
  requests: z.string().min(1).default('Invocations'),
  errors: z.string().min(1).default('Errors'),
  latency: z.string().min(1).default('Duration'),
  /** Dimensions that pick the service, e.g. `{FunctionName: payments-api, Resource: "payments-api:live"}`. */
  dimensions: z.record(z.string().min(1), Templated, {
    error: 'dimensions map names to values, e.g. {FunctionName: payments-api, Resource: "payments-api:live"}',
  }),
  /** The dimension whose value is the version (canary: `{{canaryVersion}}`, stable: `{{stableVersion}}`). */
  versionDimension: z.string().min(1).default('ExecutedVersion'),
});

const PresetProviderSchema = z.discriminatedUnion(
  'type',
  [
    z.strictObject({ type: z.literal('prometheus'), address: HttpUrl, timeout: DurationRanges.requestTimeout.default('10s') }),
    z.strictObject({ type: z.literal('cloudwatch'), region: AwsRegion.optional(), lookback: DurationRanges.lookback.default('5m') }),
  ],
  {
    error: (issue) =>
      issue.code === 'invalid_union' ? 'presets run on "prometheus" or "cloudwatch"; for other checks write the metric out' : undefined,
  },
);

const presetFields = {
  name: MetricName.optional(),
  /** Where the preset's query runs: `{type: prometheus, address}` or `{type: cloudwatch, region}`; no query. */
  provider: PresetProviderSchema,
  /** The window each measurement looks at (PromQL rate window; CloudWatch period). */
  window: DurationRanges.window.default('1m'),
  args: z.record(z.string(), z.unknown()).default({}),
  ...MetricTiming,
};

type PresetArgs = z.infer<typeof PrometheusPresetArgsSchema> | z.infer<typeof CloudWatchPresetArgsSchema>;

/** Checks `args` against the provider's schema and fills in the defaults. */
function withArgs<T extends { provider: { type: 'prometheus' | 'cloudwatch' }; args: Record<string, unknown> }>(
  m: T,
  ctx: z.RefinementCtx,
) {
  const schema = m.provider.type === 'prometheus' ? PrometheusPresetArgsSchema : CloudWatchPresetArgsSchema;
  const parsed = schema.safeParse(m.args);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const message =
        issue.code === 'unrecognized_keys'
          ? `unknown ${m.provider.type} preset argument(s) ${issue.keys.join(', ')}; use ${Object.keys(schema.shape).join(', ')}`
          : issue.message;
      ctx.addIssue({ code: 'custom', path: ['args', ...issue.path], message });
    }
    return z.NEVER;
  }
  return { ...m, args: parsed.data as PresetArgs };
}

/** `preset: error-rate`: the canary's error ratio; above `threshold` (a fraction: 0.01 = 1%) fails. */
export const ErrorRatePresetSchema = z
  .strictObject({
    preset: z.literal('error-rate'),
    threshold: z
      .number()
      .min(0, 'threshold is a fraction from 0 to 1')
      .max(1, 'threshold is a fraction, not a percentage: 0.05 means 5%')
      .default(0.01),
    ...presetFields,
  })
  .transform(withArgs);

/** `preset: latency-p99`: canary p99 latency divided by stable p99; `factor` (2 = doubled) or more fails. */
export const LatencyP99PresetSchema = z
  .strictObject({ preset: z.literal('latency-p99'), factor: z.number().gt(0).default(2), ...presetFields })
  .transform(withArgs);

export type ErrorRatePreset = z.output<typeof ErrorRatePresetSchema>;
export type LatencyP99Preset = z.output<typeof LatencyP99PresetSchema>;
export type PresetMetric = ErrorRatePreset | LatencyP99Preset;

/** One entry of `metrics`: written out in full, or a named preset (`preset: error-rate`). */
export const MetricEntrySchema = z.discriminatedUnion('preset', [MetricSchema, ErrorRatePresetSchema, LatencyP99PresetSchema], {
  error: (issue) =>
    issue.code === 'invalid_union'
      ? 'unknown preset; use "error-rate" or "latency-p99", or leave preset out and write the metric'
      : undefined,
});

// ---- analyses -------------------------------------------------------------------------------------------------

export const AnalysisSchema = z
  .strictObject({
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'analysis name must be a simple word such as "canary-health"')
      .optional(),
    /**
     * Canary steps only: start at this step and keep measuring, without blocking, until the rollout ends; the
     * rollout fails the moment the analysis fails. Metrics without a count then measure until the end.
     */
    background: z.boolean().default(false),
    /** How long an inconclusive result waits for a person to promote or abort; then the rollout aborts. */
    inconclusiveTimeout: DurationRanges.inconclusiveTimeout.default('24h'),
    metrics: z
      .array(MetricEntrySchema)
      .min(1, 'an analysis needs at least one metric, e.g. "- preset: error-rate"')
      .max(MAX_METRICS, `an analysis has at most ${MAX_METRICS} metrics; split it into several analysis steps`),
  })
  .transform((a) => ({
    ...a,
    metrics: a.metrics.map((m): Metric => (m.preset === undefined ? m : expandPreset(m, a.background))),
  }))
  .superRefine((a, ctx) => {
    const seen = new Set<string>();
    a.metrics.forEach((m, i) => {
      if (seen.has(m.name))
        ctx.addIssue({
          code: 'custom',
          path: ['metrics', i, 'name'],
          message: `metric name "${m.name}" is used twice; give each metric its own name`,
        });
      seen.add(m.name);
    });
  });

export type Analysis = z.infer<typeof AnalysisSchema>;
export type Metric = z.infer<typeof MetricSchema>;
export type Provider = z.infer<typeof ProviderSchema>;
export type PrometheusProvider = z.infer<typeof PrometheusProviderSchema>;
export type CloudWatchProvider = z.infer<typeof CloudWatchProviderSchema>;
export type HttpProvider = z.infer<typeof HttpProviderSchema>;
export type MetricDataQuery = z.infer<typeof MetricDataQuerySchema>;
export type AnalysisOutcome = 'passed' | 'failed' | 'inconclusive';
export type MeasurementOutcome = AnalysisOutcome | 'error';

/** How many measurements a metric takes: its count, else 1 in a blocking analysis or no limit in a background one. */
export function measurementCount(metric: Pick<Metric, 'count'>, background: boolean): number {
  return metric.count ?? (background ? Number.POSITIVE_INFINITY : 1);
}
