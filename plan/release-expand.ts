/**
 * A release file turned into what runs: stages in order, each a list of waves, each wave the targets that run
 * together, each target a plan checked by the plan schema. Pure: the CLI uses it to validate, the release
 * workflow to run.
 */
import type { z } from 'zod';
import type { RuleIssue } from './release-rules';
import type { Release, Stage, StageGate } from './release-schema';
import { API_VERSION, type Metadata, type Migration, type Plan, PlanSchema } from './schema';

export interface ReleaseTarget {
  stage: string;
  /** The target's name in its stage (waves use it). */
  name: string;
  component: string;
  /** Components (of the same wave) that must be in place before this target starts. */
  after: string[];
  /** `deploy:<service>/<environment>`, the same lock a single plan takes. */
  workflowId: string;
  plan: Plan;
}

export interface StageMigration {
  component: string;
  migration: Migration;
  metadata: Metadata;
}

export interface PlannedStage {
  name: string;
  environment: string;
  onFailure: Stage['onFailure'];
  gate?: StageGate;
  migration?: StageMigration;
  waves: ReleaseTarget[][];
}

/** The workflow ID of one target's deployment, as `starters/client.ts` `deploymentId` names it. */
export const deploymentWorkflowId = (service: string, environment: string) => `deploy:${service}/${environment}`;

export function expandRelease(release: Release): { stages: PlannedStage[]; issues: RuleIssue[] } {
  const issues: RuleIssue[] = [];
  const stages = release.stages.map((stage, i) => {
    const environment = stage.environment ?? stage.name;
    const targets = stage.targets.map((entry, j): ReleaseTarget | undefined => {
      const component = release.components[entry.component];
      if (!component) return undefined;
      const strategy = entry.strategy ?? component.strategy;
      const metadata = {
        service: component.service,
        environment: entry.environment ?? environment,
        release: release.metadata.version,
        ...(release.metadata.requestedBy ? { requestedBy: release.metadata.requestedBy } : {}),
      };
      const doc = { apiVersion: API_VERSION, metadata, target: overrideTarget(component.target, entry.target), strategy };
      const parsed = PlanSchema.safeParse(doc);
      if (!parsed.success) {
        issues.push(
          ...parsed.error.issues.map((issue) => locate(issue, i, j, entry.component, entry.target, entry.strategy !== undefined)),
        );
        return undefined;
      }
      return {
        stage: stage.name,
        name: entry.name ?? entry.component,
        component: entry.component,
        after: component.after,
        workflowId: deploymentWorkflowId(metadata.service, metadata.environment),
        plan: parsed.data,
      };
    });
    const migrating = stage.targets.find((t) => release.components[t.component]?.migration);
    const migration = migrating && {
      component: migrating.component,
      migration: release.components[migrating.component].migration!,
      metadata: { service: release.components[migrating.component].service, environment, release: release.metadata.version },
    };
    return {
      name: stage.name,
      environment,
      onFailure: stage.onFailure,
      gate: stage.gate,
      migration,
      waves: toWaves(
        stage,
        targets.filter((t): t is ReleaseTarget => t !== undefined),
      ),
    };
  });
  return { stages, issues };
}

/**
 * The component's target with the stage's fields in place of its own; a field set to null is removed (as in a JSON
 * merge patch), e.g. the loadBalancer of a service pair for a stage that deploys the same service as a rolling update.
 */
function overrideTarget(target: Record<string, unknown>, fields: Record<string, unknown> = {}): Record<string, unknown> {
  const merged = { ...target, ...fields };
  for (const [field, value] of Object.entries(fields)) if (value === null) delete merged[field];
  return merged;
}

/** Explicit waves first, in order; `percent` waves fill up to that share of the stage's targets; the rest last. */
function toWaves(stage: Stage, targets: ReleaseTarget[]): ReleaseTarget[][] {
  const named = new Set(stage.waves.flatMap((w) => ('targets' in w ? w.targets : [])));
  const unnamed = targets.filter((t) => !named.has(t.name));
  const waves: ReleaseTarget[][] = [];
  let covered = 0;
  for (const wave of stage.waves) {
    if ('targets' in wave) {
      const members = targets.filter((t) => wave.targets.includes(t.name));
      covered += members.length;
      waves.push(members);
    } else {
      const want = Math.ceil((wave.percent / 100) * targets.length) - covered;
      const members = unnamed.splice(0, Math.max(0, want));
      covered += members.length;
      waves.push(members);
    }
  }
  waves.push(unnamed);
  return waves.filter((w) => w.length > 0);
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
