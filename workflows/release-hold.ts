/**
 * A deployment run by a release waits before its point of no return until the release confirms its stage, so a
 * joint rollback is a switch back, not a redeploy:
 * - canary: after the last step, all traffic on the new version with the stable version still in place;
 * - blue-green: the keep-previous phase lasts until confirmed (and at least the scale-down delay).
 * Workflow code: deterministic.
 */
import {
  ApplicationFailure,
  CancellationScope,
  condition,
  getExternalWorkflowHandle,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Candidate } from '../activities/types';
import type { Plan } from '../plan/schema';
import { platform } from './activities';
import { checkAction } from './messages';
import {
  type ReleaseLink,
  type TargetGate,
  confirmSignal,
  releaseDescriptions,
  rollBackSignal,
  targetGateSignal,
  targetHeldSignal,
} from './release-messages';
import type { Rollout } from './rollout';
import type { Gate } from './status';

/**
 * The patch of targets that tell their release when one of their gates opens and closes (`targetGate`), so the
 * release shows who may answer it. Asked in the target's first workflow task, only by targets a release runs.
 */
export const RELEASE_GATE_REPORTS = 'release-gate-reports';

export class ReleaseHold {
  private confirmed = false;
  /** A gate reported open that was not reported closed yet. */
  private gateOpen = false;

  /** `reportsGates`: the run has the `release-gate-reports` patch. */
  constructor(
    readonly link: ReleaseLink,
    private readonly rollout: Rollout,
    private readonly reportsGates = false,
  ) {}

  /** Signal handlers never throw; a rollBack stops the rollout like an abort, before the point of no return. */
  listen(): void {
    setHandler(
      confirmSignal,
      (input) => {
        const action = checkAction(input);
        this.rollout.record(
          'promote',
          action.success ? action.data : { by: 'release', reason: 'stage confirmed' },
          undefined,
          `stage confirmed by ${this.link.releaseId}`,
        );
        this.confirmed = true;
      },
      { description: releaseDescriptions.confirm },
    );
    setHandler(
      rollBackSignal,
      (input) => {
        const action = checkAction(input);
        const { by, reason } = action.success ? action.data : { by: 'release', reason: 'joint rollback' };
        this.rollout.record('abort', { by, reason }, undefined, `joint rollback by ${this.link.releaseId}`);
        this.rollout.fail(
          ApplicationFailure.nonRetryable(`rolled back with its stage by ${by}${reason ? `: ${reason}` : ''}`, 'JointRollback'),
        );
      },
      { description: releaseDescriptions.rollBack },
    );
  }

  /** Tells the release this target moved; it then waits for confirm (or is rolled back). */
  async report(candidate: Candidate): Promise<void> {
    await getExternalWorkflowHandle(this.link.workflowId).signal(targetHeldSignal, {
      workflowId: workflowInfo().workflowId,
      stableVersion: candidate.stableVersion,
      candidateVersion: candidate.candidateVersion,
    });
  }

  /** A gate opened: the release shows it on this target, with who may answer it. Returns at once. */
  gateOpened(gate: Gate): void {
    if (!this.reportsGates) return;
    this.gateOpen = true;
    const { kind, name, approvers, deadline, onTimeout, required, rule, signed } = gate;
    this.tell({ workflowId: workflowInfo().workflowId, gate: { kind, name, approvers, deadline, onTimeout, required, rule, signed } });
  }

  /** The gate reported open closed (answered, skipped, timed out, or the run rolls back). Returns at once. */
  gateClosed(): void {
    if (!this.reportsGates || !this.gateOpen) return;
    this.gateOpen = false;
    this.tell({ workflowId: workflowInfo().workflowId });
  }

  /**
   * Not awaited: the rollout never waits on its release's news. Outside the forward scope, so an abort does not
   * cancel the signal; a release already closed is no failure of this run.
   */
  private tell(report: TargetGate): void {
    void CancellationScope.nonCancellable(() => getExternalWorkflowHandle(this.link.workflowId).signal(targetGateSignal, report)).catch(
      () => undefined,
    );
  }

  async awaitConfirmation(candidate: Candidate): Promise<void> {
    if (this.confirmed) return;
    await this.rollout.holdWhilePaused();
    this.rollout.setPhase(
      'AwaitingConfirmation',
      `${candidate.candidateVersion} takes all traffic, ${candidate.stableVersion} kept: waiting ` +
        `for ${this.link.releaseId} to confirm the stage`,
    );
    await condition(() => this.confirmed);
  }

  /** Canary: all traffic to the new version, stable kept in place; report, and wait for the release's word. */
  async holdCanary(plan: Plan, candidate: Candidate): Promise<void> {
    if (this.rollout.status.weight < 100) {
      this.rollout.setPhase(
        'Progressing',
        `moving all traffic to ${candidate.candidateVersion}, ${candidate.stableVersion} kept until the release confirms`,
      );
      await platform.setTrafficWeight.executeWithOptions({ summary: 'traffic → 100% (previous version kept for the release)' }, [
        { target: plan.target, metadata: plan.metadata, candidate, weight: 100 },
      ]);
      this.rollout.setWeight(100);
    }
    await this.report(candidate);
    await this.awaitConfirmation(candidate);
  }
}
