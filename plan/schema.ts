/**
 * The deployment plan: what to release, where, and how traffic moves.
 * Pure zod: imported by the CLI (to validate before anything starts) and by the `checkPlan` activity; workflow
 * code imports its types only (plan/release-stages.ts and workflows/plan-input.ts check what they need by hand).
 */
import { z } from 'zod';
import { DurationRanges } from './duration-schema';
import { AnalysisSchema } from './analysis';
import { refuseDuplicateGateNames } from './gates';
import { MAX_APPROVERS, MAX_NAME_LENGTH, MAX_STEPS } from './limits';
import { checkPlanConsistency } from './plan-consistency';
import { readableText } from './readable-text-schema';
import { MigrationTaskSchema, TargetSchema } from './targets';

export { API_VERSION } from './api-version';
import { API_VERSION } from './api-version';

const dnsLabel = (what: string) =>
  z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, `${what} must be lowercase letters, digits and '-', e.g. "payments"`)
    .max(63);

/** The commit a version was built from; notifications link to `url`. */
export const CommitSchema = z.strictObject({
  sha: z.string().regex(/^[0-9a-f]{7,40}$/, 'commit.sha is a git hash, 7 to 40 hex digits'),
  url: z.url().optional(),
});

export const MetadataSchema = z.strictObject({
  service: dnsLabel('service'),
  environment: dnsLabel('environment'),
  release: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$/, 'release must be a version or build id such as "v1.4.2" or "2026.11.23-1"'),
  /** Who started it (default: the CLI user); shown in status lines and the UI. */
  requestedBy: readableText('requestedBy', MAX_NAME_LENGTH).min(1).optional(),
  /** The commit the release was built from (a release passes its own to every target). */
  commit: CommitSchema.optional(),
});

const Weight = z
  .number({
    error: (issue) =>
      typeof issue.input === 'string'
        ? `expected number, got the text ${JSON.stringify(issue.input)}: write a whole percent without quotes or ` +
          `"%", e.g. setWeight: ${/^\s*\d+\s*%?\s*$/.test(issue.input) ? parseInt(issue.input, 10) : 10}`
        : typeof issue.input === 'number'
          ? `setWeight is a whole percent from 1 to 100, not ${issue.input}`
          : undefined,
  })
  .int({
    error: (issue) =>
      `setWeight must be a whole percentage (whole ` +
      `percent): write ${Math.floor(Number(issue.input))} or ${Math.ceil(Number(issue.input))}, not ${String(issue.input)}`,
  })
  .min(1, 'setWeight must be at least 1')
  .max(100, 'setWeight cannot exceed 100');

export const PauseSchema = z.strictObject(
  {
    /** Soak for this long (more than 0, at most 30d). Without it the plan waits until someone promotes it. */
    duration: DurationRanges.pause.optional(),
  },
  {
    error: (issue) =>
      issue.code === 'invalid_type' && (typeof issue.input === 'string' || typeof issue.input === 'number')
        ? `a pause is a mapping: write pause: { ` +
          `duration: ${typeof issue.input === 'number' ? `${issue.input}s` : issue.input} } to soak, or pause: {} to wait for promote`
        : undefined,
  },
);

export const ApprovalSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'approval name must be a simple word such as "prod-gate"')
    .optional(),
  /** Who may approve or reject. Absent: anyone. An empty list is refused: leave it out, or name someone. */
  approvers: z
    .array(readableText('an approver', MAX_NAME_LENGTH).min(1, 'an approver is a name, not ""'))
    .min(1, 'approvers: [] would be read as "anyone"; leave approvers out to let anyone approve, or name who may, e.g. approvers: [alice]')
    .max(MAX_APPROVERS, `at most ${MAX_APPROVERS} approvers; use a group name the team shares`)
    .optional(),
  /** How long the gate waits (1s to 30d); then onTimeout. */
  timeout: DurationRanges.approvalTimeout.default('24h'),
  onTimeout: z.enum(['abort', 'promote']).default('abort'),
});

const StepFields = {
  setWeight: Weight,
  pause: PauseSchema,
  approval: ApprovalSchema,
  analysis: AnalysisSchema,
};
export type StepKind = keyof typeof StepFields;
const STEP_KINDS = Object.keys(StepFields) as StepKind[];

