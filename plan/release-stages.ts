/**
 * A checked release turned into what runs: stages in order, each a list of waves, each wave the targets that run
 * together. Zod-free and pure, so the release workflow can rebuild the stages of runs started before the release
 * check moved to an activity; `expandRelease` (plan/release-expand.ts) checks each target's plan with the schema.
 */
import { API_VERSION } from './api-version';
import type { Release, Stage, StageGate, StageTarget } from './release-schema';
import type { Metadata, Migration, Plan } from './schema';

/** A target's plan document, as the release writes it before any schema check, and where it is written. */
export interface TargetDocument {
  doc: { apiVersion: string; metadata: Metadata; target: Record<string, unknown>; strategy: unknown };
  stageIndex: number;
  targetIndex: number;
  entry: Stage['targets'][number];
}

/** A stage's migration as the release writes it (the component's with the stage's fields), before any schema check. */
export interface MigrationDocument {
  migration: { run: Record<string, unknown>; down?: Record<string, unknown> };
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

/**
 * The stages of `release`; `planOf` turns a target's document into its plan, or undefined to leave it out, and
 * `migrationOf` a stage's migration document into its migration (by default, as it is: checked before).
 */
export function planStages(
  release: Release,
  planOf: (target: TargetDocument) => Plan | undefined,
  migrationOf: (migration: MigrationDocument) => Migration | undefined = ({ migration }) => migration as Migration,
): PlannedStage[] {
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
    // The first target's migration is the stage's (the release rules allow one per stage).
    const [first] = stageMigrations(release.components, stage.targets);
    const checked = first && migrationOf({ migration: first.migration, stageIndex: i, targetIndex: first.index, entry: first.entry });
    const migration = checked && {
      component: first.entry.component,
      migration: checked,
      metadata: { service: release.components[first.entry.component].service, environment, release: release.metadata.version },
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

/**
 * Explicit waves first, in order; a `percent` wave takes unnamed targets until the waves so far hold that share of
 * the stage's targets, rounded up (so a small first wave is one target, not none); the rest last.
 */
export function toWaves<T extends { name: string }>(
  stage: { waves: ReadonlyArray<{ targets: string[] } | { percent: number }> },
  targets: T[],
): T[][] {
  const named = new Set(stage.waves.flatMap((w) => ('targets' in w ? w.targets : [])));
  const unnamed = targets.filter((t) => !named.has(t.name));
  const waves: T[][] = [];
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

/**
 * The migrations a stage's targets bring, in file order, each with its target. A component whose targets in the
 * stage set no `migration` brings its own through each of them; once one of them sets `migration`, only those
 * that do bring one (so one target of a multi-region stage can carry the stage's migration, or null for none).
 */
export function stageMigrations<T extends Pick<StageTarget, 'component' | 'migration'>>(
  components: Record<string, { migration?: unknown }>,
  targets: T[],
): Array<{ index: number; entry: T; migration: MigrationDocument['migration'] }> {
  const overridden = new Set(targets.filter((t) => t.migration !== undefined).map((t) => t.component));
  return targets.flatMap((entry, index) => {
    if (overridden.has(entry.component) && entry.migration === undefined) return [];
    const migration = stageMigration(components, entry);
    return migration ? [{ index, entry, migration }] : [];
  });
}

/**
 * The migration a stage's target brings: the component's, with the target's `migration` fields in place of its own
 * (as `target`'s: null removes a field, `down: null` the down-migration); `migration: null` brings none.
 */
function stageMigration(
  components: Record<string, { migration?: unknown }>,
  entry: Pick<StageTarget, 'component' | 'migration'>,
): MigrationDocument['migration'] | undefined {
  const component = components[entry.component];
  if (!component) return undefined;
  const base = component.migration as MigrationDocument['migration'] | undefined;
  const override = entry.migration;
  if (override === undefined) return base;
  if (override === null) return undefined;
  const run = overrideTarget(base?.run ?? {}, override.run);
  if (override.down === null || (override.down === undefined && !base?.down)) return { run };
  return { run, down: overrideTarget(base?.down ?? {}, override.down) };
}
