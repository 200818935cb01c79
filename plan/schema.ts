/**
 * The deployment plan: what to release, where, and how traffic moves.
 * Pure zod: imported by the CLI (to validate before anything starts) and by workflows (to re-check their input).
 */
import { z } from 'zod';
import { Duration } from './duration-schema';
import { AnalysisSchema } from './analysis';
import { MigrationTaskSchema, TargetSchema } from './targets';

export const API_VERSION = 'glidepath/v1';

const dnsLabel = (what: string) =>
  z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, `${what} must be lowercase letters, digits and '-', e.g. "payments"`)
    .max(63);

export const MetadataSchema = z.strictObject({
  service: dnsLabel('service'),
  environment: dnsLabel('environment'),
  release: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$/, 'release must be a version or build id such as "v1.4.2" or "2026.11.23-1"'),
  requestedBy: z.string().min(1).optional(),
});

const Weight = z.number().int('setWeight must be a whole percentage').min(1, 'setWeight must be at least 1').max(100, 'setWeight cannot exceed 100');

export const PauseSchema = z.strictObject({
  /** Soak for this long. Without it the plan waits until someone promotes it. */
  duration: Duration.optional(),
});

export const ApprovalSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'approval name must be a simple word such as "prod-gate"').optional(),
  /** Who may approve or reject. Empty or absent: anyone. */
  approvers: z.array(z.string().min(1)).optional(),
  timeout: Duration.default('24h'),
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
    ctx.addIssue({ code: 'custom', path: ['setWeight'], message: 'blue-green switches all traffic at once; use a canary strategy for setWeight' });
  }
  if (step.analysis?.background) {
    ctx.addIssue({ code: 'custom', path: ['analysis', 'background'], message: 'background analyses run in canary steps; use a blocking analysis here' });
  }
});

export const CanarySchema = z.strictObject({
  type: z.literal('canary'),
  steps: z
    .array(StepSchema)
    .min(1, 'a canary needs at least one step, e.g. "- setWeight: 10"')
    .superRefine((steps, ctx) => {
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

export const BlueGreenSchema = z.strictObject({
  type: z.literal('blueGreen'),
  /** Checks and approvals while the new version is reachable only through its preview endpoint. */
  prePromotion: z.array(GateStepSchema).default([]),
  /** Checks after the switch; a failure switches back at once, while the old version is still kept. */
  postPromotion: z.array(GateStepSchema).default([]),
  /** How long the old version stays ready for an instant switch back after promotion. */
  scaleDownDelay: Duration.default('30s'),
});

export const StrategySchema = z.discriminatedUnion('type', [CanarySchema, BlueGreenSchema], {
  error: (issue) =>
    issue.code === 'invalid_union' ? 'unknown strategy type; use "canary" or "blueGreen"' : undefined,
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
  .superRefine((plan, ctx) => {
    if (plan.target.type === 'ecs' && plan.target.deployment === 'rolling') {
      if (plan.strategy.type === 'blueGreen') {
        ctx.addIssue({ code: 'custom', path: ['strategy', 'type'], message: 'a rolling ECS update has no second service to switch to; use a canary without setWeight, or deployment: servicePair' });
      } else {
        plan.strategy.steps.forEach((step, i) => {
          if (step.setWeight !== undefined && step.setWeight < 100) {
            ctx.addIssue({ code: 'custom', path: ['strategy', 'steps', i, 'setWeight'], message: 'a rolling ECS update cannot split traffic; remove setWeight or use deployment: servicePair' });
          }
        });
      }
    }
    if (plan.target.type === 'kubernetes' && plan.strategy.type === 'blueGreen' && !plan.target.blueGreen) {
      ctx.addIssue({ code: 'custom', path: ['target', 'blueGreen'], message: 'a blue-green plan on Kubernetes needs blueGreen: { activeService, previewService }' });
    }
    for (const path of inlineSecretPaths(plan)) {
      ctx.addIssue({
        code: 'custom',
        path,
        message: 'looks like a secret written into the plan; store it in a secret store and reference it by name (e.g. "secretName")',
      });
    }
  });

export type Plan = z.infer<typeof PlanSchema>;
export type PlanInput = z.input<typeof PlanSchema>;
export type Metadata = z.infer<typeof MetadataSchema>;
export type Strategy = z.infer<typeof StrategySchema>;
export type CanaryStrategy = z.infer<typeof CanarySchema>;
export type BlueGreenStrategy = z.infer<typeof BlueGreenSchema>;
export type Step = z.infer<typeof StepSchema>;
export type Approval = z.infer<typeof ApprovalSchema>;
export type Migration = z.infer<typeof MigrationSchema>;

const SECRET_KEY = /(password|passwd|secret|token|api[-_]?key|private[-_]?key|credentials?)$/i;
const REFERENCE_KEY = /(secretName|secretRef|secretArn|fromSecret|name|key)$/;

/** Paths of string values under secret-looking keys: secrets belong in a store, never in workflow histories. */
export function inlineSecretPaths(value: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(value)) return value.flatMap((v, i) => inlineSecretPaths(v, [...path, i]));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, v]) =>
    typeof v === 'string' && v !== '' && SECRET_KEY.test(key) && !REFERENCE_KEY.test(key)
      ? [[...path, key]]
      : inlineSecretPaths(v, [...path, key]),
  );
}

/** The kind of a step, for status lines and switch statements. */
export function stepKind(step: Step): StepKind {
  return STEP_KINDS.find((k) => step[k] !== undefined)!;
}
