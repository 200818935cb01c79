/**
 * A checked release turned into what runs: stages in order, each a list of waves, each wave the targets that run
 * together. Zod-free and pure, so the release workflow can rebuild the stages of runs started before the release
 * check moved to an activity; `expandRelease` (plan/release-expand.ts) checks each target's plan with the schema.
 */
import { API_VERSION } from './api-version';
import type { Release, Stage, StageGate } from './release-schema';
import type { Metadata, Migration, Plan } from './schema';

/** A target's plan document, as the release writes it before any schema check, and where it is written. */
export interface TargetDocument {
  doc: { apiVersion: string; metadata: Metadata; target: Record<string, unknown>; strategy: unknown };
  stageIndex: number;
  targetIndex: number;
  entry: Stage['targets'][number];
}

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

/** The stages of `release`; `planOf` turns a target's document into its plan, or undefined to leave it out. */
export function planStages(release: Release, planOf: (target: TargetDocument) => Plan | undefined): PlannedStage[] {
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
        ...(release.metadata.commit ? { commit: release.metadata.commit } : {}),
      };
      const doc = { apiVersion: API_VERSION, metadata, target: overrideTarget(component.target, entry.target), strategy };
      const plan = planOf({ doc, stageIndex: i, targetIndex: j, entry });
      if (!plan) return undefined;
      return {
        stage: stage.name,
        name: entry.name ?? entry.component,
        component: entry.component,
        after: component.after,
        workflowId: deploymentWorkflowId(metadata.service, metadata.environment),
        plan,
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
  return stages;
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

/**
 * The component's target with the stage's fields in place of its own; a field set to null is removed (as in a JSON
 * merge patch), e.g. the loadBalancer of a service pair for a stage that deploys the same service as a rolling update.
 */
function overrideTarget(target: Record<string, unknown>, fields: Record<string, unknown> = {}): Record<string, unknown> {
  const merged = { ...target, ...fields };
  for (const [field, value] of Object.entries(fields)) if (value === null) delete merged[field];
  return merged;
}