/** A step is an object with exactly one key, as in `- setWeight: 10` or `- pause: { duration: 5m }`. */
export const StepSchema = z
  .strictObject({
    setWeight: StepFields.setWeight.optional(),
    pause: StepFields.pause.optional(),
    approval: StepFields.approval.optional(),
    analysis: StepFields.analysis.optional(),
  })
  .superRefine((step, ctx) => {
    const kinds = STEP_KINDS.filter((k) => step[k] !== undefined);
    if (kinds.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message:
          kinds.length === 0
            ? `a step needs one of: ${STEP_KINDS.join(', ')}`
            : `a step has exactly one of ${STEP_KINDS.join(', ')}; split ${kinds.join(' and ')} into separate steps`,
      });
    }
  });

/** A gate or check that runs before or after the blue-green switch (no traffic weights there). */
const GateStepSchema = StepSchema.superRefine((step, ctx) => {
  if (step.setWeight !== undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['setWeight'],
      message: 'blue-green switches all traffic at once; use a canary strategy for setWeight',
    });
  }
  if (step.analysis?.background) {
    ctx.addIssue({
      code: 'custom',
      path: ['analysis', 'background'],
      message: 'background analyses run in canary steps; use a blocking analysis here',
    });
  }
});

export const CanarySchema = z.strictObject({
  type: z.literal('canary'),
  steps: z
    .array(StepSchema)
    .min(1, 'a canary needs at least one step, e.g. "- setWeight: 10"')
    .max(
      MAX_STEPS,
      `a plan has at most ${MAX_STEPS} steps, so its history stays far from Temporal's limit; split the rollout into several releases`,
    )
    .superRefine((steps, ctx) => {
      refuseDuplicateGateNames(steps, (i) => [i], ctx);
      let previous = 0;
      steps.forEach((step, i) => {
        if (step.setWeight === undefined) return;
        if (step.setWeight <= previous) {
          ctx.addIssue({
            code: 'custom',
            path: [i, 'setWeight'],
            message: `weights must increase: ${step.setWeight} comes after ${previous}; make each setWeight larger than the one before`,
          });
        }
        previous = Math.max(previous, step.setWeight);
      });
    }),
});

export const BlueGreenSchema = z
  .strictObject({
    type: z.literal('blueGreen'),
    /** Checks and approvals while the new version is reachable only through its preview endpoint. */
    prePromotion: z.array(GateStepSchema).default([]),
    /** Checks after the switch; a failure switches back at once, while the old version is still kept. */
    postPromotion: z.array(GateStepSchema).default([]),
    /** How long the old version stays ready for an instant switch back after promotion (0s to 7d). */
    scaleDownDelay: DurationRanges.scaleDownDelay.default('30s'),
  })
  .superRefine((s, ctx) => {
    const steps = [...s.prePromotion, ...s.postPromotion];
    if (steps.length > MAX_STEPS) {
      ctx.addIssue({
        code: 'custom',
        path: ['postPromotion'],
        message:
          `prePromotion and postPromotion have ${steps.length} steps together; ` +
          `at most ${MAX_STEPS}, so the history stays far from Temporal's limit`,
      });
    }
    const pre = s.prePromotion.length;
    refuseDuplicateGateNames(steps, (i) => (i < pre ? ['prePromotion', i] : ['postPromotion', i - pre]), ctx);
  });

export const StrategySchema = z.discriminatedUnion('type', [CanarySchema, BlueGreenSchema], {
  error: (issue) => (issue.code === 'invalid_union' ? 'unknown strategy type; use "canary" or "blueGreen"' : undefined),
});

export const MigrationSchema = z.strictObject({
  /** Runs to completion before any traffic moves; its failure stops the plan with nothing deployed. */
  run: MigrationTaskSchema,
  /** Optional down-migration. Without it, a rollback after the migration leaves the schema migrated. */
  down: MigrationTaskSchema.optional(),
});

export const PlanSchema = z
  .strictObject({
    apiVersion: z.literal(API_VERSION, { error: `apiVersion must be "${API_VERSION}"` }),
    metadata: MetadataSchema,
    target: TargetSchema,
    migration: MigrationSchema.optional(),
    strategy: StrategySchema,
  })
  .superRefine(checkPlanConsistency);

export type Plan = z.infer<typeof PlanSchema>;
export type PlanInput = z.input<typeof PlanSchema>;
export type Metadata = z.infer<typeof MetadataSchema>;
export type Strategy = z.infer<typeof StrategySchema>;
export type CanaryStrategy = z.infer<typeof CanarySchema>;
export type BlueGreenStrategy = z.infer<typeof BlueGreenSchema>;
export type Step = z.infer<typeof StepSchema>;
export type Approval = z.infer<typeof ApprovalSchema>;
export type Migration = z.infer<typeof MigrationSchema>;
