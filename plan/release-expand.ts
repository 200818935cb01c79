/**
 * A release file turned into what runs (plan/release-stages.ts), each target's plan checked by the plan schema
 * and, for the CLI, by the same checks before start as a plan file (plan/checks-before-start.ts).
 * Pure: the CLI uses it to validate, the `checkRelease` activity to check a release workflow's input.
 */
import type { z } from 'zod';
import { analysisIssues, inputSizeIssues, planIssues } from './checks-before-start';
import { formatPath } from './issue-list';
import type { RuleIssue } from './release-rules';
import type { Release } from './release-schema';
import { type PlannedStage, type TargetDocument, planStages } from './release-stages';
import { MigrationSchema, PlanSchema } from './schema';

export { type PlannedStage, type ReleaseTarget, type StageMigration, deploymentWorkflowId } from './release-stages';

export interface ExpandOptions {
  /**
   * Where the CLI runs (its GLIDEPATH_ALLOW_LINK_LOCAL_HTTP): also run the checks before start on every plan
   * the release expands to, its gates' analyses, and the release itself as workflow input. The engine's own
   * check (`checkRelease`) leaves them out, as it does for plans: workers judge addresses when they connect.
   */
  beforeStart?: Record<string, string | undefined>;
}

/** The stages of a release with every target's plan checked, and each issue located in the file. */
export function expandRelease(release: Release, options: ExpandOptions = {}): { stages: PlannedStage[]; issues: RuleIssue[] } {
  const issues: RuleIssue[] = [];
  const env = options.beforeStart;
  const stages = planStages(
    release,
    (target) => {
      const parsed = PlanSchema.safeParse(target.doc);
      if (!parsed.success) {
        issues.push(...parsed.error.issues.map((issue) => locateSchemaIssue(issue, target)));
        return undefined;
      }
      if (env) issues.push(...planIssues(parsed.data, env).map((issue) => ({ path: locate(issue.path, target), message: issue.message })));
      return parsed.data;
    },
    ({ migration, stageIndex, targetIndex, entry }) => {
      const parsed = MigrationSchema.safeParse(migration);
      if (parsed.success) return parsed.data;
      issues.push(...parsed.error.issues.map((issue) => locateMigration(issue, stageIndex, targetIndex, entry, release)));
      return undefined;
    },
  );
  if (env) {
    release.stages.forEach((stage, i) => {
      if (stage.gate?.analysis) issues.push(...analysisIssues(stage.gate.analysis, ['stages', i, 'gate', 'analysis'], env));
    });
    issues.push(...inputSizeIssues(release, 'release'));
  }
  // A component's strategy serves every stage that deploys it: say each problem once.
  const unique = new Map(issues.map((i) => [`${formatPath(i.path)}\n${i.message}`, i]));
  return { stages, issues: [...unique.values()] };
}

function locateSchemaIssue(issue: z.core.$ZodIssue, target: TargetDocument): RuleIssue {
  const segments = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
  const message =
    issue.code === 'unrecognized_keys'
      ? `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}; remove or check the spelling`
      : issue.message.replace(/^Invalid input: /, '');
  return { path: locate(segments, target), message: segments[0] === 'metadata' ? `${segments.join('.')}: ${message}` : message };
}

/** Where a field of an expanded target's plan is written in the release file. */
function locate(segments: (string | number)[], { stageIndex, targetIndex, entry }: TargetDocument): (string | number)[] {
  const [head, field, ...rest] = segments;
  const inTarget = ['stages', stageIndex, 'targets', targetIndex];
  if (head !== 'target' && head !== 'strategy') return inTarget;
  const overrides = entry.target as Record<string, unknown> | undefined;
  const fromStage =
    (head === 'target' && field !== undefined && overrides !== undefined && String(field) in overrides) ||
    (head === 'strategy' && entry.strategy !== undefined);
  return [...(fromStage ? inTarget : ['components', entry.component]), head, ...(field !== undefined ? [field] : []), ...rest];
}

/**
 * Where an issue of a stage's migration is written: the stage's override if it sets the field or changes the task's
 * type, else the component's migration.
 */
function locateMigration(
  issue: z.core.$ZodIssue,
  stage: number,
  target: number,
  entry: Release['stages'][number]['targets'][number],
  release: Release,
): RuleIssue {
  const issuePath = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
  const [task, field] = issuePath;
  const base = release.components[entry.component]?.migration;
  const baseTask: Record<string, unknown> | undefined = task === 'down' ? base?.down : base?.run;
  const override = entry.migration?.[task as 'run' | 'down'] ?? undefined;
  const retyped = override?.type !== undefined && override.type !== baseTask?.type;
  const fromStage = !baseTask || retyped || (override !== undefined && (field === undefined || String(field) in override));
  const path = [...(fromStage ? ['stages', stage, 'targets', target] : ['components', entry.component]), 'migration', ...issuePath];
  return { path, message: migrationMessage(issue, entry.component, String(task), baseTask, override) };
}

function migrationMessage(
  issue: z.core.$ZodIssue,
  component: string,
  task: string,
  baseTask: Record<string, unknown> | undefined,
  override: Record<string, unknown> | undefined,
): string {
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((k) => `"${k}"`).join(', ');
    const inherited = baseTask && issue.keys.every((k) => k in baseTask && !(override && k in override));
    return inherited
      ? `${keys} ${issue.keys.length > 1 ? 'are' : 'is'} components.${component}.migration.${task}'s ` +
          `and ${issue.keys.length > 1 ? 'do' : 'does'} not belong to a task of type ${String(override?.type)}; ` +
          `set ${issue.keys.length > 1 ? 'them' : 'it'} to null here`
      : `unknown field${issue.keys.length > 1 ? 's' : ''} ${keys}; remove or check the spelling`;
  }
  if (issue.code === 'invalid_type' && /received undefined/.test(issue.message)) return 'is required';
  return issue.message.replace(/^Invalid input: /, '');
}

/** One line: each stage with its waves, e.g. `staging [api, worker] → prod [api-eu] [api-us, worker]`. */
export function describeStages(stages: PlannedStage[]): string {
  return stages.map((s) => `${s.name} ${s.waves.map((w) => `[${w.map((t) => t.name).join(', ')}]`).join(' ')}`).join(' → ');
}
