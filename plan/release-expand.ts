/**
 * A release file turned into what runs (plan/release-stages.ts), each target's plan checked by the plan schema.
 * Pure: the CLI uses it to validate, the `checkRelease` activity to check a release workflow's input.
 */
import type { z } from 'zod';
import type { RuleIssue } from './release-rules';
import type { Release } from './release-schema';
import { type PlannedStage, planStages } from './release-stages';
import { PlanSchema } from './schema';

export { type PlannedStage, type ReleaseTarget, type StageMigration, deploymentWorkflowId } from './release-stages';

/** The stages of a release with every target's plan checked by the plan schema, and each issue located in the file. */
export function expandRelease(release: Release): { stages: PlannedStage[]; issues: RuleIssue[] } {
  const issues: RuleIssue[] = [];
  const stages = planStages(release, ({ doc, stageIndex, targetIndex, entry }) => {
    const parsed = PlanSchema.safeParse(doc);
    if (parsed.success) return parsed.data;
    issues.push(
      ...parsed.error.issues.map((issue) =>
        locate(issue, stageIndex, targetIndex, entry.component, entry.target, entry.strategy !== undefined),
      ),
    );
    return undefined;
  });
  return { stages, issues };
}

/** Where a plan-schema issue of an expanded target is written in the release file. */
function locate(
  issue: z.core.$ZodIssue,
  stage: number,
  target: number,
  component: string,
  overrides: Record<string, unknown> | undefined,
  ownStrategy: boolean,
): RuleIssue {
  const [head, field, ...rest] = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
  const fromStage =
    (head === 'target' && field !== undefined && overrides && String(field) in overrides) || (head === 'strategy' && ownStrategy);
  const base =
    head === 'target' || head === 'strategy'
      ? fromStage
        ? ['stages', stage, 'targets', target]
        : ['components', component]
      : ['stages', stage, 'targets', target];
  const path = head === 'target' || head === 'strategy' ? [...base, head, ...(field !== undefined ? [field] : []), ...rest] : base;
  const message =
    issue.code === 'unrecognized_keys'
      ? `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}; remove or check the spelling`
      : issue.message.replace(/^Invalid input: /, '');
  return { path, message: head === 'metadata' ? `${issue.path.join('.')}: ${message}` : message };
}

/** One line: each stage with its waves, e.g. `staging [api, worker] → prod [api-eu] [api-us, worker]`. */
export function describeStages(stages: PlannedStage[]): string {
  return stages.map((s) => `${s.name} ${s.waves.map((w) => `[${w.map((t) => t.name).join(', ')}]`).join(' ')}`).join(' → ');
}
