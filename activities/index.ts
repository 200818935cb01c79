/**
 * The activities the worker registers, built over injected platform adapters (one per target type), so
 * tests can pass clients pointed at local servers.
 */
import { ApplicationFailure } from '@temporalio/common';
import { PlanError, validatePlanSchema } from '../plan/load';
import type { Plan } from '../plan/schema';
import type { TargetType } from '../plan/targets';
import { checkRelease } from './check-release';
import { classifyErrors } from './errors';
import { type NotificationActivities, type NotificationDependencies, createNotificationActivities } from './notify';
import { type PolicyActivities, createPolicyActivities } from './policy';
import { withHeartbeat } from './poll';
import { releaseSinks } from './release-sinks';
import type { AnalysisInput, AnalysisResult, DeploymentActivities, Platform } from './types';

export type Platforms = Partial<Record<TargetType, Platform>>;

export interface ActivityDependencies {
  platforms: Platforms;
  /** Runs an analysis step; provided by the analysis providers. */
  analyze?: (input: AnalysisInput) => Promise<AnalysisResult>;
  /** The policy file the worker enforces (GLIDEPATH_POLICY_FILE); none: no rules, emergency freezes only. */
  policyFile?: string;
  /** Where the notification sinks' URLs and keys are read, and the Web UI links of their messages. */
  notifications?: NotificationDependencies;
}

export function createActivities({
  platforms,
  analyze,
  policyFile,
  notifications,
}: ActivityDependencies): DeploymentActivities & PolicyActivities & NotificationActivities {
  const policyActivities = createPolicyActivities(policyFile);
  const on = (target: { type: TargetType }): Platform => {
    const platform = platforms[target.type];
    if (!platform) {
      throw ApplicationFailure.nonRetryable(`this worker has no "${target.type}" platform configured`, 'InvalidPlan');
    }
    return platform;
  };
  // Platform calls heartbeat while they run, so a worker that dies mid-call is noticed within the heartbeat
  // timeout, however long the platform takes. (Analyses heartbeat their own progress instead.)
  const beating =
    <I, O>(name: string, call: (input: I) => Promise<O>) =>
    (input: I) =>
      withHeartbeat(name, () => call(input));
  const activities = classifyErrors({
    checkPlan: async (input) => checkedPlan(input),
    checkRun: async ({ plan, system, nowMs }) => {
      const checked = checkedPlan(plan);
      return { plan: checked, policy: await policyActivities.loadPolicy({ plan: checked, system, nowMs }) };
    },
    checkRelease: async (input) => {
      const checked = checkRelease(input);
      const notifications = releaseSinks(policyFile, checked.release, checked.stages);
      return notifications ? { ...checked, notifications } : checked;
    },
    deployCandidate: beating('deploy', (input) => on(input.target).deployCandidate(input)),
    waitCandidateReady: beating('wait ready', (input) => on(input.target).waitCandidateReady(input)),
    previewCandidate: beating('preview', (input) => on(input.target).previewCandidate(input)),
    setTrafficWeight: beating('set traffic', (input) => on(input.target).setTrafficWeight(input)),
    promoteCandidate: beating('promote', (input) => on(input.target).promoteCandidate(input)),
    rollBack: beating('roll back', (input) => on(input.target).rollBack(input)),
    retirePrevious: beating('retire previous', (input) => on(input.target).retirePrevious(input)),
    runMigration: beating('migration', (input) => on(input.task).runMigration(input)),
    runAnalysis: async (input) => {
      if (!analyze) throw ApplicationFailure.nonRetryable('this worker has no analysis providers configured', 'InvalidPlan');
      return analyze(input);
    },
  } satisfies DeploymentActivities);
  // Undo calls run under a retry-until-done policy: an error marked "non-retryable" must not end the unwind
  // half-way, so they report every failure as retryable and the workflow's retry policy decides.
  // (The forward path still stops at once on these: its policy lists the types in NON_RETRYABLE.)
  return {
    ...activities,
    rollBack: retriedByPolicy(activities.rollBack),
    runMigration: retriedByPolicy(activities.runMigration),
    ...policyActivities,
    ...createNotificationActivities(notifications),
  };
}

/** Re-raises a failure flagged non-retryable as a retryable one of the same type, message and details. */
export function retriedByPolicy<I, O>(call: (input: I) => Promise<O>): (input: I) => Promise<O> {
  return async (input: I) => {
    try {
      return await call(input);
    } catch (err) {
      if (!(err instanceof ApplicationFailure) || !err.nonRetryable) throw err;
      throw ApplicationFailure.create({
        message: err.message,
        type: err.type ?? undefined,
        details: err.details as unknown[] | undefined,
        cause: err.cause,
      });
    }
  };
}

/** The plan with every rule checked and defaults filled in; InvalidPlan (non-retryable) names what is wrong. */
function checkedPlan(input: unknown): Plan {
  try {
    return validatePlanSchema(input, 'workflow input');
  } catch (err) {
    if (err instanceof PlanError) throw ApplicationFailure.nonRetryable(err.message, 'InvalidPlan');
    throw err;
  }
}
