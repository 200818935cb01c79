/** What on-call and approvers do to a running plan: every action records who and why. */
import { randomUUID } from 'node:crypto';
import {
  type Client,
  WorkflowFailedError,
  type WorkflowHandle,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  isGrpcDeadlineError,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { deploymentWorkflow } from '../workflows/deployment';
import { deploymentWorkflowId } from '../plan/release-stages';
import { NO_WORKER, describeEnd } from './follow';
import { type SigningKey, signApproval } from './sign-approval';
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
import type { ReleaseStatus } from '../workflows/release-status';
import type { DeploymentStatus } from '../workflows/status';
import { statusFacts, statusHeading } from '../workflows/status-facts';
import { actionText, measurementText } from '../workflows/status-text';

export type SignalAction = 'abort' | 'pause' | 'resume';
export type UpdateAction = 'approve' | 'reject' | 'promote';

const SIGNALS = { abort: abortSignal, pause: pauseSignal, resume: resumeSignal };

export { ActionRefused } from './action-refused';
import { ActionRefused } from './action-refused';

/**
 * Abort, pause or resume: signals, accepted even while no worker runs. A run that already ended, or an abort or
 * pause that arrives past the point of no return, is refused with what is true instead.
 */
export async function sendSignal(client: Client, workflowId: string, action: SignalAction, input: ActionInput): Promise<string> {
  const handle = client.workflow.getHandle(workflowId);
  try {
    await handle.signal(SIGNALS[action], input);
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
    const ended = await getStatus(client, workflowId).catch(() => undefined);
    throw new ActionRefused(
      `${action} refused: ${workflowId} ${ended ? `already ended ${ended.phase}: ${ended.message}` : 'is not running'}`,
    );
  }
  if (action !== 'resume') {
    // No worker: the signal waits, unanswered, and acts when one runs. A release (release:<system>) answers the same
    // query with its own status.
    let unanswered = NO_WORKER;
    const status = (await askStatus(client, handle).catch((err) => {
      unanswered = `the run did not answer: ${err instanceof Error ? err.message : err}`;
      return undefined;
    })) as DeploymentStatus | ReleaseStatus | undefined;
    if (!status) return `${action} sent to ${workflowId}; it acts when a worker runs (${unanswered})`;
    if (status.committedAt) {
      const live = 'kind' in status ? `${status.system}@${status.version}` : status.release;
      throw new ActionRefused(
        `${action} too late: ${workflowId} is past its point of no ` +
          `return (since ${status.committedAt}); ${live} is being promoted (only a failing promote call rolls it back)`,
      );
    }
  }
  return `${action} sent to ${workflowId}`;
}

/**
 * Approve, reject or promote. Each sending gets its own update ID (the client's own retries of one command
 * reuse it), so the receipt is the one for this action. A refusal (wrong approver, nothing waiting) comes back
 * as ActionRefused. With `signingKey`, an answer is signed for the run and the gate it answers (the run is pinned:
 * the signature names it).
 */
export async function sendUpdate(
  client: Client,
  workflowId: string,
  action: UpdateAction,
  input: ActionInput & { gate?: string; full?: boolean; signingKey?: SigningKey },
): Promise<string> {
  const signing = input.signingKey && action !== 'promote' ? input.signingKey : undefined;
  const runId = signing ? (await client.workflow.getHandle(workflowId).describe()).runId : undefined;
  const handle = client.workflow.getHandle(workflowId, runId);
  // The gate is read from the run first: with no worker to answer, nothing is sent rather than a blind update.
  const status = await askStatus(client, handle);
  if (!status) throw new ActionRefused(`${action} not sent to ${workflowId}: ${NO_WORKER}`);
  const gate = input.gate ?? status.gate?.name ?? status.phase;
  const updateId = `${action}:${gate}:${input.by}:${randomUUID()}`;
  // Signed before the update is sent: a key ssh-keygen cannot sign with stops the command with nothing sent.
  const signature =
    signing && runId && action !== 'promote'
      ? await signApproval(signing, { workflowId, runId, gate, decision: action, by: input.by, signedAt: new Date().toISOString() })
      : undefined;
  try {
    const receipt =
      action === 'promote'
        ? await handle.executeUpdate(promoteUpdate, { args: [{ by: input.by, reason: input.reason, full: input.full ?? false }], updateId })
        : await handle.executeUpdate(action === 'approve' ? approveUpdate : rejectUpdate, {
            args: [
              {
                by: input.by,
                reason: input.reason,
                gate: input.gate,
                ...(signature ? { signature } : {}),
              },
            ],
            updateId,
          });
    return `${receipt.accepted} (${workflowId}) at ${receipt.at}`;
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) throw new ActionRefused(`${action} refused: ${err.cause?.message ?? err.message}`);
    throw err;
  }
}

/**
 * How long a command waits for a worker to answer the run's status query before saying none does (the server's own
 * limit is about 30 s): `status`, approve, reject and promote, and abort and pause asking whether they came too
 * late. A worker answers in milliseconds, or a few seconds when it first replays a long history.
 */
const QUERY_PATIENCE_MS = 10_000;

/** The run's status query, or undefined when no worker answered it within QUERY_PATIENCE_MS. */
async function askStatus(client: Client, handle: WorkflowHandle): Promise<DeploymentStatus | undefined> {
  try {
    return await client.withDeadline(Date.now() + QUERY_PATIENCE_MS, () => handle.query(statusQuery));
  } catch (err) {
    if (isGrpcDeadlineError(err)) return undefined;
    throw err;
  }
}

/**
 * A running plan answers the status query; a finished one carries its final status in its result (or in
 * its RolledBack failure), so no worker is needed to read it.
 */
export async function getStatus(client: Client, workflowId: string): Promise<DeploymentStatus> {
  const handle = client.workflow.getHandle<typeof deploymentWorkflow>(workflowId);
  const { status, memo } = await handle.describe();
  if (status.name === 'RUNNING') {
    const answer = await askStatus(client, handle);
    if (!answer) throw new Error(`${workflowId} is running, but ${NO_WORKER}`);
    return answer;
  }
  // A cancelled run carries its final status in its memo (a Canceled close has no result to hold it).
  if (memo?.status) return memo.status as DeploymentStatus;
  try {
    return (await handle.result()).status;
  } catch (err) {
    const details = err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure ? err.cause.details?.[0] : undefined;
    if (details) return details as DeploymentStatus;
    throw new Error(`${workflowId} ended ${status.name.toLowerCase()} without a status: ${describeEnd(err)}`);
  }
}

/**
 * `glidepath status`: one fact a line, labelled, then the latest actions and measurements (every one with `full`).
 * `workflowId` names the run in the commands and queries a fact may carry.
 */
export function formatStatus(s: DeploymentStatus, full = false, workflowId = deploymentWorkflowId(s.service, s.environment)): string {
  const heading = statusHeading(s);
  const lines = [`${heading.title}   (${heading.detail})`];
  for (const fact of statusFacts(s, workflowId)) {
    const label = `${fact.loud ? fact.label.toUpperCase() : fact.label}:`;
    if (fact.text) lines.push(`${label.padEnd(9)} ${fact.text}`);
  }
  const actions = full ? s.actions : s.actions.slice(-5);
  if (actions.length) lines.push('actions:', ...actions.map((a) => `  ${a.at}  ${actionText(a)}`));
  const measurements = full ? s.measurements : s.measurements.slice(-5);
  if (measurements.length) lines.push('measurements:', ...measurements.map((m) => `  ${m.at}  ${measurementText(m)}`));
  return lines.join('\n');
}
