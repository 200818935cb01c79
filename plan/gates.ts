/**
 * Gate names: what `glidepath approve --gate`, status lines and the analysis child workflows' IDs
 * (`<deployment>/analysis/<name>`) call a step. Two steps with one name would answer each other's approvals or
 * collide as child workflows, so a plan's gate names are unique. Pure: imported by workflow code.
 */
import type { z } from 'zod';

interface NamedStep {
  pause?: unknown;
  approval?: { name?: string };
  analysis?: { name?: string };
}

/** A step's gate name, as the workflow names it: its own name, else `<kind>-<position>` (workflows/rollout.ts gateName). */
export function stepGateName(step: NamedStep, index: number): string | undefined {
  if (step.approval) return step.approval.name ?? `approval-${index + 1}`;
  if (step.analysis) return step.analysis.name ?? `analysis-${index + 1}`;
  if (step.pause) return `pause-${index + 1}`;
  return undefined;
}

/** Adds an issue for each step whose gate name an earlier step already has; `pathOf` places it in the plan. */
export function refuseDuplicateGateNames(steps: NamedStep[], pathOf: (index: number) => (string | number)[], ctx: z.RefinementCtx): void {
  const seen = new Map<string, number>();
  steps.forEach((step, index) => {
    const name = stepGateName(step, index);
    if (name === undefined) return;
    const first = seen.get(name);
    if (first === undefined) {
      seen.set(name, index);
      return;
    }
    const kind = step.approval ? 'approval' : step.analysis ? 'analysis' : 'pause';
    ctx.addIssue({
      code: 'custom',
      path: [...pathOf(index), kind, 'name'],
      message:
        `gate name "${name}" is already step ${first + 1}'s; give each approval and analysis its own name ` +
        `(approve --gate and the UI tell them apart by it)`,
    });
  });
}
