/**
 * One deployment as its strategies drive it: the gates it passes (soak, wait for promotion, approval, a pause, a
 * freeze) and how it ends (the point of no return, a stuck rollback). What it shows is in rollout-view.ts; the
 * messages people send it are handled in rollout-messages.ts, which records what they asked in `requests`.
 * Workflow code: deterministic, no I/O.
 */
import { ApplicationFailure, CancellationScope, CancelledFailure, condition, workflowInfo } from '@temporalio/workflow';
import { durationMs, formatDuration } from '../plan/duration';
import type { Guardrails } from '../plan/policy-types';
import type { Approval } from '../plan/schema';
import { ApprovalSignatures } from './approval-signatures';
import type { FreezeHold } from './freeze-hold';
import type { Notifier } from './notify';
import type { ApprovalPolicy } from './policy-approvals';
import type { ReleaseHold } from './release-hold';
import { RolloutView } from './rollout-view';
import type { ActionRecord, Gate, Phase } from './status';

/** An approve or reject that answered the open approval gate. */
interface Answer {
  approved: boolean;
  record: ActionRecord;
}

/** What people asked for, set by the message handlers (rollout-messages.ts) and acted on by the gates. */
export interface Requests {
  paused: boolean;
  promote: boolean;
  retryRollback: boolean;
  answer?: Answer;
}

export class Rollout extends RolloutView {
  /** Everything that moves the rollout forward runs in this scope; abort cancels it. */
  readonly forward = new CancellationScope();
  abortedBy?: ActionRecord;
  /** A failure raised outside the forward path (a background analysis); it stops the rollout like an abort. */
  failure?: unknown;
  /** Set by `promote --full`: every remaining step is skipped. */
  fullPromotion = false;
  /** The new version is live and will stay: whatever fails from here, the run ends promoted. */
  promoted = false;
  /** Set when a release runs this deployment: it waits for the release before its point of no return. */
  releaseHold?: ReleaseHold;
  /** Holds the rollout at step boundaries while a freeze covers it (see freeze-hold.ts). */
  freezeHold?: FreezeHold;
  /** Four-eyes and the requester, from the run's policy (see policy-run.ts). */
  approvalPolicy?: ApprovalPolicy;
  /** The policy's approvals are still ahead: nothing may skip them. */
  policyGatesPending = false;
  /** The policy's guardrails for this run: `promote --full` may not skip what they require (policy-guardrails.ts). */
  guardrails: Guardrails[] = [];
  /** An analysis of this run passed (a guardrail's `requireAnalysis` is met). */
  analysisPassed = false;
  /** Who let the rollout past the last gate it passed: a person (approve, promote) or the plan (a soak ran out, an analysis passed). */
  lastGate: 'manual' | 'automatic' = 'automatic';
  /** A person paused the rollout at least once (counted when it ends). */
  pausedOnce = false;
  /**
   * Set by the deploy window's gate (policy-run.ts): asked once, before the first traffic change, which it holds
   * while the window is closed. `trafficMoves` asks it.
   */
  beforeFirstTraffic?: () => Promise<void>;
  /** Signed answers: at every approval gate of a run a signing rule matches (approval-signatures.ts). */
  readonly signatures = new ApprovalSignatures();
  /** The last person who let the rollout go on: who approved its last gate or promoted it (`where` shows it). */
  promotedBy?: string;
  /** Tells the policy's notification sinks about the run's events; absent when it has none (see notify.ts). */
  notifier?: Notifier;
  readonly requests: Requests = { paused: false, promote: false, retryRollback: false };

  // ---- gates --------------------------------------------------------------------------------------------

  async holdWhilePaused(): Promise<void> {
    if (this.freezeHold?.frozen) await this.freezeHold.hold();
    if (!this.requests.paused) return;
    const previous = { phase: this.status.phase, message: this.status.message };
    this.setPhase('Paused', 'paused; send resume to continue');
    await condition(() => !this.requests.paused);
    this.setPhase(previous.phase, previous.message);
    if (this.freezeHold?.frozen) await this.freezeHold.hold();
  }

