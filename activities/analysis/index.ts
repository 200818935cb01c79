/**
 * The `runAnalysis` activity: measures every metric `count` times, every `interval`, after `initialDelay`;
 * heartbeats while it waits; stops as soon as the outcome is decided (a failure ends it at once); returns every
 * measurement taken (value, time, outcome).
 *
 * Long and background analyses run in chunks: with `returnAfterMs` the call returns `done: false` and its
 * `progress`, which the next call continues from. A retried attempt continues from its last heartbeat.
 */
import { Context } from '@temporalio/activity';
import { type AnalysisOutcome, type MeasurementOutcome, type Metric, type Provider, measurementCount } from '../../plan/analysis';
import { durationMs } from '../../plan/duration';
import type { AnalysisInput, AnalysisResult, MeasurementRecord } from '../types';
import { type CloudWatchClients, measureCloudWatch } from './cloudwatch';
import type { AnalysisProgress } from './progress';
import { emptyTally, explain, judge, limitsOf, overall, tally } from './evaluate';
import { beatingWhile } from '../poll';
import { measureHttp } from './http';
import { measurePrometheus } from './prometheus';
import type { ProviderIO, Reading } from './reading';
import type { Resolve } from './address-guard';

export { type CloudWatchClients, defaultCloudWatchClients } from './cloudwatch';

export interface AnalyzerDependencies {
  /** CloudWatch clients per region; without them, cloudwatch metrics are errors. */
  cloudwatch?: CloudWatchClients;
  /** How Prometheus and HTTP checks resolve host names (default: the system's resolver; tests pass their own). */
  resolve?: Resolve;
  /** Longest wait between heartbeats (default 5s; the activity's heartbeat timeout is 30s). */
  heartbeatEveryMs?: number;
}

export type { AnalysisProgress, MetricProgress } from './progress';

export type AnalysisRunInput = AnalysisInput;
export type AnalysisRunResult = AnalysisResult;

interface Heartbeat {
  progress: AnalysisProgress;
  measurements: MeasurementRecord[];
}

