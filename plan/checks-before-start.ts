/**
 * What `glidepath validate` and `deploy` check beyond the schema, before anything starts:
 * - analysis intervals of at least 1s (the engine accepts shorter ones, which its own tests use);
 * - no HTTP check or Prometheus address at a link-local or cloud metadata address, unless
 *   GLIDEPATH_ALLOW_LINK_LOCAL_HTTP=true is set here (and on the workers, which check each request too);
 * - the plan as workflow input within MAX_WORKFLOW_INPUT_BYTES: Temporal refuses payloads over 2 MB when the
 *   run starts, so the CLI says so first.
 */
import { parseDuration } from './duration';
import { MAX_WORKFLOW_INPUT_BYTES, kib } from './limits';
import { ALLOW_LINK_LOCAL_ENV, linkLocalAllowed, linkLocalUrlProblem } from './link-local';
import type { PlanIssue } from './plan-error';
import type { Plan, Step } from './schema';
import { formatPath } from './issue-text';

export const MIN_CLI_INTERVAL_MS = 1_000;

function stepsWithPaths(plan: Plan): Array<[Step, (string | number)[]]> {
  const s = plan.strategy;
  if (s.type === 'canary') return s.steps.map((step, i) => [step, ['strategy', 'steps', i]]);
  return [
    ...s.prePromotion.map((step, i): [Step, (string | number)[]] => [step, ['strategy', 'prePromotion', i]]),
    ...s.postPromotion.map((step, i): [Step, (string | number)[]] => [step, ['strategy', 'postPromotion', i]]),
  ];
}

function metricIssues(plan: Plan, env: Record<string, string | undefined>): PlanIssue[] {
  const issues: PlanIssue[] = [];
  for (const [step, at] of stepsWithPaths(plan)) {
    step.analysis?.metrics.forEach((metric, j) => {
      const path = [...at, 'analysis', 'metrics', j];
      if ((parseDuration(metric.interval) ?? 0) < MIN_CLI_INTERVAL_MS) {
        issues.push({
          path: formatPath([...path, 'interval']),
          message: `interval ${metric.interval} is shorter than 1s; measure at most once a second, e.g. interval: 10s`,
        });
      }
      const p = metric.provider;
      const url = p.type === 'http' ? p.url : p.type === 'prometheus' ? p.address : undefined;
      const problem = url === undefined || linkLocalAllowed(env) ? undefined : linkLocalUrlProblem(url);
      if (problem) {
        issues.push({
          path: formatPath([...path, 'provider', p.type === 'http' ? 'url' : 'address']),
          message: `${problem}; a check there would read the worker's own cloud credentials. Point it at the service, or set ${ALLOW_LINK_LOCAL_ENV}=true on the workers and here if this is intended`,
        });
      }
    });
  }
  return issues;
}

function inputSizeIssues(plan: Plan): PlanIssue[] {
  const bytes = new TextEncoder().encode(JSON.stringify(plan)).length;
  if (bytes <= MAX_WORKFLOW_INPUT_BYTES) return [];
  return [
    {
      path: '',
      message: `the plan is ${kib(bytes)} as workflow input, over the ${kib(MAX_WORKFLOW_INPUT_BYTES)} limit: Temporal refuses payloads over 2 MB and the plan is stored twice when the run starts; shorten it (long queries, payloads, aliases expanded many times)`,
    },
  ];
}

export function checksBeforeStart(plan: Plan, env: Record<string, string | undefined> = process.env): PlanIssue[] {
  return [...metricIssues(plan, env), ...inputSizeIssues(plan)];
}
