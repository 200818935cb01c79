/**
 * Checks across sections of a plan: fields that belong to the other strategy, target settings the strategy
 * cannot use, and secrets anywhere. Each issue names the field and what to write instead.
 * Pure: imported by workflow code (the deployment re-checks its input).
 */
import type { z } from 'zod';
import { inlineSecrets } from './secrets';
import type { Target } from './targets';

interface PlanShape {
  target: Target;
  strategy: { type: 'canary'; steps: Array<{ setWeight?: number }> } | { type: 'blueGreen' };
}

/** AWS alias names are at most 64 characters; blue-green adds "-preview" when previewAlias is not given. */
const MAX_AWS_NAME = 64;
const PREVIEW_SUFFIX = '-preview';

function checkEcsRolling(plan: PlanShape, ctx: z.RefinementCtx): void {
  if (plan.target.type !== 'ecs' || plan.target.deployment !== 'rolling') return;
  if (plan.strategy.type === 'blueGreen') {
    ctx.addIssue({
      code: 'custom',
      path: ['strategy', 'type'],
      message: 'a rolling ECS update has no second service to switch to; use a canary without setWeight, or deployment: servicePair',
    });
    return;
  }
  plan.strategy.steps.forEach((step, i) => {
    if (step.setWeight !== undefined && step.setWeight < 100) {
      ctx.addIssue({
        code: 'custom',
        path: ['strategy', 'steps', i, 'setWeight'],
        message: 'a rolling ECS update cannot split traffic; remove setWeight or use deployment: servicePair',
      });
    }
  });
}

function checkKubernetes(plan: PlanShape, ctx: z.RefinementCtx): void {
  const t = plan.target;
  if (t.type !== 'kubernetes') return;
  if (plan.strategy.type === 'blueGreen' && !t.blueGreen) {
    ctx.addIssue({
      code: 'custom',
      path: ['target', 'blueGreen'],
      message: 'a blue-green plan on Kubernetes needs blueGreen: { activeService, previewService }',
    });
  }
  if (plan.strategy.type === 'canary' && t.blueGreen) {
    ctx.addIssue({
      code: 'custom',
      path: ['target', 'blueGreen'],
      message: 'blueGreen services are used only by strategy type blueGreen; remove target.blueGreen, or set strategy.type: blueGreen',
    });
  }
  if (plan.strategy.type === 'blueGreen' && t.traffic) {
    ctx.addIssue({
      code: 'custom',
      path: ['target', 'traffic'],
      message:
        'traffic sets how a canary splits requests; a blue-green plan switches target.blueGreen.activeService instead: remove traffic',
    });
  }
}

function checkLambda(plan: PlanShape, ctx: z.RefinementCtx): void {
  const t = plan.target;
  if (t.type !== 'lambda') return;
  if (plan.strategy.type === 'canary' && t.previewAlias !== undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['target', 'previewAlias'],
      message: 'previewAlias is used only by strategy type blueGreen; remove it, or set strategy.type: blueGreen',
    });
  }
  if (t.previewAlias !== undefined && t.previewAlias === t.alias) {
    ctx.addIssue({
      code: 'custom',
      path: ['target', 'previewAlias'],
      message:
        `previewAlias must differ from alias "${t.alias}": the preview would take live traffic; ` +
        `use e.g. "${t.alias}${PREVIEW_SUFFIX}"`,
    });
  }
  if (plan.strategy.type === 'blueGreen' && t.previewAlias === undefined && t.alias.length + PREVIEW_SUFFIX.length > MAX_AWS_NAME) {
    ctx.addIssue({
      code: 'custom',
      path: ['target', 'previewAlias'],
      message:
        `the default preview alias "${t.alias}${PREVIEW_SUFFIX}" is longer than ${MAX_AWS_NAME} characters; ` +
        `set previewAlias to a shorter name`,
    });
  }
}

function checkSecrets(plan: unknown, ctx: z.RefinementCtx): void {
  for (const { path, what } of inlineSecrets(plan)) {
    const looksLike = what.startsWith('a value under') ? 'looks like a secret' : `looks like ${what}`;
    ctx.addIssue({
      code: 'custom',
      path,
      message: `${looksLike} written into the plan; store it in a secret store and reference it by name (e.g. "secretName")`,
    });
  }
}

export function checkPlanConsistency(plan: PlanShape, ctx: z.RefinementCtx): void {
  checkEcsRolling(plan, ctx);
  checkKubernetes(plan, ctx);
  checkLambda(plan, ctx);
  checkSecrets(plan, ctx);
}
