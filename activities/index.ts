/**
 * The activities the worker registers, built over injected platform adapters (one per target type), so
 * tests can pass clients pointed at local servers.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { TargetType } from '../plan/targets';
import { classifyErrors } from './errors';
import type { AnalysisInput, AnalysisResult, DeploymentActivities, Platform } from './types';

export type Platforms = Partial<Record<TargetType, Platform>>;

export interface ActivityDependencies {
  platforms: Platforms;
  /** Runs an analysis step; provided by the analysis providers. */
  analyze?: (input: AnalysisInput) => Promise<AnalysisResult>;
}

export function createActivities({ platforms, analyze }: ActivityDependencies): DeploymentActivities {
  const on = (target: { type: TargetType }): Platform => {
    const platform = platforms[target.type];
    if (!platform) {
      throw ApplicationFailure.nonRetryable(`this worker has no "${target.type}" platform configured`, 'InvalidPlan');
    }
    return platform;
  };
  return classifyErrors({
    deployCandidate: async (input) => on(input.target).deploy(input),
    waitCandidateReady: async (input) => on(input.target).waitReady(input),
    previewCandidate: async (input) => on(input.target).preview(input),
    setTrafficWeight: async (input) => on(input.target).setTraffic(input),
    promoteCandidate: async (input) => on(input.target).promote(input),
    rollBack: async (input) => on(input.target).rollback(input),
    retirePrevious: async (input) => on(input.target).retirePrevious(input),
    runMigration: async (input) => on(input.task).migrate(input),
    runAnalysis: async (input) => {
      if (!analyze) throw ApplicationFailure.nonRetryable('this worker has no analysis providers configured', 'InvalidPlan');
      return analyze(input);
    },
  } satisfies DeploymentActivities);
}
