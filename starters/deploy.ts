/**
 * Starting a plan: one workflow per service/environment. A retried CI job for the same release attaches to
 * the running plan; a different release is refused with exit code 3, and so is any plan while a release holds the
 * target (a plan never attaches to a release's target: the release, not the plan, decides how it ends).
 */
import { type Client, WorkflowExecutionAlreadyStartedError, type WorkflowHandle } from '@temporalio/client';
import type { Plan } from '../plan/schema';
import { planDetails, planSummary } from '../workflows/describe';
import type { deploymentWorkflow } from '../workflows/deployment';
import { DeployPhase, DeployRelease, DeployReleaseId } from '../workflows/search-attributes';
import { TASK_QUEUE } from '../connection/temporal';
import { deploymentId } from './client';
import { deploymentStartAttributes } from '../workflows/start-attributes';

export type StartOutcome =
  | { kind: 'started' | 'attached'; handle: WorkflowHandle<typeof deploymentWorkflow> }
  /** `heldByRelease`: the `<system>@<version>` of the release whose target it is. */
  | { kind: 'conflict'; workflowId: string; runningRelease: string; phase: string; heldByRelease?: string };

export async function startDeployment(client: Client, plan: Plan, taskQueue = TASK_QUEUE): Promise<StartOutcome> {
  const workflowId = deploymentId(plan.metadata);
  try {
    const handle = await client.workflow.start<typeof deploymentWorkflow>('deploymentWorkflow', {
      taskQueue,
      workflowId,
      args: [plan],
      workflowIdConflictPolicy: 'FAIL',
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      typedSearchAttributes: deploymentStartAttributes(plan),
      memo: { requestedBy: plan.metadata.requestedBy ?? 'unknown' },
      staticSummary: planSummary(plan),
      staticDetails: planDetails(plan),
    });
    return { kind: 'started', handle };
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    const handle = client.workflow.getHandle<typeof deploymentWorkflow>(workflowId);
    const description = await handle.describe();
    const attributes = description.typedSearchAttributes;
    const runningRelease = attributes.get(DeployRelease) ?? 'unknown';
    const heldByRelease = attributes.get(DeployReleaseId);
    if (runningRelease === plan.metadata.release && !heldByRelease) {
      return { kind: 'attached', handle: client.workflow.getHandle(workflowId, description.runId) };
    }
    const phase = attributes.get(DeployPhase) ?? 'unknown';
    return { kind: 'conflict', workflowId, runningRelease, phase, ...(heldByRelease ? { heldByRelease } : {}) };
  }
}