  /** Before a traffic change (a weight, the switch, the promotion, an ECS rolling update): the first one passes the deploy window. */
  async trafficMoves(): Promise<void> {
    const gate = this.beforeFirstTraffic;
    this.beforeFirstTraffic = undefined;
    if (gate) await gate();
  }

  /**
   * A durable soak timer. Pausing or a freeze stops the clock (the timer ends where a scheduled freeze starts);
   * the soak then goes on with the time it had left. Promote skips the rest.
   */
  async soak(ms: number, name: string, phase: Phase = 'Soaking'): Promise<void> {
    this.requests.promote = false;
    let remaining = ms;
    while (remaining > 0 && !this.requests.promote && !this.fullPromotion) {
      await this.holdWhilePaused();
      this.setPhase(phase, `${name}: ${formatDuration(remaining)} left`);
      const started = Date.now();
      const timer = remaining === ms ? name : `${name} (${formatDuration(remaining)} left)`;
      const freeze = this.freezeHold?.startingWithin(remaining); // the timer ends where it starts
      await condition(
        () => this.requests.paused || this.freezeHold?.emergencyFreeze !== undefined || this.requests.promote || this.fullPromotion,
        freeze ? Date.parse(freeze.from) - started : remaining,
        { summary: freeze ? `${timer}, until the freeze of rule ${freeze.rule} at ${freeze.from}` : timer },
      );
      remaining -= Date.now() - started;
    }
    const byPerson = this.requests.promote || this.fullPromotion;
    if (byPerson || phase === 'Soaking') this.lastGate = byPerson ? 'manual' : 'automatic';
  }

  /** A pause without a duration: waits for `promote`. */
  async waitForPromotion(name: string): Promise<void> {
    if (this.fullPromotion) return;
    this.requests.promote = false;
    await this.openGate({ kind: 'promotion', name }, 'AwaitingPromotion', 'waiting for promote');
    await condition(() => this.requests.promote || this.fullPromotion);
    this.closeGate();
    this.lastGate = 'manual';
  }

  /** An analysis whose result is inconclusive: a person promotes or aborts, within the approval timeout rules. */
  async waitForJudgement(name: string, timeout = '24h'): Promise<void> {
    this.requests.promote = false;
    const ms = durationMs(timeout);
    await this.openGate(
      { kind: 'inconclusive-analysis', name, deadline: new Date(Date.now() + ms).toISOString(), onTimeout: 'abort' },
      'AwaitingPromotion',
      `analysis "${name}" was inconclusive: promote to continue or abort to roll back`,
    );
    const decided = await condition(() => this.requests.promote || this.fullPromotion, ms, { summary: `judge ${name}` });
    this.closeGate();
    if (decided) this.lastGate = 'manual';
    if (!decided) {
      this.record('timeout', { by: 'glidepath', reason: `no decision on inconclusive analysis within ${timeout}` }, name);
      throw ApplicationFailure.nonRetryable(
        `analysis "${name}" was inconclusive and nobody promoted it within ${timeout}`,
        'JudgementTimedOut',
      );
    }
  }

