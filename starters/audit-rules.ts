/**
 * The rules `glidepath audit` reads a history by: what a run made of a signal or cancel it received, which gates a
 * plan has, and how a run ended. They mirror the workflow code (workflows/rollout.ts, release-run.ts,
 * deployment.ts), which is what decided at the time.
 */
import { type Decoder, EventType, type HistoryEvent } from './audit-history';

export type RunKind = 'deployment' | 'release' | 'other';

export interface RunState {
  /** Past the point of no return (a deployment's promote call, a release's confirming of its last stage). */
  committed: boolean;
  /** Rolling back or ended. */
  finished: boolean;
  /** An earlier abort was accepted. */
  aborted: boolean;
  /** The rollback is stuck at a step (resume retries it). */
  stuck: boolean;
  /** A release confirms a stage (not its last): an abort stops the release before the next one. */
  confirming?: boolean;
  release: string;
}

/** What the run made of a signal (or a cancel request) at that moment. */
export function signalResult(name: string, kind: RunKind, s: RunState): string {
  if (kind === 'release') {
    if (name !== 'abort' && name !== 'cancel') return 'accepted';
    if (s.finished) return 'too late: the release already ended or rolls back';
    if (s.committed) return `too late: past the point of no return, ${s.release} is being promoted`;
    if (s.aborted) return 'ignored: an earlier abort stands';
    return s.confirming
      ? 'accepted: the stage being confirmed stays promoted; no later stage starts'
      : 'accepted: the running stage rolls back';
  }
  if (kind !== 'deployment') return 'accepted';
  switch (name) {
    case 'abort':
    case 'rollBack':
    case 'cancel':
      if (s.committed && !s.finished) return `too late: past the point of no return, ${s.release} is being promoted`;
      if (s.finished) return 'ignored: the run already rolls back or ended';
      if (s.aborted) return 'ignored: an earlier abort stands';
      return name === 'rollBack' ? 'accepted: joint rollback with its stage' : 'accepted: rolls back';
    case 'pause':
      if (s.committed && !s.finished) return 'too late: past the point of no return';
      return s.finished ? 'ignored: the run already rolls back or ended' : 'accepted';
    case 'resume':
      if (s.stuck) return 'accepted: retries the stuck rollback step now';
      return s.finished ? 'ignored: the run already rolls back or ended' : 'accepted';
    case 'confirm':
      return 'accepted: the stage is confirmed';
    default:
      return 'accepted';
  }
}

/** The approval gates of a plan (as workflows/rollout.ts names them) and what their timeout does. */
export function planGates(plan: unknown): Map<string, { onTimeout?: string; rule?: string }> {
  const gates = new Map<string, { onTimeout?: string }>();
  const strategy = (plan as { strategy?: { type?: string; steps?: unknown[]; prePromotion?: unknown[]; postPromotion?: unknown[] } })
    ?.strategy;
  const steps = strategy?.type === 'canary' ? strategy.steps : [...(strategy?.prePromotion ?? []), ...(strategy?.postPromotion ?? [])];
  for (const [i, step] of (steps ?? []).entries()) {
    const approval = (step as { approval?: { name?: string; onTimeout?: string } })?.approval;
    if (approval) gates.set(approval.name ?? `approval-${i + 1}`, { onTimeout: approval.onTimeout ?? 'abort' });
  }
  return gates;
}

/** The gate named in an approve/reject receipt ("approved prod-gate (1 of 2)"), for runs whose receipts carry no `gate`. */
export function gateOfReceipt(accepted: string): string | undefined {
  return /^(?:approved|rejected) (\S+)/.exec(accepted)?.[1];
}

export interface RunEnd {
  outcome: string;
  reason: string;
  /** Terminated: no rollback ran. */
  terminate?: boolean;
  by: string;
}

const FAILURE_OUTCOMES: Record<string, string> = {
  RolledBack: 'rolled-back',
  BlockedByPolicy: 'blocked-by-policy',
  Halted: 'halted',
  Stopped: 'stopped',
};

/** How the run ended, when `event` is its closing event. */
export async function endOf(event: HistoryEvent, kind: RunKind, decode: Decoder): Promise<RunEnd | undefined> {
  const E = EventType;
  switch (event.eventType) {
    case E.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED: {
      if (kind === 'other') return { outcome: 'completed', reason: '', by: 'glidepath' };
      const [result] = (await decode.values(event.workflowExecutionCompletedEventAttributes?.result)) as [
        { status?: { outcome?: { reason?: string } } } | undefined,
      ];
      return { outcome: 'promoted', reason: result?.status?.outcome?.reason ?? '', by: 'glidepath' };
    }
    case E.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED: {
      const failure = await decode.failure(event.workflowExecutionFailedEventAttributes?.failure);
      return { outcome: FAILURE_OUTCOMES[failure?.type ?? ''] ?? 'failed', reason: failure?.message ?? '', by: 'glidepath' };
    }
    case E.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED:
      return { outcome: 'cancelled', reason: kind === 'deployment' ? 'rolled back after a cancel request' : '', by: 'glidepath' };
    case E.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED: {
      const a = event.workflowExecutionTerminatedEventAttributes;
      return { outcome: 'terminated', reason: a?.reason ?? '', terminate: true, by: a?.identity ?? '' };
    }
    case E.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT:
      return { outcome: 'timed-out', reason: 'the run reached its execution timeout', by: 'temporal' };
    case E.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:
      return { outcome: 'continued-as-new', reason: 'continued in a new run with the same workflow ID', by: 'glidepath' };
    default:
      return undefined;
  }
}
