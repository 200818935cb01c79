/**
 * How people talk to a running plan: from the CLI, CI, or the Temporal Web UI (which lists these with their
 * descriptions, so each says the JSON it takes). Workflow-safe: shared by workflows, starters and tests.
 *
 * - abort, pause, resume are signals: always accepted, even with every worker down.
 * - approve, reject, promote are updates: a validator refuses them (leaving no trace in history) when the plan
 *   is not waiting for them or the sender may not give them, and the caller hears why at once.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ActionInput, ApprovalInput, PromoteInput } from './message-input';
import type { DeploymentStatus } from './status';

export {
  type Action,
  type ActionInput,
  type ApprovalAnswer,
  type ApprovalInput,
  type PromoteInput,
  type PromoteRequest,
  checkAction,
  checkApproval,
  checkPromote,
  checkedOrThrow,
} from './message-input';

export interface Receipt {
  accepted: string;
  at: string;
  /** The gate the answer or promotion was given at, if the plan waited at one (kept in history for `glidepath audit`). */
  gate?: string;
}

const ACTION_JSON = '{"by": "<your name>", "reason": "<why>"}';
const SIGNED = 'Where a policy requires signed approvals, answer with `glidepath approve|reject --sign-key` instead: the UI cannot sign.';

export const abortSignal = defineSignal<[ActionInput]>('abort');
export const pauseSignal = defineSignal<[ActionInput]>('pause');
export const resumeSignal = defineSignal<[ActionInput]>('resume');
export const approveUpdate = defineUpdate<Receipt, [ApprovalInput]>('approve');
export const rejectUpdate = defineUpdate<Receipt, [ApprovalInput]>('reject');
export const promoteUpdate = defineUpdate<Receipt, [PromoteInput]>('promote');
export const statusQuery = defineQuery<DeploymentStatus>('status');

export const descriptions = {
  abort: `Abort the rollout and roll back: traffic returns 100% to the previous version and the new one is removed. Input: ${ACTION_JSON}`,
  pause: `Hold the rollout at the current step (traffic stays where it is; a soak timer stops counting). Input: ${ACTION_JSON}`,
  resume: `Continue a paused rollout. Input: ${ACTION_JSON}`,
  approve:
    `Approve the approval gate the plan is waiting at. Input: {"by": "<approver>", "reason": "<why>", ` +
    `"gate": "<gate name, optional>"}. ${SIGNED}`,
  reject:
    `Reject the approval gate the plan is waiting at; the plan rolls back. Input: {"by": "<approver>", ` +
    `"reason": "<why>", "gate": "<gate name, optional>"}. ${SIGNED}`,
  promote:
    `Continue past a pause that waits for promotion or an inconclusive analysis; with "full": true skip all ` +
    `remaining steps to 100%. Input: {"by": "<name>", "reason": "<why>", "full": false}`,
  status: 'Phase, step, traffic weight, the gate being waited at, and every action taken with who and why.',
} as const;
