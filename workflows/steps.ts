/** Running the plan's steps (weight, soak, approval, analysis) against the platform and the rollout's gates. */
import { durationMs, formatDuration } from '../plan/duration';
import type { Plan, Step } from '../plan/schema';
import type { Candidate } from '../activities/types';
import { platform } from './activities';
import { type BackgroundAnalyses, analysisFailed, runAnalysisChild } from './analysis';
import { reportBudget } from './analysis-reports';
import { describeStep } from './describe';
import { recordAnalysis } from './metrics';
import { type Rollout, gateName } from './rollout';

export interface StepContext {
  plan: Plan;
  rollout: Rollout;
  candidate: Candidate;
}

export interface StepsOptions {
  /** The index of the first of these steps among all of the plan's (blue-green counts across the switch). */
  offset?: number;
  total?: number;
  /** Shown before each step's description, e.g. "before switch: ". */
  label?: string;
  /** Canary: analyses marked `background` start here and run beside the next steps. */
  background?: BackgroundAnalyses;
}

/**
 * The one step loop every strategy runs: each step starts at a step boundary, where a pause or a freeze holds the
 * rollout and a failed background analysis stops it; `promote --full` skips the steps left.
 */
export async function runSteps(ctx: StepContext, steps: Step[], options: StepsOptions = {}): Promise<void> {
  const { rollout } = ctx;
  const { offset = 0, total = steps.length, label = '', background } = options;
  for (const [i, step] of steps.entries()) {
    if (rollout.fullPromotion) break;
    const index = offset + i;
    if (background) await background.checkpoint();
    await rollout.holdWhilePaused();
    rollout.enterStep(index, total, `${label}${describeStep(step)}`);
    if (background && step.analysis?.background) {
      background.start(step.analysis, gateName(step.analysis.name, 'analysis', index), templateVariables(ctx), reportBudget(ctx.plan));
    } else {
      await runStep(ctx, step, index);
    }
  }
}

export async function runStep(ctx: StepContext, step: Step, index: number): Promise<void> {
  const { plan, rollout, candidate } = ctx;
  const { target, metadata } = plan;
  if (step.setWeight !== undefined) {
    await rollout.trafficMoves();
    rollout.setPhase('Progressing', `moving ${step.setWeight}% of traffic to ${candidate.candidateVersion}`);
    await platform.setTrafficWeight.executeWithOptions({ summary: `traffic → ${step.setWeight}%` }, [
      { target, metadata, candidate, weight: step.setWeight },
    ]);
    rollout.setWeight(step.setWeight);
  } else if (step.pause) {
    const name = gateName(undefined, 'pause', index);
    if (step.pause.duration) await rollout.soak(durationMs(step.pause.duration), `soak ${formatDuration(durationMs(step.pause.duration))}`);
    else await rollout.waitForPromotion(name);
  } else if (step.approval) {
    await rollout.approval(step.approval, gateName(step.approval.name, 'approval', index));
  } else if (step.analysis) {
    const name = gateName(step.analysis.name, 'analysis', index);
    rollout.setPhase('Analyzing', `running ${describeStep(step)}`);
    const result = await runAnalysisChild(step.analysis, name, templateVariables(ctx), reportBudget(plan));
    rollout.addMeasurements(result.measurements); // the ones it had not reported yet, the decisive one among them
    recordAnalysis(plan, result.outcome);
    if (result.outcome === 'passed') {
      rollout.lastGate = 'automatic';
      rollout.analysisPassed = true;
    }
    if (result.outcome === 'failed') throw analysisFailed(name, result);
    if (result.outcome === 'inconclusive') await rollout.waitForJudgement(name, step.analysis.inconclusiveTimeout);
  }
}

/** What analysis query templates may use, e.g. `{{service}}` or `{{canaryVersion}}`. */
export function templateVariables({ plan, candidate }: StepContext): Record<string, string> {
  return {
    service: plan.metadata.service,
    environment: plan.metadata.environment,
    release: plan.metadata.release,
    stableVersion: candidate.stableVersion,
    canaryVersion: candidate.candidateVersion,
  };
}
