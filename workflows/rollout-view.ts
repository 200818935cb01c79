/**
 * What a rollout shows, and nothing else: its status (the status query, the Web UI's Current Details, the memo at
 * the end), its search attributes, and the record of who did what. The gates (rollout.ts) and the message handlers
 * (rollout-messages.ts) change the rollout through it. Workflow code: deterministic, no I/O.
 */
import { setCurrentDetails, workflowInfo } from '@temporalio/workflow';
import type { Plan } from '../plan/schema';
import { mergeMeasurements } from './analysis-reports';
import { AttributeUpserts } from './attribute-upserts';
import { recordAction } from './metrics';
import { startedSince } from './lean-history';
import { DeployPhase, DeployWeight } from './search-attributes';
import { type ActionRecord, type DeploymentStatus, type Phase, actionRecord, initialStatus } from './status';
import { renderDetails } from './status-details';

const MAX_MEASUREMENTS = 50;
const MAX_ACTIONS = 100;

export class RolloutView {
  readonly status: DeploymentStatus;
  /** Asks the lean-history patch: built first, in the run's first workflow task. */
  private readonly attributes = new AttributeUpserts();
  /** Runs since `runs-2026-11-29` upsert a step's weight with the next phase change (lean-history.ts). */
  private readonly weightWithPhase = startedSince('runs-2026-11-29');

  constructor(readonly plan: Plan) {
    this.status = initialStatus(plan, workflowInfo().startTime);
  }

  /** The run is rolling back or has ended: people's messages no longer move it. */
  get finished(): boolean {
    return this.status.outcome !== undefined || this.status.phase === 'RollingBack' || this.status.phase === 'RollbackStuck';
  }

  setPhase(phase: Phase, message: string): void {
    const changed = phase !== this.status.phase;
    this.status.phase = phase;
    this.status.message = message;
    if (changed) this.attributes.upsert({ key: DeployPhase, value: phase });
    this.publish();
  }

  /**
   * The status has the weight at once; the search attribute follows with the next phase change, where the run
   * comes to rest (a soak, a gate, an analysis, the promotion, a rollback): one upsert for both. Runs started
   * before `runs-2026-11-29` upsert it at once unless `withNextPhase` (the weight of 100 once promoted).
   */
  setWeight(weight: number, { withNextPhase = false } = {}): void {
    const changed = weight !== this.status.weight;
    this.status.weight = weight;
    // Runs started before lean-history upsert every weight set, changed or not: replay expects the same commands.
    if (changed || !this.attributes.together)
      this.attributes.upsert({ key: DeployWeight, value: weight }, !(withNextPhase || this.weightWithPhase));
    this.publish();
  }

  enterStep(index: number, total: number, description: string): void {
    this.status.step = { index: index + 1, total, description };
    this.publish();
  }

  update(change: Partial<DeploymentStatus>): void {
    Object.assign(this.status, change);
    this.publish();
  }

  /** Reported by analysis children, or returned with their result; one reported twice (by an older child) is kept once. */
  addMeasurements(records: DeploymentStatus['measurements']): void {
    if (records.length === 0) return;
    this.status.measurements = mergeMeasurements(this.status.measurements, records, MAX_MEASUREMENTS);
    this.publish();
  }

  publish(): void {
    setCurrentDetails(renderDetails(this.status, workflowInfo().workflowId));
  }

  /** Something to finish by hand that does not change the outcome. */
  warn(message: string): void {
    this.status.warnings = [...(this.status.warnings ?? []), message];
    this.publish();
  }

  /** The rollback finished: clears what `waitOutStuckRollback` showed. */
  clearStuck(): void {
    this.status.stuck = undefined;
    this.publish();
  }

  /** Who did what, when and why: kept in the status (the last 100; `glidepath audit` reads every one from history). */
  record(
    action: ActionRecord['action'],
    input: { by: string; reason?: string; signedWith?: string },
    gate?: string,
    note?: string,
  ): ActionRecord {
    const record = actionRecord(action, input, gate, note);
    recordAction(this.plan, action);
    this.status.actions = [...this.status.actions, record].slice(-MAX_ACTIONS);
    this.publish();
    return record;
  }
}
