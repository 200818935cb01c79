/**
 * The plan a run was started with. The CLI validates plans before it starts them; a run started another way
 * (the Web UI's "Start Workflow", a raw client) is validated by the `checkPlan` activity, so the zod schema is
 * never built inside workflow code (it would cost ~2 MiB and ~50 ms of CPU per cached workflow). What workflow
 * code checks itself is only the shape it needs to show a status while that activity runs.
 */
import { ActivityFailure, ApplicationFailure, patched } from '@temporalio/workflow';
import type { CheckedRun } from '../activities/types';
import type { Plan } from '../plan/schema';
import { checks, localChecks } from './activities';
import { LEAN_HISTORY, inForce } from './lean-history';

/** Refuses input that could not even be shown as a status; the full rules run in `validatedPlan`. */
export function assertPlanShape(input: unknown): asserts input is Plan {
  const plan = input as Partial<Plan> | undefined;
  const missing = [
    typeof plan !== 'object' || plan === null ? 'the plan' : undefined,
    typeof plan?.metadata?.service !== 'string' ? 'metadata.service' : undefined,
    typeof plan?.metadata?.environment !== 'string' ? 'metadata.environment' : undefined,
    typeof plan?.metadata?.release !== 'string' ? 'metadata.release' : undefined,
    typeof plan?.target?.type !== 'string' ? 'target.type' : undefined,
    plan?.strategy?.type !== 'canary' && plan?.strategy?.type !== 'blueGreen' ? 'strategy.type' : undefined,
  ].filter(Boolean);
  if (missing.length > 0) {
    throw ApplicationFailure.nonRetryable(
      `invalid plan: ${missing.join(', ')} missing or wrong; check it with \`glidepath validate\``,
      'InvalidPlan',
    );
  }
}

/** The plan with every rule checked and every default filled in. */
export async function validatedPlan(input: Plan): Promise<Plan> {
  // A local activity: one marker in history, where an activity task takes six events.
  if (inForce(LEAN_HISTORY)) return checked(() => localChecks.checkPlan(input));
  // Runs started before this check moved out of workflow code were validated in it; their input is already valid.
  if (!patched('plan-checked-by-activity')) return input;
  return checked(() => checks.checkPlan.executeWithOptions({ summary: 'check the plan' }, [input]));
}

/**
 * For current runs (lean-history.ts): the plan checked and the policies that apply read in one local activity, one
 * marker in history.
 */
export async function checkedRun(input: Plan, system: string | undefined): Promise<CheckedRun> {
  return checked(() =>
    localChecks.checkRun.executeWithOptions({ summary: 'check the plan and read the policies' }, [
      { plan: input, system, nowMs: Date.now() },
    ]),
  );
}

async function checked<T>(check: () => Promise<T>): Promise<T> {
  try {
    return await check();
  } catch (err) {
    // The run fails with the check's own InvalidPlan failure, whose message names every field to fix.
    if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure) throw err.cause;
    throw err;
  }
}