  /** `policy`: a gate the policy requires (see policy-run.ts): it needs `required` distinct approvers and nothing skips it. */
  async approval(
    approval: Omit<Approval, 'name'>,
    name: string,
    policy?: Pick<Gate, 'required' | 'approvedBy' | 'rule' | 'signed'>,
  ): Promise<void> {
    const skippable = policy === undefined;
    if (this.fullPromotion && skippable) return; // `promote --full` was refused unless its sender could approve this gate
    const ms = durationMs(approval.timeout);
    this.requests.answer = undefined;
    await this.openGate(
      {
        kind: 'approval',
        name,
        approvers: approval.approvers,
        deadline: new Date(Date.now() + ms).toISOString(),
        onTimeout: approval.onTimeout,
        ...(this.signatures.required ? { signed: true } : {}), // a signing rule matches the run: the plan's gates too
        ...policy,
      },
      'AwaitingApproval',
      policy ? `waiting for ${policy.required} approvals "${name}" (policy rule ${policy.rule})` : `waiting for approval "${name}"`,
    );
    const answered = await condition(() => this.requests.answer !== undefined || (skippable && this.fullPromotion), ms, {
      summary: `approval ${name}`,
    });
    const passed = this.status.gate;
    this.closeGate();
    if (!answered) {
      this.record('timeout', { by: 'glidepath', reason: `no answer within ${approval.timeout}; ${approval.onTimeout}` }, name);
      if (approval.onTimeout === 'promote') {
        this.lastGate = 'automatic';
        return;
      }
      throw ApplicationFailure.nonRetryable(`approval "${name}" timed out after ${approval.timeout}`, 'ApprovalTimedOut');
    }
    const answer = this.requests.answer as Answer | undefined; // set by the approve/reject handlers while we waited
    if (answer) this.notifier?.gateAnswered(name, answer.approved, answer.record, passed?.approvedBy);
    this.lastGate = 'manual'; // approved, or skipped by a person's `promote --full`
    if (answer && !answer.approved) {
      const { by, reason } = answer.record;
      throw ApplicationFailure.nonRetryable(`rejected at "${name}" by ${by}${reason ? `: ${reason}` : ''}`, 'Rejected');
    }
  }

  private async openGate(gate: Gate, phase: Phase, message: string): Promise<void> {
    await this.holdWhilePaused();
    this.status.gate = gate;
    this.setPhase(phase, message);
    this.notifier?.gateWaiting(gate);
    this.releaseHold?.gateOpened(gate);
  }

  private closeGate(): void {
    this.status.gate = undefined;
    this.publish();
    this.releaseHold?.gateClosed();
  }

  // ---- the end -------------------------------------------------------------------------------------------

  /**
   * The point of no return: from here the run ends promoted. An abort that was accepted before this moment still
   * wins (this throws, and the run rolls back); one that arrives after it is recorded and answered "too late".
   */
  commit(): void {
    if (this.abortedBy || this.failure || this.forward.consideredCancelled)
      throw new CancelledFailure('stopped before the point of no return');
    this.status.committedAt = new Date().toISOString();
    this.publish();
  }

  /** The new version is live to stay: from here nothing rolls it back. */
  markPromoted(): void {
    this.promoted = true;
  }

  /**
   * A rollback step failed past its retries: show it loudly and wait for a person (resume) or the next automatic
   * try, `retryInMs` from now. Never reports RolledBack while a step is undone only half-way.
   */
  async waitOutStuckRollback(step: string, reason: string, retryInMs: number): Promise<void> {
    const since = this.status.stuck?.step === step ? this.status.stuck.since : new Date().toISOString();
    this.status.stuck = {
      step,
      reason,
      since,
      remedy:
        `fix the cause (permissions, the platform object), then \`glidepath resume ${workflowInfo().workflowId}\` to retry now; ` +
        `it also retries by itself in ${formatDuration(retryInMs)}`,
    };
    this.setPhase('RollbackStuck', `rollback stuck at "${step}": ${reason}`);
    this.requests.retryRollback = false;
    await condition(() => this.requests.retryRollback, retryInMs, { summary: `rollback stuck at ${step}: retry` });
    this.setPhase('RollingBack', `rolling back: retrying "${step}"`);
  }

  /** Stops the rollout with this failure (first one wins); it ends rolled back. */
  fail(err: unknown): void {
    if (this.failure || this.abortedBy || this.finished || this.status.committedAt) return;
    this.failure = err;
    this.forward.cancel();
  }
}

export function gateName(name: string | undefined, kind: string, index: number): string {
  return name ?? `${kind}-${index + 1}`;
}
