/**
 * Messages between a release and the deployments it runs as children (sent by Glidepath), and the ones people
 * send a release besides abort, approve and reject. Workflow-safe.
 *
 * - targetHeld: child → release. The target moved and waits before its point of no return, previous version kept.
 * - targetGate: child → release. A gate of the target opened (approval, promotion, inconclusive analysis: who may
 *   answer it) or closed (no `gate`); sent only then, so a target sends two per gate.
 * - confirm: release → child. The stage is confirmed: pass the point of no return and end promoted.
 * - rollBack: release → child. Joint rollback: switch back to the previous version and end rolled back.
 * - pause, resume (updates, unlike a deployment's signals, so a refusal reaches the sender with its reason) and
 *   promote: people → release (see release-actions.ts).
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ActionInput, Receipt } from './messages';
import type { ReleaseStatus } from './release-status';
import type { Gate } from './status';

export interface TargetHeld {
  workflowId: string;
  stableVersion?: string;
  candidateVersion?: string;
}

/** A gate of a target as the target reports it to its release; without `gate`, the gate it reported closed. */
export interface TargetGate {
  workflowId: string;
  gate?: Pick<Gate, 'kind' | 'name' | 'approvers' | 'deadline' | 'onTimeout' | 'required' | 'rule' | 'signed'>;
}

/** What a deployment run by a release knows of it (its second argument). */
export interface ReleaseLink {
  /** The release's workflow ID: where targetHeld goes. */
  workflowId: string;
  /** `<system>@<version>`, as the DeployReleaseId search attribute names it. */
  releaseId: string;
  /**
   * Who let this target's stage start: the approver of the gate before it, the person who promoted past its soak,
   * or "automatic". Absent from releases started before the `release-actions` patch.
   */
  promotedBy?: string;
}

export const targetHeldSignal = defineSignal<[TargetHeld]>('targetHeld');
export const targetGateSignal = defineSignal<[TargetGate]>('targetGate');
export const confirmSignal = defineSignal<[ActionInput]>('confirm');
export const rollBackSignal = defineSignal<[ActionInput]>('rollBack');
/** People → release; the release's promote is the deployment's `promoteUpdate` (messages.ts), without `full`. */
export const releasePauseUpdate = defineUpdate<Receipt, [ActionInput]>('pause');
export const releaseResumeUpdate = defineUpdate<Receipt, [ActionInput]>('resume');
/** The same query name as a deployment's, so the CLI and the UI ask both alike. */
export const releaseStatusQuery = defineQuery<ReleaseStatus>('status');

export const releaseDescriptions = {
  targetHeld: 'A target of this release reports that it moved and waits, previous version kept (sent by Glidepath).',
  targetGate: 'A target of this release reports that one of its gates opened (who may answer it) or closed (sent by Glidepath).',
  confirm:
    'Sent by the release that runs this deployment: its stage is confirmed; go past the point of no return. Input: ' +
    '{"by": "<name>", "reason": "<why>"}',
  rollBack:
    'Sent by the release that runs this deployment: joint rollback of its stage; switch back to the previous ' +
    'version. Input: {"by": "<name>", "reason": "<why>"}',
  pause:
    'Pause the release: nothing new starts (no target, wave, stage, nor confirmation) and every target still ' +
    'moving pauses at its next step. Input: {"by": "<your name>", "reason": "<why>"}',
  resume: 'Resume a paused release, and the targets its pause paused. Input: {"by": "<your name>", "reason": "<why>"}',
  promote:
    "Skip the rest of the soak the release waits out before the next stage (the gate's analysis and approval " +
    'still apply), or go on past an inconclusive gate analysis. Input: {"by": "<your name>", "reason": "<why>"}',
} as const;
