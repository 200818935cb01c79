/**
 * The live state of one deployment and the messages people send it. Strategies drive it through gates:
 * soak, wait-for-promotion and approval. Workflow code: deterministic, no I/O.
 */
import {
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  condition,
  patched,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { durationMs, formatDuration } from '../plan/duration';
import type { Approval, Plan } from '../plan/schema';
import {
  type ActionInput,
  checkAction,
  checkApproval,
  checkPromote,
  checkedOrThrow,
  abortSignal,
  approveUpdate,
  descriptions,
  pauseSignal,
  promoteUpdate,
  rejectUpdate,
  resumeSignal,
  statusQuery,
} from './messages';
import { measurementsSignal } from './analysis';
import { ApprovalSignatures } from './approval-signatures';
import type { FreezeHold } from './freeze-hold';
import type { Notifier } from './notify';
import { type ApprovalPolicy, policyRefusal } from './policy-approvals';
import { recordAction } from './metrics';
import type { ReleaseHold } from './release-hold';
import { LEAN_HISTORY } from './lean-history';
import { DeployPhase, DeployWeight } from './search-attributes';
import { type ActionRecord, type DeploymentStatus, type Gate, type Phase, initialStatus, renderDetails } from './status';

const MAX_MEASUREMENTS = 50;
const MAX_ACTIONS = 100;

export class Rollout {
  readonly status: DeploymentStatus;
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
  /** Signed answers, at the policy gates whose rule requires them. */
  readonly signatures = new ApprovalSignatures();
  /** The last person who let the rollout go on: who approved its last gate or promoted it (`where` shows it). */
  promotedBy?: string;
  /** Tells the policy's notification sinks about the run's events; absent when it has none (see notify.ts). */
  notifier?: Notifier;
  private paused = false;
  private retryRollbackNow = false;
  private promoteRequested = false;
  private answer?: { approved: boolean; record: ActionRecord };
  /** Search attributes changed in this activation, upserted together at its end (lean-history.ts). */
  private readonly changedAttributes = new Map<string, SearchAttributeUpdatePair>();
  private readonly upsertTogether = patched(LEAN_HISTORY);
  private upsertQueued = false;

  constructor(readonly plan: Plan) {
    this.status = initialStatus(plan, workflowInfo().startTime);
  }

  /** Registers every handler; call before the first await so the UI and early messages find them. */
  listen(): void {
    setHandler(statusQuery, () => this.status, { description: descriptions.status });
    setHandler(abortSignal, (input) => this.onAbort(input), { description: descriptions.abort });
    setHandler(pauseSignal, (input) => this.onPause(input, true), { description: descriptions.pause });
    setHandler(resumeSignal, (input) => this.onPause(input, false), { description: descriptions.resume });
    setHandler(measurementsSignal, (input) => this.addMeasurements(Array.isArray(input?.records) ? input.records : []), {
      description: "Measurements reported by this deployment's analysis child workflows (sent by Glidepath, not by people).",
    });
    setHandler(approveUpdate, (input) => this.answerGate(input, true), {
      validator: (input) => this.validateAnswer(input, true),
      description: descriptions.approve,
    });
    setHandler(rejectUpdate, (input) => this.answerGate(input, false), {
      validator: (input) => this.validateAnswer(input, false),
      description: descriptions.reject,
    });
    setHandler(
      promoteUpdate,
      (input) => {
        const p = checkedOrThrow(checkPromote(input));
        this.record('promote', p, this.status.gate?.name);
        this.promoteRequested = true;
        this.promotedBy = p.by;
        if (p.full) this.fullPromotion = true;
        return { accepted: p.full ? 'full promotion' : 'promotion', at: new Date().toISOString() };
      },
      { validator: (input) => this.validatePromote(input), description: descriptions.promote },
    );
    this.publish();
  }

  // ---- state ----------------------------------------------------------------------------------------

  setPhase(phase: Phase, message: string): void {
    const changed = phase !== this.status.phase;
    this.status.phase = phase;
    this.status.message = message;
    if (changed) this.upsert({ key: DeployPhase, value: phase });
    this.publish();
  }

  /**
   * `withNextPhase`: the search attribute follows with the next phase change rather than now (the weight of 100
   * once promoted, shown with Promoted: one upsert for the end of the run). The status has it at once.
   */
  setWeight(weight: number, { withNextPhase = false } = {}): void {
    const changed = weight !== this.status.weight;
    this.status.weight = weight;
    // Runs started before lean-history upsert every weight set, changed or not: replay expects the same commands.
    if (changed || !this.upsertTogether) this.upsert({ key: DeployWeight, value: weight }, !withNextPhase);
    this.publish();
  }

  /**
   * One upsert per activation for every attribute changed in it (a step's weight and the next phase, say): the
   * first change queues the upsert after the code now running, as a microtask, still inside this activation.
   */
  private upsert(pair: SearchAttributeUpdatePair, now = true): void {
    if (!this.upsertTogether) {
      upsertSearchAttributes([pair]);
      return;
    }
    this.changedAttributes.set(pair.key.name, pair);
    if (!now || this.upsertQueued) return;
    this.upsertQueued = true;
    void Promise.resolve().then(() => {
      this.upsertQueued = false;
      upsertSearchAttributes([...this.changedAttributes.values()]);
      this.changedAttributes.clear();
    });
  }

  enterStep(index: number, total: number, description: string): void {
    this.status.step = { index: index + 1, total, description };
    this.publish();
  }

  update(change: Partial<DeploymentStatus>): void {
    Object.assign(this.status, change);
    this.publish();
  }

  addMeasurements(records: DeploymentStatus['measurements']): void {
    this.status.measurements = [...this.status.measurements, ...records].slice(-MAX_MEASUREMENTS);
    this.publish();
  }

  publish(): void {
    setCurrentDetails(renderDetails(this.status, workflowInfo().workflowId));
  }

  // ---- gates --------------------------------------------------------------------------------------------

  get isPaused(): boolean {
    return this.paused;
  }

  async holdWhilePaused(): Promise<void> {
    if (this.freezeHold?.frozen) await this.freezeHold.hold();
    if (!this.paused) return;
    const previous = { phase: this.status.phase, message: this.status.message };
    this.setPhase('Paused', 'paused; send resume to continue');
    await condition(() => !this.paused);
    this.setPhase(previous.phase, previous.message);
    if (this.freezeHold?.frozen) await this.freezeHold.hold();
  }

  /**
   * A durable soak timer. Pausing or a freeze stops the clock (the timer ends where a scheduled freeze starts);
   * the soak then goes on with the time it had left. Promote skips the rest.
   */
  async soak(ms: number, name: string, phase: Phase = 'Soaking'): Promise<void> {
    this.promoteRequested = false;
    let remaining = ms;
    while (remaining > 0 && !this.promoteRequested && !this.fullPromotion) {
      await this.holdWhilePaused();
      this.setPhase(phase, `${name}: ${formatDuration(remaining)} left`);
      const started = Date.now();
      const timer = remaining === ms ? name : `${name} (${formatDuration(remaining)} left)`;
      const freeze = this.freezeHold?.startingWithin(remaining); // the timer ends where it starts
      await condition(
        () => this.paused || this.freezeHold?.emergencyFreeze !== undefined || this.promoteRequested || this.fullPromotion,
        freeze ? Date.parse(freeze.from) - started : remaining,
        { summary: freeze ? `${timer}, until the freeze of rule ${freeze.rule} at ${freeze.from}` : timer },
      );
      remaining -= Date.now() - started;
    }
  }

  /** A pause without a duration: waits for `promote`. */
  async waitForPromotion(name: string): Promise<void> {
    if (this.fullPromotion) return;
    this.promoteRequested = false;
    await this.openGate({ kind: 'promotion', name }, 'AwaitingPromotion', 'waiting for promote');
    await condition(() => this.promoteRequested || this.fullPromotion);
    this.closeGate();
  }

  /** An analysis whose result is inconclusive: a person promotes or aborts, within the approval timeout rules. */
  async waitForJudgement(name: string, timeout = '24h'): Promise<void> {
    this.promoteRequested = false;
    const ms = durationMs(timeout);
    await this.openGate(
      { kind: 'inconclusive-analysis', name, deadline: new Date(Date.now() + ms).toISOString(), onTimeout: 'abort' },
      'AwaitingPromotion',
      `analysis "${name}" was inconclusive: promote to continue or abort to roll back`,
    );
    const decided = await condition(() => this.promoteRequested || this.fullPromotion, ms, { summary: `judge ${name}` });
    this.closeGate();
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
    this.answer = undefined;
    await this.openGate(
      {
        kind: 'approval',
        name,
        approvers: approval.approvers,
        deadline: new Date(Date.now() + ms).toISOString(),
        onTimeout: approval.onTimeout,
        ...policy,
      },
      'AwaitingApproval',
      policy ? `waiting for ${policy.required} approvals "${name}" (policy rule ${policy.rule})` : `waiting for approval "${name}"`,
    );
    const answered = await condition(() => this.answer !== undefined || (skippable && this.fullPromotion), ms, {
      summary: `approval ${name}`,
    });
    const passed = this.status.gate;
    this.closeGate();
    if (!answered) {
      this.record('timeout', { by: 'glidepath', reason: `no answer within ${approval.timeout}; ${approval.onTimeout}` }, name);
      if (approval.onTimeout === 'promote') return;
      throw ApplicationFailure.nonRetryable(`approval "${name}" timed out after ${approval.timeout}`, 'ApprovalTimedOut');
    }
    const answer = this.answer as Rollout['answer']; // set by the approve/reject handlers while we waited
    if (answer) this.notifier?.gateAnswered(name, answer.approved, answer.record, passed?.approvedBy);
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
  }

  private closeGate(): void {
    this.status.gate = undefined;
    this.publish();
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

  /** Something to finish by hand that does not change the outcome. */
  warn(message: string): void {
    this.status.warnings = [...(this.status.warnings ?? []), message];
    this.publish();
  }

  /**
   * A rollback step failed past its retries: show it loudly and wait for a person (resume) or the next automatic
   * try. Never reports RolledBack while a step is undone only half-way.
   */
  async waitOutStuckRollback(step: string, reason: string, retryEveryMs: number): Promise<void> {
    const since = this.status.stuck?.step === step ? this.status.stuck.since : new Date().toISOString();
    this.status.stuck = {
      step,
      reason,
      since,
      remedy:
        `fix the cause (permissions, the platform object), then \`glidepath resume ${workflowInfo().workflowId}\` to retry now; ` +
        `it also retries by itself every ${formatDuration(retryEveryMs)}`,
    };
    this.setPhase('RollbackStuck', `rollback stuck at "${step}": ${reason}`);
    this.retryRollbackNow = false;
    await condition(() => this.retryRollbackNow, retryEveryMs, { summary: `rollback stuck at ${step}: retry` });
    this.setPhase('RollingBack', `rolling back: retrying "${step}"`);
  }

  /** The rollback finished: clears what `waitOutStuckRollback` showed. */
  clearStuck(): void {
    this.status.stuck = undefined;
    this.publish();
  }

  // ---- messages -----------------------------------------------------------------------------------------

  private get finished(): boolean {
    return this.status.outcome !== undefined || this.status.phase === 'RollingBack' || this.status.phase === 'RollbackStuck';
  }

  /** Stops the rollout with this failure (first one wins); it ends rolled back. */
  fail(err: unknown): void {
    if (this.failure || this.abortedBy || this.finished || this.status.committedAt) return;
    this.failure = err;
    this.forward.cancel();
  }

  /** Signal handler: never throws; the first abort wins. */
  private onAbort(input: ActionInput): void {
    const note =
      this.status.committedAt && !this.finished
        ? `too late: past the point of no return, ${this.plan.metadata.release} stays live`
        : undefined;
    const record = this.record('abort', safeAction(input), undefined, note);
    if (this.abortedBy || this.finished || note) return;
    this.abortedBy = record;
    this.forward.cancel();
  }

  private onPause(input: ActionInput, paused: boolean): void {
    const late = paused && this.status.committedAt && !this.finished ? 'too late: past the point of no return' : undefined;
    this.record(paused ? 'pause' : 'resume', safeAction(input), undefined, late);
    if (!paused && this.status.phase === 'RollbackStuck') this.retryRollbackNow = true;
    if (this.finished || late) return;
    this.paused = paused;
    this.status.paused = paused;
    this.publish();
  }

  /** Update validator: synchronous, and throwing refuses the update without a trace in history. */
  private validateAnswer(input: unknown, approved: boolean): void {
    const a = checkedOrThrow(checkApproval(input));
    const gate = this.status.gate;
    if (this.finished || !gate || gate.kind !== 'approval') {
      throw new Error(`not waiting for an approval (phase: ${this.status.phase})`);
    }
    if (a.gate !== undefined && a.gate !== gate.name) {
      throw new Error(`the plan waits at approval "${gate.name}", not "${a.gate}"`);
    }
    if (gate.approvers?.length && !gate.approvers.includes(a.by)) {
      throw new Error(`${a.by} may not answer approval "${gate.name}"; allowed approvers: ${gate.approvers.join(', ')}`);
    }
    const { workflowId, runId } = workflowInfo();
    const decision = approved ? 'approve' : 'reject';
    const unsigned = this.signatures.refusal(a, { workflowId, runId, gate: gate.name, decision, nowMs: Date.now() });
    if (unsigned) throw new Error(unsigned);
    const refusal = policyRefusal(gate, a.by, approved, this.approvalPolicy);
    if (refusal) throw new Error(refusal);
  }

  private answerGate(input: unknown, approved: boolean) {
    const a = checkedOrThrow(checkApproval(input));
    const gate = this.status.gate?.name;
    const record = this.record(approved ? 'approve' : 'reject', { ...a, signedWith: this.signatures.spend(a) }, gate);
    const open = this.status.gate;
    if (approved && open?.required && (open.approvedBy?.length ?? 0) + 1 < open.required) {
      open.approvedBy = [...(open.approvedBy ?? []), a.by]; // a policy gate that needs more distinct approvers
      this.publish();
      return { accepted: `approved ${gate} (${open.approvedBy.length} of ${open.required})`, at: new Date().toISOString() };
    }
    if (approved && open?.required) open.approvedBy = [...(open.approvedBy ?? []), a.by];
    if (approved) this.promotedBy = a.by;
    this.answer = { approved, record };
    return { accepted: `${approved ? 'approved' : 'rejected'} ${gate}`, at: new Date().toISOString() };
  }

  private validatePromote(input: unknown): void {
    const p = checkedOrThrow(checkPromote(input));
    if (this.finished) throw new Error(`nothing to promote (phase: ${this.status.phase})`);
    if (this.status.committedAt) throw new Error('already promoting: past the point of no return');
    if (p.full) {
      if (this.policyGatesPending) throw new Error('the approvals the policy requires come first: no promotion skips them');
      const blocking = this.approvalsAhead().find((a) => a.approvers?.length && !a.approvers.includes(p.by));
      if (blocking) {
        throw new Error(`${p.by} cannot skip approval "${blocking.name}"; only ${blocking.approvers!.join(', ')} may approve it`);
      }
      return;
    }
    const waiting = this.status.gate?.kind === 'promotion' || this.status.gate?.kind === 'inconclusive-analysis';
    if (!waiting && this.status.phase !== 'Soaking' && this.status.phase !== 'KeepingPrevious') {
      throw new Error(`not waiting for promotion (phase: ${this.status.phase}); use "full": true to skip all remaining steps`);
    }
  }

  /** Approval gates not yet passed (the current one included). */
  private approvalsAhead(): Array<Approval & { name: string }> {
    const strategy = this.plan.strategy;
    const steps = strategy.type === 'canary' ? strategy.steps : [...strategy.prePromotion, ...strategy.postPromotion];
    const from = strategy.type === 'canary' ? (this.status.step?.index ?? 1) - 1 : 0;
    return steps
      .map((step, i) => (step.approval ? { ...step.approval, name: gateName(step.approval.name, 'approval', i) } : undefined))
      .filter((a, i): a is Approval & { name: string } => a !== undefined && i >= from);
  }

  record(
    action: ActionRecord['action'],
    input: { by: string; reason?: string; signedWith?: string },
    gate?: string,
    note?: string,
  ): ActionRecord {
    const record: ActionRecord = {
      action,
      by: input.by,
      reason: input.reason ?? '',
      at: new Date().toISOString(),
      gate,
      ...(note ? { note } : {}),
      ...(input.signedWith ? { signedWith: input.signedWith } : {}),
    };
    recordAction(this.plan, action);
    this.status.actions = [...this.status.actions, record].slice(-MAX_ACTIONS);
    this.publish();
    return record;
  }
}

export function gateName(name: string | undefined, kind: string, index: number): string {
  return name ?? `${kind}-${index + 1}`;
}

function safeAction(input: unknown): { by: string; reason: string } {
  const parsed = checkAction(input);
  return parsed.success ? parsed.data : { by: 'unknown', reason: 'unreadable input' };
}
