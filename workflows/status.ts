/**
 * What a run is doing, as the `status` query, the CLI and the UI's "current details" show it.
 * Workflow-safe and pure.
 */
import type { MeasurementRecord } from '../activities/types';
import type { NotificationTally } from '../plan/notifications';
import type { Plan } from '../plan/schema';
import { describeTarget, strategyLabel } from './describe';

export type { MeasurementRecord };

export type Phase =
  | 'Starting'
  | 'Migrating'
  | 'Deploying'
  | 'Progressing'
  | 'Soaking'
  | 'Analyzing'
  | 'AwaitingApproval'
  | 'AwaitingPromotion'
  | 'Paused'
  | 'AwaitingWindow'
  | 'Frozen'
  | 'Promoting'
  | 'KeepingPrevious'
  | 'AwaitingConfirmation'
  | 'Promoted'
  | 'RollingBack'
  | 'RollbackStuck'
  | 'RolledBack';

export type GateKind = 'approval' | 'promotion' | 'inconclusive-analysis';

export interface Gate {
  kind: GateKind;
  name: string;
  approvers?: string[];
  /** ISO time at which the gate times out. */
  deadline?: string;
  onTimeout?: 'abort' | 'promote';
  /** A policy gate: how many distinct approvers it needs, who approved so far, and the rule that asks for it. */
  required?: number;
  approvedBy?: string[];
  rule?: string;
  /** The rule requires signed answers (`glidepath approve --sign-key`); the Web UI cannot sign. */
  signed?: boolean;
}

export interface ActionRecord {
  action: 'abort' | 'pause' | 'resume' | 'approve' | 'reject' | 'promote' | 'timeout' | 'cancel';
  by: string;
  reason: string;
  at: string;
  gate?: string;
  /** What became of the action when it could not do what it asks, e.g. an abort after the point of no return. */
  note?: string;
  /** The fingerprint of the key that signed this answer, at a gate that requires signed approvals. */
  signedWith?: string;
}

/** A person's action as a rollout and a release record it: now, with an empty reason when none was given. */
export function actionRecord(
  action: ActionRecord['action'],
  input: { by: string; reason?: string; signedWith?: string },
  gate?: string,
  note?: string,
): ActionRecord {
  return {
    action,
    by: input.by,
    reason: input.reason ?? '',
    at: new Date().toISOString(),
    gate,
    ...(note ? { note } : {}),
    ...(input.signedWith ? { signedWith: input.signedWith } : {}),
  };
}

export interface DeploymentStatus {
  service: string;
  environment: string;
  release: string;
  strategy: string;
  target: string;
  phase: Phase;
  /** 1-based step being run, of `total`, with what it does. */
  step?: { index: number; total: number; description: string };
  /** Percent of traffic on the new version. */
  weight: number;
  paused: boolean;
  gate?: Gate;
  stableVersion?: string;
  candidateVersion?: string;
  migration?: 'running' | 'failed' | 'applied' | 'reverted' | 'kept (no down-migration)';
  /** Latest measurements of analyses (bounded). */
  measurements: MeasurementRecord[];
  actions: ActionRecord[];
  message: string;
  outcome?: { result: 'promoted' | 'rolled-back' | 'cancelled'; reason: string };
  startedAt: string;
  endedAt?: string;
  /** When the rollout passed its point of no return: from then on it ends promoted, and aborts are too late. */
  committedAt?: string;
  /** A rollback step that keeps failing: the rollout retries it and waits for a person to fix the cause. */
  stuck?: { step: string; reason: string; since: string; remedy: string };
  /** The policy version the run started under and the rules that apply to it (see workflows/policy-run.ts). */
  policy?: { version: string; rules: string[] };
  /** An emergency or scheduled freeze holding the run at a step boundary; `until`: when a scheduled one ends. */
  frozen?: { scope: string; by: string; reason: string; since: string; until?: string };
  /** Things a person should finish by hand that do not change the outcome (e.g. a cleanup after promotion). */
  warnings?: string[];
  /** Deliveries to the policy's notification sinks (workflows/notify-events.ts); a failed one never changes the outcome. */
  notifications?: NotificationTally;
}

export function initialStatus(plan: Plan, startedAt: Date): DeploymentStatus {
  return {
    service: plan.metadata.service,
    environment: plan.metadata.environment,
    release: plan.metadata.release,
    strategy: strategyLabel(plan),
    target: describeTarget(plan.target),
    phase: 'Starting',
    weight: 0,
    paused: false,
    measurements: [],
    actions: [],
    message: 'starting',
    startedAt: startedAt.toISOString(),
  };
}
