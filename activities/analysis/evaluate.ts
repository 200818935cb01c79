/**
 * The pure part of analysis: conditions, templates, judging one measurement, and the outcome state machine of
 * a metric and of a whole analysis. No I/O, no clock: table-tested in test/analysis/evaluate.test.ts.
 */
import {
  type AnalysisOutcome,
  CONDITION_CLAUSE,
  type MeasurementOutcome,
  type Metric,
  TEMPLATE_PATTERN,
  conditionProblem,
} from '../../plan/analysis';

// ---- conditions -----------------------------------------------------------------------------------------------

export type Predicate = (result: number) => boolean;

const COMPARE: Record<string, (a: number, b: number) => boolean> = {
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
  '==': (a, b) => a === b,
  '!=': (a, b) => a !== b,
};

/** `result < 0.01`, `result >= 200 && result < 300 || result == 418`: && binds tighter than ||. */
export function parseCondition(text: string): Predicate {
  const problem = conditionProblem(text);
  if (problem) throw new Error(problem);
  const alternatives = text.split('||').map((alt) =>
    alt.split('&&').map((clause) => {
      const [, op, number] = CONDITION_CLAUSE.exec(clause)!;
      const bound = Number(number);
      return (result: number) => COMPARE[op](result, bound);
    }),
  );
  return (result) => alternatives.some((all) => all.every((test) => test(result)));
}

/**
 * One measured value against the metric's conditions (Argo Rollouts' rules): failure wins; with only a success
 * condition, not meeting it fails; with only a failure condition, not meeting it passes; with both, meeting
 * neither is inconclusive. NaN (no data, e.g. 0/0) is an error, never a pass.
 */
export function judge(value: number, metric: Pick<Metric, 'successCondition' | 'failureCondition'>): MeasurementOutcome {
  if (Number.isNaN(value)) return 'error';
  const success = metric.successCondition !== undefined ? parseCondition(metric.successCondition)(value) : undefined;
  const failure = metric.failureCondition !== undefined ? parseCondition(metric.failureCondition)(value) : undefined;
  if (success === undefined && failure === undefined) return 'passed';
  if (failure === true) return 'failed';
  if (success === undefined) return 'passed';
  if (success) return 'passed';
  return failure === undefined ? 'failed' : 'inconclusive';
}

// ---- templates ------------------------------------------------------------------------------------------------

/** Fills `{{service}}`-style variables; an unknown or empty one throws (the measurement is then an error). */
export function renderTemplate(text: string, variables: Record<string, string>): string {
  return text.replace(TEMPLATE_PATTERN, (_, name: string) => {
    const value = variables[name];
    if (value === undefined || value === '') throw new Error(`template variable {{${name}}} has no value here`);
    return value;
  });
}

// ---- the state machine of one metric --------------------------------------------------------------------------

export interface MetricTally {
  /** Measurements that count toward `count`: passed, failed and inconclusive ones (not errors). */
  measured: number;
  passed: number;
  failed: number;
  inconclusive: number;
  errors: number;
  consecutiveErrors: number;
  /** Set once the metric is decided; no more measurements are taken. */
  outcome?: AnalysisOutcome;
}

export interface Limits {
  /** Number.POSITIVE_INFINITY: until the rollout ends (background analyses). */
  count: number;
  failureLimit: number;
  consecutiveErrorLimit: number;
  inconclusiveLimit: number;
}

export const emptyTally = (): MetricTally => ({ measured: 0, passed: 0, failed: 0, inconclusive: 0, errors: 0, consecutiveErrors: 0 });

/** Adds one measurement and decides the metric if its limits say so. Returns a new tally. */
export function tally(t: MetricTally, outcome: MeasurementOutcome, limits: Limits): MetricTally {
  if (t.outcome) return t;
  const next: MetricTally = { ...t };
  if (outcome === 'error') {
    next.errors++;
    next.consecutiveErrors++;
  } else {
    next.measured++;
    next[outcome]++;
    next.consecutiveErrors = 0;
  }
  next.outcome = decide(next, limits);
  return next;
}

/**
 * failed > failureLimit or consecutive errors > consecutiveErrorLimit: failed; inconclusive > limit: inconclusive;
 * count reached: passed.
 */
export function decide(t: MetricTally, limits: Limits): AnalysisOutcome | undefined {
  if (t.failed > limits.failureLimit) return 'failed';
  if (t.consecutiveErrors > limits.consecutiveErrorLimit) return 'failed';
  if (t.inconclusive > limits.inconclusiveLimit) return 'inconclusive';
  if (t.measured >= limits.count) return 'passed';
  return undefined;
}

export function limitsOf(metric: Metric, count: number): Limits {
  return {
    count,
    failureLimit: metric.failureLimit,
    consecutiveErrorLimit: metric.consecutiveErrorLimit,
    inconclusiveLimit: metric.inconclusiveLimit,
  };
}

/** Why a decided metric ended as it did, for the result message and the rollback reason. */
export function explain(name: string, t: MetricTally, limits: Limits): string {
  if (t.consecutiveErrors > limits.consecutiveErrorLimit) {
    return (
      `${name} failed: ${t.consecutiveErrors} measurements in a row could not be taken ` +
      `(consecutiveErrorLimit ${limits.consecutiveErrorLimit})`
    );
  }
  if (t.outcome === 'failed')
    return `${name} failed: ${t.failed} of ${t.measured} measurements failed (failureLimit ${limits.failureLimit})`;
  if (t.outcome === 'inconclusive') {
    return (
      `${name} inconclusive: ${t.inconclusive} of ${t.measured} measurements were inconclusive ` +
      `(inconclusiveLimit ${limits.inconclusiveLimit})`
    );
  }
  if (t.outcome === 'passed') return `${name} passed: ${t.passed} of ${t.measured} passed`;
  return `${name}: ${t.measured} measured so far (${t.failed} failed, ${t.errors} errors)`;
}

// ---- the whole analysis ---------------------------------------------------------------------------------------

export interface MetricState {
  outcome?: AnalysisOutcome;
  /** False for metrics that measure until the rollout ends. */
  bounded: boolean;
}

/**
 * Done when any metric failed (at once: no need to wait for the others), when every metric is decided, or when
 * one is inconclusive and only unbounded metrics still run. The outcome: failed > inconclusive > passed.
 * While not done, the outcome is what it would be if the analysis stopped now (passed unless inconclusive).
 */
export function overall(metrics: MetricState[]): { done: boolean; outcome: AnalysisOutcome } {
  if (metrics.some((m) => m.outcome === 'failed')) return { done: true, outcome: 'failed' };
  const inconclusive = metrics.some((m) => m.outcome === 'inconclusive');
  const running = metrics.filter((m) => m.outcome === undefined);
  const done = running.length === 0 || (inconclusive && running.every((m) => !m.bounded));
  return { done, outcome: inconclusive ? 'inconclusive' : 'passed' };
}
