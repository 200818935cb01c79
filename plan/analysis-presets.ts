/**
 * Named presets a plan can use instead of writing metrics out: the defaults users expect (revert if the error
 * rate exceeds 1% or p99 latency doubles; monitor for 15 minutes at a 1-minute interval).
 *
 * - `error-rate`: the canary's failed-request ratio; `result > threshold` (default 0.01) fails.
 * - `latency-p99`: canary p99 latency / stable p99 latency; `result >= factor` (default 2) fails.
 *
 * Each expands into an ordinary metric when the plan is parsed. Pure: imported by workflow code.
 */
import { durationMs } from './duration';
import type { Metric, MetricDataQuery, PresetMetric } from './analysis';
import type { z } from 'zod';
import type { CloudWatchPresetArgsSchema, PrometheusPresetArgsSchema } from './analysis';

type PrometheusArgs = z.output<typeof PrometheusPresetArgsSchema>;
type CloudWatchArgs = z.output<typeof CloudWatchPresetArgsSchema>;

/** A blocking preset measures this many times (15 minutes at the default 1-minute interval). */
export const PRESET_COUNT = 15;

export function expandPreset(preset: PresetMetric, background: boolean): Metric {
  const base = {
    name: preset.name ?? preset.preset,
    interval: preset.interval,
    count: preset.count ?? (background ? undefined : PRESET_COUNT),
    initialDelay: preset.initialDelay,
    failureLimit: preset.failureLimit,
    consecutiveErrorLimit: preset.consecutiveErrorLimit,
    inconclusiveLimit: preset.inconclusiveLimit,
  };
  const failureCondition = preset.preset === 'error-rate' ? `result > ${preset.threshold}` : `result >= ${preset.factor}`;
  const p = preset.provider;
  if (p.type === 'prometheus') {
    const args = preset.args as PrometheusArgs;
    const query = preset.preset === 'error-rate' ? promErrorRate(args, preset.window) : promLatencyRatio(args, preset.window);
    return strip({ ...base, provider: { type: 'prometheus', address: p.address, query, timeout: p.timeout }, failureCondition });
  }
  const args = preset.args as CloudWatchArgs;
  const metricDataQueries = preset.preset === 'error-rate' ? cwErrorRate(args, preset.window) : cwLatencyRatio(args, preset.window);
  return strip({
    ...base,
    provider: { type: 'cloudwatch', ...(p.region ? { region: p.region } : {}), metricDataQueries, lookback: p.lookback },
    failureCondition,
  });
}

// ---- Prometheus -----------------------------------------------------------------------------------------------

function matchers(args: PrometheusArgs, version: 'canaryVersion' | 'stableVersion', extra?: string): string {
  return [args.selector, `${args.versionLabel}="{{${version}}}"`, extra].filter((m) => m?.trim()).join(',');
}

/** Failed / all requests of the canary; no failed series at all counts as 0, no requests at all is "no data". */
function promErrorRate(args: PrometheusArgs, window: string): string {
  const failed = `sum(rate(${args.requests}{${matchers(args, 'canaryVersion', args.errors)}}[${window}]))`;
  const all = `sum(rate(${args.requests}{${matchers(args, 'canaryVersion')}}[${window}]))`;
  return `(${failed} or vector(0)) / ${all}`;
}

function promLatencyRatio(args: PrometheusArgs, window: string): string {
  const p99 = (version: 'canaryVersion' | 'stableVersion') =>
    `histogram_quantile(0.99, sum by (le) (rate(${args.latency}_bucket{${matchers(args, version)}}[${window}])))`;
  return `${p99('canaryVersion')} / ${p99('stableVersion')}`;
}

// ---- CloudWatch -----------------------------------------------------------------------------------------------

/** A CloudWatch period for a window: whole minutes from 60s up, else a high-resolution period. */
function period(window: string): number {
  const seconds = Math.max(1, Math.round(durationMs(window) / 1000));
  if (seconds >= 60) return Math.round(seconds / 60) * 60;
  return [1, 5, 10, 30].reverse().find((p) => p <= seconds) ?? 1;
}

function stat(
  args: CloudWatchArgs,
  id: string,
  metricName: string,
  statistic: string,
  version: 'canaryVersion' | 'stableVersion',
  window: string,
): MetricDataQuery {
  const dimensions = [
    ...Object.entries(args.dimensions).map(([name, value]) => ({ name, value })),
    { name: args.versionDimension, value: `{{${version}}}` },
  ];
  return {
    id,
    metricStat: { metric: { namespace: args.namespace, metricName, dimensions }, period: period(window), stat: statistic },
    returnData: false,
  };
}

function cwErrorRate(args: CloudWatchArgs, window: string): MetricDataQuery[] {
  return [
    stat(args, 'errors', args.errors, 'Sum', 'canaryVersion', window),
    stat(args, 'requests', args.requests, 'Sum', 'canaryVersion', window),
    { id: 'errorRate', expression: 'errors / requests', label: 'canary error rate', returnData: true },
  ];
}

function cwLatencyRatio(args: CloudWatchArgs, window: string): MetricDataQuery[] {
  return [
    stat(args, 'canary', args.latency, 'p99', 'canaryVersion', window),
    stat(args, 'stable', args.latency, 'p99', 'stableVersion', window),
    { id: 'ratio', expression: 'canary / stable', label: 'canary p99 / stable p99', returnData: true },
  ];
}

/** Drops undefined fields, so a parsed plan re-parses to the same value (workflows validate their input again). */
function strip<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
