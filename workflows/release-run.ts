/**
 * The live state of one release and the messages people send it: abort (the running stage rolls back),
 * approve/reject (the gate before the next stage), pause/resume/promote (release-actions.ts), and the reports of
 * its targets. Workflow code: deterministic.
 */
import {
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  type ChildWorkflowHandle,
  condition,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { durationMs, formatDuration } from '../plan/duration';
import type { PlannedStage } from '../plan/release-stages';
import type { Release } from '../plan/release-schema';
import {
  type ActionInput,
  abortSignal,
  checkAction,
  checkApproval,
  checkedOrThrow,
  approveUpdate,
  descriptions,
  rejectUpdate,
} from './messages';
import type { deploymentWorkflow } from './deployment';
import { listenToReleaseActions } from './release-actions';
import { GateAnalysis, listenToGateAnalyses } from './release-gate-analysis';
import type { ReleaseNotifier } from './release-notify';
import { listenToTargetGates } from './release-target-gates';
import { type TargetHeld, releaseDescriptions, releaseStatusQuery, targetHeldSignal } from './release-messages';
import {
  type ReleasePhase,
  type ReleaseStatus,
  type ReleaseTargetStatus,
  initialReleaseStatus,
  renderReleaseDetails,
} from './release-status';
import { DeployPhase } from './search-attributes';
import { type ActionRecord, actionRecord } from './status';

const MAX_ACTIONS = 100;

/** Phases that end the release's forward path: shown even while it is paused. */
const UNPAUSED_PHASES: ReleasePhase[] = ['RollingBack', 'Promoted', 'RolledBack', 'Halted', 'Stopped'];

export class ReleaseRun {
  readonly status: ReleaseStatus;
  /** Everything that moves the release forward runs in this scope; abort cancels it. */
  readonly forward = new CancellationScope();
  /** The run's own scope: cancelled by a Temporal cancel (the Web UI's Cancel), which `forward` hears too. */
  private readonly root = CancellationScope.current();
  abortedBy?: ActionRecord;
  /** Targets that reported they moved and wait for their stage to be confirmed, by workflow ID. */
  readonly held = new Map<string, TargetHeld>();
  /** The targets started, by workflow ID: a pause reaches those still moving. */
  readonly handles = new Map<string, ChildWorkflowHandle<typeof deploymentWorkflow>>();
  /** Set by pause, cleared by resume: while set, nothing new starts. */
  pausedBy?: ActionRecord;
  /** The targets the release's pause paused: its resume resumes them. */
  readonly pausedTargets = new Set<string>();
  /** The stage whose gate soaks now (promote may skip the rest), and who skipped it. */
  soaking?: string;
  soakSkippedBy?: ActionRecord;
  /** Who promoted past the inconclusive analysis of the gate the release waits at. */
  judgedBy?: ActionRecord;
  /** The analysis of the gate the release is at, once started. */
  gateAnalysis?: GateAnalysis;
  /** Who let each stage start (by stage name): its gate's approver, who promoted past its soak, or "automatic". */
  readonly admittedBy = new Map<string, string>();
  /** Tells the policy's sinks about the release's own events; absent when it has none (see release-notify.ts). */
  notifier?: ReleaseNotifier;
  /** What the release shows again when resumed. */
  private resumeTo?: { phase: ReleasePhase; message: string };
  private answer?: { approved: boolean; record: ActionRecord };

  /**
   * `actions`: the run has the `release-actions` patch (pause, resume, promote; who promoted each stage).
   * `gateAnalyses`: the `release-gate-analysis` patch (its gates run their analyses).
   * `stopsAtOnce`: the `release-stops-at-once` patch (release-stage.ts): a target that fails after it moved fails
   * its stage at once, an abort starts nothing more, a joint rollback signals every target without waiting on
   * each, and an abort once the last stage is being confirmed is too late.
   */
  constructor(
    readonly release: Release,
    readonly stages: PlannedStage[],
    readonly actions = false,
    readonly gateAnalyses = false,
    readonly stopsAtOnce = false,
  ) {
    this.status = initialReleaseStatus(release, stages, workflowInfo().startTime);
  }

  listen(): void {
    setHandler(releaseStatusQuery, () => this.status, {
      description: 'Stages and targets of this release, what each does, and what the release waits for.',
    });
    setHandler(abortSignal, (input) => this.onAbort(input), {
      description:
        `Abort the release: every target of the running stage that moved switches back; earlier stages ` +
        `stay promoted. Input: {"by": "<your name>", "reason": "<why>"}`,
    });
    setHandler(
      targetHeldSignal,
      (report) => {
        if (!report || typeof report.workflowId !== 'string') return;
        this.held.set(report.workflowId, report);
        const target = this.target(report.workflowId);
        if (target)
          Object.assign(target, {
            state: 'held',
            stableVersion: report.stableVersion,
            candidateVersion: report.candidateVersion,
            message: 'moved; previous version kept until the stage is confirmed',
            gate: undefined,
          });
        this.publish();
      },
      { description: releaseDescriptions.targetHeld },
    );
    setHandler(approveUpdate, (input) => this.answerGate(input, true), {
      validator: (input) => this.validateAnswer(input),
      description: descriptions.approve,
    });
    setHandler(rejectUpdate, (input) => this.answerGate(input, false), {
      validator: (input) => this.validateAnswer(input),
      description: descriptions.reject,
    });
    listenToTargetGates(this); // changes only the status: no patch
    if (this.actions) listenToReleaseActions(this);
    if (this.gateAnalyses) listenToGateAnalyses(this);
    this.publish();
  }

  setPhase(phase: ReleasePhase, message: string): void {
    if (this.pausedBy && !UNPAUSED_PHASES.includes(phase)) {
      this.resumeTo = { phase, message }; // shown once resumed; until then the release shows Paused
      this.publish();
      return;
    }
    if (this.pausedBy) this.status.paused = undefined; // rolling back or ended: the pause no longer holds anything
    if (phase !== this.status.phase) upsertSearchAttributes([{ key: DeployPhase, value: phase }]);
    this.status.phase = phase;
    this.status.message = message;
    this.publish();
  }

  target(workflowId: string): ReleaseTargetStatus | undefined {
    for (const stage of this.status.stages) {
      const found = stage.targets.find((t) => t.workflowId === workflowId);
      if (found) return found;
    }
    return undefined;
  }

  pause(record: ActionRecord, message: string): void {
    this.resumeTo = { phase: this.status.phase, message: this.status.message };
    this.setPhase('Paused', message);
    this.pausedBy = record;
    this.status.paused = record;
    this.publish();
  }

  resume(): void {
    const to = this.resumeTo ?? { phase: this.status.phase, message: this.status.message };
    this.pausedBy = undefined;
    this.status.paused = undefined;
    this.resumeTo = undefined;
    this.setPhase(to.phase, to.message);
  }

  /** Call only when paused (`if (run.pausedBy)`): runs that are never paused await nothing more than before. */
  async holdWhilePaused(): Promise<void> {
    await condition(() => this.pausedBy === undefined);
  }

  stage(name: string) {
    return this.status.stages.find((s) => s.name === name)!;
  }

  publish(): void {
    setCurrentDetails(renderReleaseDetails(this.status, workflowInfo().workflowId));
  }

  record(action: ActionRecord['action'], input: { by: string; reason?: string }, gate?: string, note?: string): ActionRecord {
    const record = actionRecord(action, input, gate, note);
    this.status.actions = [...this.status.actions, record].slice(-MAX_ACTIONS);
    this.publish();
    return record;
  }

  /**
   * The gate before `next`: soak since `stage` was promoted (promote skips the rest) with its analysis measuring
   * beside it (release-gate-analysis.ts), then its approval. Runs in the forward scope. Notes who let `next` start.
   */
  async gate(stage: PlannedStage, next: string): Promise<void> {
    const gate = stage.gate;
    this.admittedBy.set(next, 'automatic');
    if (!gate) return;
    this.status.stage = stage.name;
    const analysis = this.gateAnalyses && gate.analysis ? new GateAnalysis(this, stage) : undefined;
    this.gateAnalysis = analysis;
    if (gate.soak) {
      const promotedAt = Date.parse(this.stage(stage.name).promotedAt ?? new Date().toISOString());
      const remaining = durationMs(gate.soak) - (Date.now() - promotedAt);
      if (remaining > 0) {
        this.setPhase(
          'Gated',
          `${stage.name} soaks ${formatDuration(durationMs(gate.soak))} ` +
            `before ${next}: ${formatDuration(remaining)} left${analysis ? `; analysis "${analysis.name}" measures it` : ''}`,
        );
        this.soaking = stage.name;
        this.soakSkippedBy = undefined;
        // A failed analysis ends the soak at once: the release stops without waiting it out.
        await condition(() => this.soakSkippedBy !== undefined || analysis?.failed === true, remaining, {
          summary: `soak ${stage.name} ${formatDuration(durationMs(gate.soak))} before ${next}`,
        });
        this.soaking = undefined;
        const skipped = this.soakSkippedBy as ActionRecord | undefined; // set by promote while we waited
        if (skipped) this.admittedBy.set(next, skipped.by);
      }
    }
    if (analysis) await analysis.settle(next);
    const approval = gate.approval;
    if (!approval) return;
    const name = approval.name ?? `promote-to-${next}`;
    const ms = durationMs(approval.timeout);
    this.answer = undefined;
    this.status.gate = {
      kind: 'approval',
      name,
      approvers: approval.approvers,
      deadline: new Date(Date.now() + ms).toISOString(),
      onTimeout: approval.onTimeout,
    };
    this.setPhase('AwaitingApproval', `${stage.name} is promoted; waiting for approval "${name}" to start ${next}`);
    const environment = this.notifier?.environmentOf(next);
    this.notifier?.gateWaiting(this.status.gate, environment);
    const answered = await condition(() => this.answer !== undefined, ms, { summary: `approval ${name}` });
    this.status.gate = undefined;
    this.publish();
    if (!answered) {
      this.record('timeout', { by: 'glidepath', reason: `no answer within ${approval.timeout}; ${approval.onTimeout}` }, name);
      this.admittedBy.set(next, 'automatic');
      if (approval.onTimeout === 'promote') return;
      throw ApplicationFailure.nonRetryable(`approval "${name}" timed out after ${approval.timeout}`, 'ApprovalTimedOut');
    }
    const answer = this.answer as ReleaseRun['answer'];
    if (answer) this.notifier?.gateAnswered(name, answer.approved, answer.record, undefined, environment);
    if (answer && !answer.approved) {
      throw ApplicationFailure.nonRetryable(
        `rejected at "${name}" by ${answer.record.by}${answer.record.reason ? `: ${answer.record.reason}` : ''}`,
        'Rejected',
      );
    }
    if (answer) this.admittedBy.set(next, answer.record.by);
  }

  /** After the gate stopped the release: its analysis, cancelled with the forward scope, stops measuring first. */
  async stopGateAnalysis(): Promise<void> {
    const analysis = this.gateAnalysis;
    if (analysis) await CancellationScope.nonCancellable(() => analysis.closed);
  }

  get finished(): boolean {
    return this.status.outcome !== undefined || this.status.phase === 'RollingBack';
  }

  /** Cancelled through Temporal rather than aborted. */
  get cancelled(): boolean {
    return this.root.consideredCancelled && this.abortedBy === undefined;
  }

  /** Aborted, or cancelled through Temporal: nothing new may start (no stage, migration or target). */
  get stopping(): boolean {
    return this.abortedBy !== undefined || this.forward.consideredCancelled;
  }

  /**
   * Throws once the release is stopping. Work started in a non-cancellable scope (a migration, a child's start)
   * does not see the cancel of `forward`, so the release asks before each.
   */
  throwIfStopping(): void {
    if (this.stopping) throw new CancelledFailure(this.abortedBy ? 'aborted' : 'cancelled');
  }

  /** The last stage is being confirmed: the release passed its point of no return and ends promoted. */
  commit(): void {
    this.status.committedAt = new Date().toISOString();
    this.publish();
  }

  /** Signal handler: never throws; the first abort wins. */
  private onAbort(input: ActionInput): void {
    const parsed = checkAction(input);
    const { system, version } = this.release.metadata;
    const late = this.finished
      ? 'too late: the release already ended or rolls back'
      : this.status.committedAt
        ? `too late: past the point of no return, ${system}@${version} is being promoted`
        : undefined;
    const record = this.record('abort', parsed.success ? parsed.data : { by: 'unknown', reason: 'unreadable input' }, undefined, late);
    if (this.abortedBy || late) return;
    this.abortedBy = record;
    this.forward.cancel();
  }

  /** Update validator: synchronous; throwing refuses the update without a trace in history. */
  private validateAnswer(input: unknown): void {
    const a = checkedOrThrow(checkApproval(input));
    const gate = this.status.gate;
    if (this.finished || !gate) throw new Error(`not waiting for an approval (phase: ${this.status.phase})`);
    if (gate.kind !== 'approval')
      throw new Error(
        `the release waits for a decision on inconclusive analysis "${gate.name}": promote starts the next stage, abort stops`,
      );
    if (a.gate !== undefined && a.gate !== gate.name) throw new Error(`the release waits at approval "${gate.name}", not "${a.gate}"`);
    if (gate.approvers?.length && !gate.approvers.includes(a.by)) {
      throw new Error(`${a.by} may not answer approval "${gate.name}"; allowed approvers: ${gate.approvers.join(', ')}`);
    }
  }

  private answerGate(input: unknown, approved: boolean) {
    const a = checkedOrThrow(checkApproval(input));
    const gate = this.status.gate?.name;
    this.answer = { approved, record: this.record(approved ? 'approve' : 'reject', a, gate) };
    return { accepted: `${approved ? 'approved' : 'rejected'} ${gate}`, at: new Date().toISOString(), gate };
  }
}
