/**
 * The policy's notification sinks for a release's own events (started, its gates, how it ended), read with the
 * release's check when it starts. Each event names the stage it concerns, so the sinks are chosen per stage
 * environment, as for a deployment whose service is the release's system: those whose `match` covers that
 * service, the environment and the system.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { NotificationSink } from '../plan/notifications';
import { PlanError } from '../plan/plan-error';
import { type LoadedPolicy, loadPolicyFile } from '../plan/policy-load';
import { applicablePolicy } from '../plan/policy-resolve';
import type { PlannedStage } from '../plan/release-stages';
import type { Release } from '../plan/release-schema';

/** Sinks by stage environment (only environments with some); undefined when none, or the worker has no policy. */
export function releaseSinks(
  policyFile: string | undefined,
  release: Release,
  stages: PlannedStage[],
): Record<string, NotificationSink[]> | undefined {
  if (!policyFile) return undefined;
  let loaded: LoadedPolicy;
  try {
    loaded = loadPolicyFile(policyFile);
  } catch (err) {
    if (err instanceof PlanError) throw ApplicationFailure.nonRetryable(err.message, 'InvalidPolicy');
    throw err;
  }
  const { system } = release.metadata;
  const entries = [...new Set(stages.map((s) => s.environment))].flatMap((environment) => {
    const sinks = applicablePolicy(loaded, { service: system, environment, system }, undefined, Date.now()).notifications ?? [];
    return sinks.length ? [[environment, sinks] as const] : [];
  });
  return entries.length ? Object.fromEntries(entries) : undefined;
}
