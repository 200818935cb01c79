/**
 * What `glidepath validate` and `deploy` check beyond the schema, before anything starts, for a plan and for
 * every plan a release expands to:
 * - no HTTP check or Prometheus address at a link-local or cloud metadata address, unless
 *   GLIDEPATH_ALLOW_LINK_LOCAL_HTTP=true is set here (and on the workers, which check each request too);
 * - the plan as workflow input within MAX_WORKFLOW_INPUT_BYTES: Temporal refuses payloads over 2 MB when the
 *   run starts, so the CLI says so first.
 * The engine's own input checks (the `checkPlan` and `checkRelease` activities) leave these out: the workers
 * judge addresses by their own setting, when they make the request.
 */
import type { Analysis } from './analysis';
import { formatPath } from './issue-list';
import { MAX_WORKFLOW_INPUT_BYTES, kib } from './limits';
import { ALLOW_LINK_LOCAL_ENV, linkLocalAllowed, linkLocalUrlProblem } from './link-local';
import type { PlanIssue } from './plan-error';
import type { Plan, Step } from './schema';

type Env = Record<string, string | undefined>;

/** An issue with its field as path segments, so a release can say where in its own file the field is written. */
export interface BeforeStartIssue {
  path: (string | number)[];
  message: string;
}

function stepsWithPaths(plan: Plan): Array<[Step, (string | number)[]]> {
  const s = plan.strategy;
  if (s.type === 'canary') return s.steps.map((step, i) => [step, ['strategy', 'steps', i]]);
  return [
    ...s.prePromotion.map((step, i): [Step, (string | number)[]] => [step, ['strategy', 'prePromotion', i]]),
    ...s.postPromotion.map((step, i): [Step, (string | number)[]] => [step, ['strategy', 'postPromotion', i]]),
  ];
}

/** The link-local refusal for one analysis (a step's, or a release gate's) written at `at`. */
export function analysisIssues(analysis: Analysis, at: (string | number)[], env: Env = process.env): BeforeStartIssue[] {
  if (linkLocalAllowed(env)) return [];
  return analysis.metrics.flatMap((metric, j) => {
    const p = metric.provider;
    const url = p.type === 'http' ? p.url : p.type === 'prometheus' ? p.address : undefined;
    const problem = url === undefined ? undefined : linkLocalUrlProblem(url);
    if (!problem) return [];
    return [
      {
        path: [...at, 'metrics', j, 'provider', p.type === 'http' ? 'url' : 'address'],
        message:
          `${problem}; a check there would read the worker's own cloud credentials. Point it at the ` +
          `service, or set ${ALLOW_LINK_LOCAL_ENV}=true on the workers and here if this is intended`,
      },
    ];
  });
}

/** Temporal's payload limit, for any workflow input (a plan, a release). */
export function inputSizeIssues(input: unknown, what = 'plan'): BeforeStartIssue[] {
  const bytes = new TextEncoder().encode(JSON.stringify(input)).length;
  if (bytes <= MAX_WORKFLOW_INPUT_BYTES) return [];
  return [
    {
      path: [],
      message:
        `the ${what} is ${kib(bytes)} as workflow input, ` +
        `over the ${kib(MAX_WORKFLOW_INPUT_BYTES)} limit: Temporal refuses payloads over 2 MB ` +
        `and the ${what} is stored twice when the run starts; shorten it (long queries, payloads, aliases expanded many times)`,
    },
  ];
}

/** The checks of one plan, with paths as segments. */
export function planIssues(plan: Plan, env: Env = process.env): BeforeStartIssue[] {
  return [
    ...stepsWithPaths(plan).flatMap(([step, at]) => (step.analysis ? analysisIssues(step.analysis, [...at, 'analysis'], env) : [])),
    ...inputSizeIssues(plan),
  ];
}

export function checksBeforeStart(plan: Plan, env: Env = process.env): PlanIssue[] {
  return planIssues(plan, env).map((i) => ({ path: formatPath(i.path), message: i.message }));
}
