/** What on-call and approvers do to a running plan: every action records who and why. */
import { type Client, WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { deploymentWorkflow } from '../workflows/deployment';
import { describeEnd } from './follow';
import {
  type ActionInput,
  abortSignal,
  approveUpdate,
  pauseSignal,
  promoteUpdate,
  rejectUpdate,
  resumeSignal,
  statusQuery,
} from '../workflows/messages';
import type { DeploymentStatus } from '../workflows/status';

export type SignalAction = 'abort' | 'pause' | 'resume';
export type UpdateAction = 'approve' | 'reject' | 'promote';

const SIGNALS = { abort: abortSignal, pause: pauseSignal, resume: resumeSignal };

export async function sendSignal(client: Client, workflowId: string, action: SignalAction, input: ActionInput): Promise<string> {
  await client.workflow.getHandle(workflowId).signal(SIGNALS[action], input);
  return `${action} sent to ${workflowId}`;
}

export class ActionRefused extends Error {}

/**
 * Approve, reject or promote. The update ID names the gate and the person, so a retried command
 * is answered once. A refusal (wrong approver, nothing waiting) comes back as ActionRefused.
 */
export async function sendUpdate(
  client: Client,
  workflowId: string,
  action: UpdateAction,
  input: ActionInput & { gate?: string; full?: boolean },
): Promise<string> {
  const handle = client.workflow.getHandle(workflowId);
  const status = await handle.query(statusQuery);
  const gate = input.gate ?? status.gate?.name ?? status.phase;
  const updateId = `${action}:${gate}:${input.by}${input.full ? ':full' : ''}`;
  try {
    const receipt =
      action === 'promote'
        ? await handle.executeUpdate(promoteUpdate, { args: [{ by: input.by, reason: input.reason, full: input.full ?? false }], updateId })
        : await handle.executeUpdate(action === 'approve' ? approveUpdate : rejectUpdate, {
            args: [{ by: input.by, reason: input.reason, gate: input.gate }],
            updateId,
          });
    return `${receipt.accepted} (${workflowId}) at ${receipt.at}`;
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) throw new ActionRefused(`${action} refused: ${err.cause?.message ?? err.message}`);
    throw err;
  }
}

/**
 * A running plan answers the status query; a finished one carries its final status in its result (or in
 * its RolledBack failure), so no worker is needed to read it.
 */
export async function getStatus(client: Client, workflowId: string): Promise<DeploymentStatus> {
  const handle = client.workflow.getHandle<typeof deploymentWorkflow>(workflowId);
  const { status } = await handle.describe();
  if (status.name === 'RUNNING') return handle.query(statusQuery);
  try {
    return (await handle.result()).status;
  } catch (err) {
    const details = err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure ? err.cause.details?.[0] : undefined;
    if (details) return details as DeploymentStatus;
    throw new Error(`${workflowId} ended ${status.name.toLowerCase()} without a status: ${describeEnd(err)}`);
  }
}

export function formatStatus(s: DeploymentStatus, full = false): string {
  const lines = [
    `${s.service} → ${s.environment} @ ${s.release}   (${s.strategy}, ${s.target})`,
    `phase:    ${s.phase}${s.paused ? ' (paused)' : ''}`,
    `traffic:  ${s.weight}% on ${s.candidateVersion ?? 'new version'}${s.stableVersion ? `, rest on ${s.stableVersion}` : ''}`,
  ];
  if (s.step) lines.push(`step:     ${s.step.index}/${s.step.total} ${s.step.description}`);
  if (s.gate) {
    lines.push(`waiting:  ${s.gate.kind} "${s.gate.name}"${s.gate.approvers?.length ? ` by ${s.gate.approvers.join(', ')}` : ''}${s.gate.deadline ? ` until ${s.gate.deadline} (then ${s.gate.onTimeout})` : ''}`);
  }
  if (s.migration) lines.push(`migration: ${s.migration}`);
  lines.push(`now:      ${s.message}`);
  if (s.outcome) lines.push(`outcome:  ${s.outcome.result}: ${s.outcome.reason}`);
  const actions = full ? s.actions : s.actions.slice(-5);
  if (actions.length) {
    lines.push('actions:');
    for (const a of actions) lines.push(`  ${a.at}  ${a.action}${a.gate ? ` (${a.gate})` : ''} by ${a.by}${a.reason ? `: ${a.reason}` : ''}`);
  }
  const measurements = full ? s.measurements : s.measurements.slice(-5);
  if (measurements.length) {
    lines.push('measurements:');
    for (const m of measurements) lines.push(`  ${m.at}  ${m.analysis}/${m.metric} = ${m.value ?? '—'} ${m.outcome}${m.message ? ` (${m.message})` : ''}`);
  }
  return lines.join('\n');
}