export function createAnalyzer(deps: AnalyzerDependencies = {}): (input: AnalysisRunInput) => Promise<AnalysisRunResult> {
  // Every 2s: five beats within the 10s heartbeat timeout (workflows/activities.ts), so a busy worker is not taken for a lost one.
  const heartbeatEveryMs = deps.heartbeatEveryMs ?? 2_000;

  async function read(provider: Provider, variables: Record<string, string>, io: ProviderIO): Promise<Reading> {
    switch (provider.type) {
      case 'prometheus':
        return measurePrometheus(provider, variables, io);
      case 'http':
        return measureHttp(provider, variables, io);
      case 'cloudwatch':
        if (!deps.cloudwatch) throw new Error('this worker has no CloudWatch client configured');
        return measureCloudWatch(provider, variables, { ...io, clients: deps.cloudwatch });
    }
  }

  async function measure(
    analysis: string,
    metric: Metric,
    variables: Record<string, string>,
    signal: AbortSignal,
  ): Promise<MeasurementRecord> {
    const at = new Date().toISOString();
    try {
      const reading = await read(metric.provider, variables, { signal, resolve: deps.resolve });
      const outcome: MeasurementOutcome = reading.verdict ?? (reading.value === undefined ? 'error' : judge(reading.value, metric));
      const message = reading.message ?? describe(metric, reading.value, outcome);
      return { analysis, metric: metric.name, ...(finite(reading.value) ? { value: reading.value } : {}), outcome, at, message };
    } catch (err) {
      return { analysis, metric: metric.name, outcome: 'error', at, message: (err as Error).message ?? String(err) };
    }
  }

  return async function analyze(input: AnalysisRunInput): Promise<AnalysisRunResult> {
    const ctx = Context.current();
    const { analysis, variables } = input;
    const name = input.name ?? analysis.name ?? 'analysis';
    const callStarted = Date.now();
    const returnAt = input.returnAfterMs === undefined ? Number.POSITIVE_INFINITY : callStarted + input.returnAfterMs;
    const resumed = ctx.info.heartbeatDetails as Heartbeat | undefined;
    const measurements: MeasurementRecord[] = resumed?.measurements ?? [];
    const progress: AnalysisProgress = resumed?.progress ?? input.progress ?? start(analysis.metrics, callStarted);
    const count = (m: Metric) => measurementCount(m, analysis.background);
    const state = () =>
      overall(analysis.metrics.map((m) => ({ outcome: progress.metrics[m.name].outcome, bounded: Number.isFinite(count(m)) })));
    const beat = () => ctx.heartbeat({ progress, measurements } satisfies Heartbeat);

    for (;;) {
      const now = state();
      if (now.done || Date.now() >= returnAt) return result(name, analysis.metrics, count, progress, measurements, now);
      const running = analysis.metrics.filter((m) => progress.metrics[m.name].outcome === undefined);
      const due = Math.min(...running.map((m) => progress.metrics[m.name].nextAt));
      // Sleep in short slices, heartbeating: a lost worker is noticed, and cancellation ends the sleep.
      while (Date.now() < Math.min(due, returnAt)) {
        beat();
        await ctx.sleep(Math.min(heartbeatEveryMs, Math.min(due, returnAt) - Date.now()));
      }
      if (Date.now() < due) continue;
      const dueNow = running.filter((m) => progress.metrics[m.name].nextAt <= Date.now());
      const taken = await beatingWhile(beat, heartbeatEveryMs, () =>
        Promise.all(dueNow.map((m) => measure(name, m, variables, ctx.cancellationSignal))),
      );
      for (const [i, m] of dueNow.entries()) {
        const record = taken[i];
        const p = progress.metrics[m.name];
        const next = tally(p, record.outcome, limitsOf(m, count(m)));
        progress.metrics[m.name] = { ...next, nextAt: Math.max(p.nextAt + durationMs(m.interval), Date.now()) };
        measurements.push(record);
      }
      beat();
    }
  };
}

function start(metrics: Metric[], now: number): AnalysisProgress {
  return {
    startedAt: new Date(now).toISOString(),
    metrics: Object.fromEntries(
      metrics.map((m) => [m.name, { ...emptyTally(), nextAt: now + (m.initialDelay ? durationMs(m.initialDelay) : 0) }]),
    ),
  };
}

function result(
  _name: string,
  metrics: Metric[],
  count: (m: Metric) => number,
  progress: AnalysisProgress,
  measurements: MeasurementRecord[],
  state: { done: boolean; outcome: AnalysisOutcome },
): AnalysisRunResult {
  const reasons = metrics
    .filter((m) => (state.outcome === 'passed' ? true : progress.metrics[m.name].outcome === state.outcome))
    .map((m) => explain(m.name, progress.metrics[m.name], limitsOf(m, count(m))));
  const failing = measurements.filter((r) => r.outcome === 'failed' || r.outcome === 'error').slice(-3);
  const evidence =
    state.outcome === 'failed' && failing.length ? ` (latest: ${failing.map((r) => `${r.metric} ${r.message}`).join('; ')})` : '';
  const prefix = state.done ? '' : 'so far: ';
  return { outcome: state.outcome, done: state.done, progress, measurements, message: `${prefix}${reasons.join('; ')}${evidence}` };
}

function describe(metric: Metric, value: number | undefined, outcome: MeasurementOutcome): string {
  const shown = value === undefined ? 'no value' : String(value);
  const conditions = [
    metric.failureCondition ? `failureCondition ${metric.failureCondition}` : '',
    metric.successCondition ? `successCondition ${metric.successCondition}` : '',
  ].filter(Boolean);
  return `${shown}: ${outcome}${conditions.length ? ` (${conditions.join(', ')})` : ''}`;
}

const finite = (v: number | undefined): v is number => v !== undefined && Number.isFinite(v);
