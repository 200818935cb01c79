/**
 * Messages between a release and the deployments it runs as children (sent by Glidepath; people use abort and
 * approve). Workflow-safe.
 *
 * - targetHeld: child → release. The target moved and waits before its point of no return, previous version kept.
 * - confirm: release → child. The stage is confirmed: pass the point of no return and end promoted.
 * - rollBack: release → child. Joint rollback: switch back to the previous version and end rolled back.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { ActionInput } from './messages';
import type { ReleaseStatus } from './release-status';

export interface TargetHeld {
  workflowId: string;
  stableVersion?: string;
  candidateVersion?: string;
}

/** What a deployment run by a release knows of it (its second argument). */
export interface ReleaseLink {
  /** The release's workflow ID: where targetHeld goes. */
  workflowId: string;
  /** `<system>@<version>`, as the DeployReleaseId search attribute names it. */
  releaseId: string;
}

export const targetHeldSignal = defineSignal<[TargetHeld]>('targetHeld');
export const confirmSignal = defineSignal<[ActionInput]>('confirm');
export const rollBackSignal = defineSignal<[ActionInput]>('rollBack');
/** The same query name as a deployment's, so the CLI and the UI ask both alike. */
export const releaseStatusQuery = defineQuery<ReleaseStatus>('status');

export const releaseDescriptions = {
  targetHeld: 'A target of this release reports that it moved and waits, previous version kept (sent by Glidepath).',
  confirm:
    'Sent by the release that runs this deployment: its stage is confirmed; go past the point of no return. Input: {"by": "<name>", "reason": "<why>"}',
  rollBack:
    'Sent by the release that runs this deployment: joint rollback of its stage; switch back to the previous version. Input: {"by": "<name>", "reason": "<why>"}',
} as const;
