/**
 * Policy metrics, from workflow code through the worker's meter (never on replay), beside workflows/metrics.ts:
 *   glidepath_policy_refusals{rule}          runs a policy rule refused at start
 *   glidepath_policy_held_duration{reason}   time a run was held by a freeze or waited for its deploy window (ms)
 * Every series carries service and environment.
 */
import { metricMeter } from '@temporalio/workflow';
import type { Plan } from '../plan/schema';

const meter = (plan: Plan) => metricMeter.withTags({ service: plan.metadata.service, environment: plan.metadata.environment });

export function recordPolicyRefusal(plan: Plan, rule: string): void {
  meter(plan).createCounter('glidepath_policy_refusals', '1', 'Runs refused by a policy rule').add(1, { rule });
}

export function recordPolicyHold(plan: Plan, reason: 'freeze' | 'window', durationMs: number): void {
  meter(plan)
    .createHistogram('glidepath_policy_held_duration', 'int', 'ms', 'Time a run was held by a freeze or waited for its deploy window')
    .record(durationMs, { reason });
}
