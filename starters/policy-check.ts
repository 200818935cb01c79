/**
 * The policy checks `validate`, `deploy` and `release` run up front, with the same rules the worker enforces
 * (GLIDEPATH_POLICY_FILE; without it only emergency freezes are checked). A rule that blocks is named and the
 * command exits 4, "blocked by policy".
 */
import type { Client } from '@temporalio/client';
import { NOTIFICATION_EVENTS } from '../plan/notifications';
import { configuredPolicy } from '../plan/policy-load';
import { applicablePolicy } from '../plan/policy-resolve';
import type { AppliedPolicy, EmergencyFreeze } from '../plan/policy-types';
import { describeWindow } from '../plan/policy-window';
import type { Plan } from '../plan/schema';
import { TASK_QUEUE } from '../connection/temporal';
import { freezeWorkflowId, freezesQuery } from '../workflows/freeze-messages';
import { PolicyBlocked } from './policy-blocked';

/** Every target run of a release, as `checkPolicy` takes them. */
export function releaseRuns(system: string, stages: Array<{ waves: Array<Array<{ plan: Plan }>> }>): Array<{ plan: Plan; system: string }> {
  return stages.flatMap((s) => s.waves.flat().map((t) => ({ plan: t.plan, system })));
}

/** Throws PolicyBlocked for the first run a rule refuses; returns what the policy adds to each run. */
export function checkPolicy(runs: Array<{ plan: Plan; system?: string }>, emergency: EmergencyFreeze[] = [], nowMs = Date.now()): string[] {
  const loaded = configuredPolicy();
  const notes: string[] = [];
  for (const { plan, system } of runs) {
    const subject = { service: plan.metadata.service, environment: plan.metadata.environment, system };
    const applied = applicablePolicy(loaded, subject, plan, nowMs, emergency);
    if (applied.blocked) throw new PolicyBlocked(subject, applied.blocked.rule, applied.blocked.reason);
    if (loaded) notes.push(...policyNotes(`${subject.service}/${subject.environment}`, applied));
  }
  return notes;
}

function policyNotes(ref: string, applied: AppliedPolicy): string[] {
  const notes: string[] = [];
  const sinks = (applied.notifications ?? []).map(
    (n) => `${n.name} (${n.type}${n.events.length < NOTIFICATION_EVENTS.length ? `: ${n.events.join(', ')}` : ''})`,
  );
  const notified = sinks.length ? [`  notifies ${sinks.join(', ')}`] : [];
  if (applied.rules.length === 0) return [`policy ${applied.version}: no rule applies to ${ref}`, ...notified];
  notes.push(`policy ${applied.version}: ${ref} under rules ${applied.rules.join(', ')}`, ...notified);
  for (const a of applied.approvals)
    notes.push(
      `  before traffic moves: ${a.count} approval${a.count === 1 ? '' : 's'} from ${a.groups.join(', ')}` +
        `${a.fourEyes ? ' (not the requester)' : ''} (rule ${a.rule})`,
    );
  if (applied.window)
    notes.push(
      `  deploy window ${describeWindow(applied.window)}; outside it the run ${applied.window.outside === 'wait' ? 'waits' : 'is refused'}`,
    );
  return notes;
}

/** The emergency freezes in force on this task queue; none when nobody ever froze anything. */
export async function emergencyFreezes(client: Client, taskQueue = TASK_QUEUE): Promise<EmergencyFreeze[]> {
  try {
    return (await client.workflow.getHandle(freezeWorkflowId(taskQueue)).query(freezesQuery)).freezes;
  } catch (err) {
    if ((err as Error).name === 'WorkflowNotFoundError') return [];
    throw err;
  }
}
