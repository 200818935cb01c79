/**
 * Pause, resume and promote on a whole release (`release:<system>`): updates, so the release answers at once,
 * with what it did (the targets it paused or resumed) or why it refuses (already paused, nothing to promote).
 * See workflows/release-actions.ts for what each does.
 */
import { randomUUID } from 'node:crypto';
import { type Client, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { type ActionInput, promoteUpdate } from '../workflows/messages';
import { releasePauseUpdate, releaseResumeUpdate } from '../workflows/release-messages';
import { ActionRefused } from './action-refused';
import { getStatus } from './actions';
import { UsageError } from './usage-error';

export type ReleaseAction = 'pause' | 'resume' | 'promote';

export const isReleaseId = (workflowId: string) => workflowId.startsWith('release:');

/** A promote --full on a release: refused before anything is sent (exit 2). */
export function checkReleasePromote(workflowId: string, full: boolean | undefined): void {
  if (full)
    throw new UsageError(
      `--full: a release has no steps to skip. To skip the soak before the next stage: glidepath promote ${workflowId}; ` +
        'to skip the remaining steps of one target: glidepath promote deploy:<service>/<environment> --full',
    );
}

export async function sendReleaseAction(client: Client, workflowId: string, action: ReleaseAction, input: ActionInput): Promise<string> {
  const handle = client.workflow.getHandle(workflowId);
  const args = [{ by: input.by, reason: input.reason }] as [ActionInput];
  const updateId = `${action}:${input.by}:${randomUUID()}`;
  try {
    const receipt =
      action === 'promote'
        ? await handle.executeUpdate(promoteUpdate, { args, updateId })
        : await handle.executeUpdate(action === 'pause' ? releasePauseUpdate : releaseResumeUpdate, { args, updateId });
    return `${receipt.accepted} at ${receipt.at}`;
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) {
      const cause = err.cause?.message ?? err.message;
      // Releases started before these updates existed have no handler for them.
      const old = /handler/i.test(cause)
        ? `; ${workflowId} started before releases took ${action}: ${action} its targets one by one ` +
          `(glidepath ${action} deploy:<service>/<environment>)`
        : '';
      throw new ActionRefused(`${action} refused: ${cause}${old}`);
    }
    if (!(err instanceof WorkflowNotFoundError)) throw err;
    const ended = await getStatus(client, workflowId).catch(() => undefined);
    throw new ActionRefused(
      `${action} refused: ${workflowId} ${ended ? `already ended ${ended.phase}: ${ended.message}` : 'is not running'}`,
    );
  }
}
