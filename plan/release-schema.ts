/**
 * The release file: one version of a system through its environments (stages) and across many targets.
 * Pure zod, shared by the CLI and the release workflow. Cross-field rules (unknown components, cycles, waves,
 * migrations) are in release-rules.ts; each target's plan is checked with the plan schema in release-expand.ts.
 */
import { z } from 'zod';
import { AnalysisSchema } from './analysis';
import { Duration } from './duration-schema';
import { checkReleaseRules } from './release-rules';
import { checkReleaseSecrets } from './release-secrets';
import { RELEASE_KIND } from './api-version';
import { API_VERSION, ApprovalSchema, CommitSchema, MigrationSchema, StrategySchema } from './schema';
import { TargetSchema } from './targets';

export { RELEASE_KIND } from './api-version';

const name = (what: string, example: string) =>
  z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, `${what} must be lowercase letters, digits and '-', e.g. "${example}"`)
    .max(63);

export const ReleaseMetadataSchema = z.strictObject({
  /** The system released as a whole; its name is the release's lock (one release per system at a time). */
  system: name('system', 'shop'),
  /** The version every component is released at; `{{version}}` in the file is replaced by it. */
  version: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$/, 'version must be a version or build id such as "v1.4.2" or "2026.11.23-1"'),
  commit: CommitSchema.optional(),
  requestedBy: z.string().min(1).optional(),
});

export const ComponentSchema = z.strictObject({
  /** The service name its deployments carry: `deploy:<service>/<environment>`. */
  service: name('service', 'shop-api'),
  target: TargetSchema,
  strategy: StrategySchema,
  /**
   * Runs once per stage that deploys this component, before any traffic of that stage moves. A stage's target may
   * override it (its migration field); two stages may not run the same task (it would migrate one database twice).
   */
  migration: MigrationSchema.optional(),
  /** Components whose targets of the same wave must be in place first (e.g. the worker after the API). */
  after: z.array(z.string()).default([]),
});

export const StageTargetSchema = z.strictObject({
  component: z.string().min(1),
  /** How waves name this target; default: the component's name. Unique within the stage. */
  name: name('target name', 'api-eu').optional(),
  /** The environment of this target's deployment; default: the stage's. Two targets of one service need two. */
  environment: name('environment', 'prod-eu').optional(),
  /** Fields that replace the component's target fields here (another function, cluster, region...); null removes one. */
  target: z.record(z.string(), z.unknown()).optional(),
  /** Another strategy for this target (e.g. rolling in staging, canary in prod). */
  strategy: StrategySchema.optional(),
  /**
   * This stage's migration in place of the component's (another function, cluster, namespace or environment: the
   * one that reaches this stage's database). run's and down's fields replace the component's, as target's do; null
   * removes a field, down: null the down-migration, and migration: null the migration in this stage.
   */
  migration: z
    .strictObject({
      run: z.record(z.string(), z.unknown()).optional(),
      down: z.record(z.string(), z.unknown()).nullable().optional(),
    })
    .nullable()
    .optional(),
});

export const WaveSchema = z.union(
  [
    z.strictObject({ targets: z.array(z.string()).min(1, 'a wave names at least one target') }),
    z.strictObject({ percent: z.number().int().min(1).max(100) }),
  ],
  { error: "a wave is { targets: [names] } or { percent: 1-100 } (cumulative share of the stage's targets, rounded up)" },
);

export const StageGateSchema = z.strictObject({
  /** Time that must pass after the stage is promoted before the next stage starts. */
  soak: Duration.optional(),
  /** A person approves the next stage. */
  approval: ApprovalSchema.optional(),
  /**
   * Measures the promoted stage from its promotion on, beside the soak; the next stage starts only once it passed
   * (then the approval, if any). The body of a canary's analysis step, blocking only; its templates may use
   * {{environment}} (the stage's), {{release}} and, in a stage of one service, {{service}}.
   */
  analysis: AnalysisSchema.optional(),
});

export const StageSchema = z.strictObject({
  name: name('stage name', 'staging'),
  /** Default: the stage's name. */
  environment: name('environment', 'prod').optional(),
  targets: z.array(StageTargetSchema).min(1, 'a stage deploys at least one target; add one under targets, e.g. - component: api'),
  /** In order; targets no wave names run in a last wave. Default: one wave with every target. */
  waves: z.array(WaveSchema).default([]),
  /** rollBack (default): a failure rolls back every target of this stage that moved, newest first. halt: keep them. */
  onFailure: z.enum(['rollBack', 'halt']).default('rollBack'),
  /** What must hold before the next stage starts: soak since this stage was promoted, an approval. */
  gate: StageGateSchema.optional(),
});

export const ReleaseSchema = z
  .strictObject({
    apiVersion: z.literal(API_VERSION, { error: `apiVersion must be "${API_VERSION}"` }),
    kind: z.literal(RELEASE_KIND, {
      error: (issue) =>
        issue.input === undefined
          ? `is required: a release file says kind: ${RELEASE_KIND} at the top (without it, glidepath validate reads the file as a plan)`
          : `kind must be "${RELEASE_KIND}"`,
    }),
    metadata: ReleaseMetadataSchema,
    components: z
      .record(name('component name', 'api'), ComponentSchema)
      .refine((c) => Object.keys(c).length > 0, 'a release needs at least one component'),
    stages: z.array(StageSchema).min(1, 'a release needs at least one stage, e.g. - name: staging'),
  })
  .superRefine((release, ctx) => {
    for (const issue of [...checkReleaseRules(release), ...checkReleaseSecrets(release)])
      ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
  });

export type Release = z.infer<typeof ReleaseSchema>;
export type ReleaseInput = z.input<typeof ReleaseSchema>;
export type ReleaseMetadata = z.infer<typeof ReleaseMetadataSchema>;
export type Component = z.infer<typeof ComponentSchema>;
export type Stage = z.infer<typeof StageSchema>;
export type StageTarget = z.infer<typeof StageTargetSchema>;
export type StageGate = z.infer<typeof StageGateSchema>;
