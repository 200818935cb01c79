/**
 * Policy metrics, from workflow code through the worker's meter (never on replay), beside workflows/metrics.ts:
 *   glidepath_policy_refusals{rule, at}      what a policy rule refused: a run at its start (at="start"), a run
 *                                            whose deploy window (`outside: refuse`) closed before traffic moved
 *                                            (at="window"), an approval at a gate (at="approval": four-eyes, a
 *                                            non-member, twice, an unknown requester), an approval's signature
 *                                            (at="signature": unsigned, wrong key, forged, expired, replayed), or
 *                                            `promote --full` past a guardrail (at="promote")
 *   glidepath_policy_held_duration{reason}   time a run was held by a freeze or waited for its deploy window (ms),
 *                                            recorded when the hold ends, by the freeze lifting or by an abort
 *   glidepath_notifications_failed_total{sink,event}  notifications not delivered after their retries (by the run, or by
 *                                            the workflow that went on with them after it: notify-after-run.ts)
 * Every series carries service and environment (a release's own notifications: its system and the stage's environment).
 */
import { metricMeter } from '@temporalio/workflow';
import type { Plan } from '../plan/schema';

/** Where a policy rule refused: see the header. */
export type RefusedAt = 'start' | 'window' | 'approval' | 'signature' | 'promote';

const meter = (plan: Plan) => metricMeter.withTags({ service: plan.metadata.service, environment: plan.metadata.environment });

export function recordPolicyRefusal(plan: Plan, rule: string, at: RefusedAt = 'start'): void {
  meter(plan).createCounter('glidepath_policy_refusals', '1', 'Runs and approvals refused by a policy rule').add(1, { rule, at });
}

export function recordPolicyHold(plan: Plan, reason: 'freeze' | 'window', durationMs: number): void {
  meter(plan)
    .createHistogram('glidepath_policy_held_duration', 'int', 'ms', 'Time a run was held by a freeze or waited for its deploy window')
    .record(durationMs, { reason });
}

/** `about`: the notification's service and environment. */
export function recordNotificationFailed(about: { service: string; environment: string }, sink: string, event: string): void {
  metricMeter
    .withTags({ service: about.service, environment: about.environment })
    .createCounter(
      'glidepath_notifications_failed_total',
      '1',
      'Notifications not delivered to a policy sink, after retries or by the end of the run',
    )
    .add(1, { sink, event });
}
