/**
 * Every decision in one run's history, for `glidepath audit`: who started it, what the policy allowed or refused,
 * each abort, pause, resume (signals), approve, reject, promote (accepted updates), cancel and terminate request,
 * gate timeout, analysis result, freeze or window hold, and how the run ended. Read from the history, not from the
 * status (which keeps the last 100 actions only). Updates a validator refused leave no trace in history by design,
 * so they are not here; their count is the metric glidepath_policy_refusals.
 *
 * What the run made of a signal is not in the history; it is worked out from what is: an abort or pause after the
 * canary's promote call (blue-green: the removal of the previous version) was scheduled came past the point of no
 * return, as did one to a release that began confirming its last stage; one after the rollback started found the
 * run already ending.
 */
import { formatDuration } from '../plan/duration';
import { freezeCovers } from '../plan/policy-glob';
import type { AppliedPolicy, EmergencyFreeze, WindowState } from '../plan/policy-types';
import { type Decoder, EventType, type HistoryEvent, eventTime, upsertedAttribute } from './audit-history';
import { type RunKind, type RunState, endOf, gateOfReceipt, planGates, signalResult } from './audit-rules';

export interface Decision {
  time: string;
  workflowId: string;
  runId: string;
  action: string;
  by: string;
  reason: string;
  gate: string;
  rule: string;
  result: string;
  /** How the run ended (`running` while it runs): promoted, rolled-back, cancelled, blocked-by-policy, ... */
  outcome: string;
}

export interface RunRef {
  workflowId: string;
  runId: string;
}

export interface RunAudit {
  decisions: Decision[];
  outcome: string;
  /** Deployments this run started as children (a release's targets). */
  children: RunRef[];
}

export async function auditRun(run: RunRef, events: HistoryEvent[], decode: Decoder): Promise<RunAudit> {
  const reader = new RunReader(run, decode);
  for (const event of events) await reader.read(event);
  return reader.finish();
}

const text = (value: unknown) => (typeof value === 'string' ? value : '');
const record = (value: unknown) => (typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {});

class RunReader {
  private readonly rows: Decision[] = [];
  private readonly children: RunRef[] = [];
  private kind: RunKind = 'other';
  private service = '';
  private environment = '';
  private release = '';
  /** A release's stages, and how many it began to confirm: confirming the last is its point of no return. */
  private stages = 0;
  private confirming = 0;
  /** Gate name → what its timeout does, from the plan; and the policy's gates → their rule. */
  private gates = new Map<string, { onTimeout?: string; rule?: string }>();
  private commitActivity?: string;
  private committed = false;
  private phase = '';
  private aborted = false;
  private policy?: AppliedPolicy;
  private emergency: EmergencyFreeze[] = [];
  private freezeVersion = -1;
  private hold?: { row: Decision; since: number };
  private readonly activityTypes = new Map<string, string>();
  private readonly timers = new Map<string, string>();
  private openGate?: string;
  private readonly updates = new Map<string, Decision>();
  private outcome = 'running';

  constructor(
    private readonly run: RunRef,
    private readonly decode: Decoder,
  ) {}

  private add(event: HistoryEvent, fields: Partial<Decision> & { action: string }): Decision {
    const row: Decision = {
      time: eventTime(event),
      workflowId: this.run.workflowId,
      runId: this.run.runId,
      by: '',
      reason: '',
      gate: '',
      rule: '',
      result: '',
      outcome: '',
      ...fields,
    };
    this.rows.push(row);
    return row;
  }

  private state(): RunState {
    return {
      committed: this.committed,
      finished: ['RollingBack', 'RollbackStuck', 'RolledBack', 'Promoted', 'Halted', 'Stopped'].includes(this.phase),
      aborted: this.aborted,
      stuck: this.phase === 'RollbackStuck',
      confirming: this.kind === 'release' && this.phase === 'Confirming',
      release: this.release,
    };
  }

  async read(event: HistoryEvent): Promise<void> {
    const E = EventType;
    switch (event.eventType) {
      case E.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
        return this.started(event);
      case E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED: {
        const type = event.activityTaskScheduledEventAttributes?.activityType?.name ?? '';
        this.activityTypes.set(String(event.eventId), type);
        if (type === this.commitActivity) this.committed = true;
        return;
      }
      case E.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
        return this.activityCompleted(event);
      case E.EVENT_TYPE_MARKER_RECORDED:
        return this.localActivityCompleted(event);
      case E.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
        return this.phaseChanged(event);
      case E.EVENT_TYPE_TIMER_STARTED:
        return this.timerStarted(event);
      case E.EVENT_TYPE_TIMER_FIRED:
        return this.timerFired(event);
      case E.EVENT_TYPE_TIMER_CANCELED:
        if (this.timers.get(String(event.timerCanceledEventAttributes?.timerId)) === this.openGate) this.openGate = undefined;
        return;
      case E.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
        return this.signaled(event);
      case E.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
        return this.updateAccepted(event);
      case E.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED:
        return this.updateCompleted(event);
      case E.EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED:
        return this.cancelRequested(event);
      case E.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED:
        return this.childStarted(event);
      case E.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED:
      case E.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_FAILED:
        return this.childEnded(event);
      default:
        return this.maybeEnded(event);
    }
  }

  private async started(event: HistoryEvent): Promise<void> {
    const a = event.workflowExecutionStartedEventAttributes!;
    const type = a.workflowType?.name ?? '';
    const [input] = await this.decode.values(a.input);
    const metadata = record(record(input).metadata);
    this.kind = type === 'deploymentWorkflow' ? 'deployment' : type === 'releaseWorkflow' ? 'release' : 'other';
    if (this.kind === 'deployment') {
      this.service = text(metadata.service);
      this.environment = text(metadata.environment);
      this.release = text(metadata.release);
      const strategy = text(record(record(input).strategy).type);
      this.commitActivity = strategy === 'blueGreen' ? 'retirePrevious' : 'promoteCandidate';
      this.gates = planGates(input);
    }
    if (this.kind === 'release') {
      this.release = `${text(metadata.system)}@${text(metadata.version)}`;
      const stages = record(input).stages;
      this.stages = Array.isArray(stages) ? stages.length : 0;
    }
    const parent = a.parentWorkflowExecution?.workflowId;
    const summary = (await this.decode.summary(event)) ?? type;
    this.add(event, {
      action: 'start',
      by: text(metadata.requestedBy) || a.identity || '',
      reason: parent ? `${summary} (run by ${parent})` : summary,
      result: 'started',
    });
  }

  /** A local activity's result, from its marker: current runs check the plan and read the policy in one (checkRun). */
  private async localActivityCompleted(event: HistoryEvent): Promise<void> {
    const a = event.markerRecordedEventAttributes;
    if (a?.markerName !== 'core_local_activity' || a.failure) return;
    const data = a.details?.data?.payloads?.[0]?.data;
    const about = data ? (JSON.parse(Buffer.from(data).toString('utf8')) as { activity_type?: string }) : {};
    if (about.activity_type !== 'checkRun') return;
    const [checked] = (await this.decode.values(a.details?.result)) as [{ policy: AppliedPolicy & { freezeVersion?: number } }];
    this.policyRead(event, checked.policy);
  }

  /** What the policy allowed or refused when the run started. */
  private policyRead(event: HistoryEvent, applied: AppliedPolicy & { freezeVersion?: number }): void {
    this.policy = applied;
    for (const approval of applied.approvals ?? []) this.gates.set(approval.gate, { onTimeout: 'abort', rule: approval.rule });
    this.receiveFreezes(applied.freezeVersion, applied.emergency);
    const gates = (applied.approvals ?? []).map((g) => `${g.count} approval${g.count === 1 ? '' : 's'} at ${g.gate}`);
    this.add(event, {
      action: 'policy',
      by: `policy ${applied.version}`,
      reason: applied.version === 'none' ? 'the worker has no policy file' : `rules that apply: ${applied.rules.join(', ') || 'none'}`,
      rule: applied.blocked?.rule ?? applied.rules.join(', '),
      result: applied.blocked ? `refused: ${applied.blocked.reason}` : `allowed${gates.length ? `; needs ${gates.join(', ')}` : ''}`,
    });
  }

  private async activityCompleted(event: HistoryEvent): Promise<void> {
    const a = event.activityTaskCompletedEventAttributes!;
    const type = this.activityTypes.get(String(a.scheduledEventId));
    if (type === 'loadPolicy') {
      const [applied] = (await this.decode.values(a.result)) as [AppliedPolicy & { freezeVersion?: number }];
      this.policyRead(event, applied);
    } else if (type === 'deployWindow') {
      const [state] = (await this.decode.values(a.result)) as [WindowState];
      const window = this.policy?.window;
      if (state.open || !state.opensAt) return;
      const row = this.add(event, {
        action: 'window',
        by: 'policy',
        reason: `outside the deploy window; it opens ${state.opensLabel}`,
        rule: window?.rule ?? '',
        result: window?.outside === 'refuse' ? 'refused' : 'held',
      });
      if (window?.outside !== 'refuse') this.hold = { row, since: Date.parse(row.time) };
    }
  }

  private phaseChanged(event: HistoryEvent): void {
    const phase = upsertedAttribute(event, 'DeployPhase');
    if (typeof phase !== 'string') return;
    if (this.hold && phase !== 'Frozen' && phase !== 'AwaitingWindow') this.endHold(event);
    if (phase === 'Frozen' && this.phase !== 'Frozen') {
      const now = Date.parse(eventTime(event));
      const emergency = this.emergency[0];
      const scheduled = this.policy?.freezes?.find((f) => Date.parse(f.from) <= now && now < Date.parse(f.to));
      const row = this.add(event, {
        action: 'freeze',
        by: emergency ? emergency.by : 'policy',
        reason: emergency ? emergency.reason : (scheduled?.reason ?? ''),
        rule: emergency ? `freeze ${emergency.environment}${emergency.service ? `/${emergency.service}` : ''}` : (scheduled?.rule ?? ''),
        result: 'held',
      });
      this.hold = { row, since: now };
    }
    // A release shows Confirming again when resumed from a pause: that is the same stage.
    if (this.kind === 'release' && phase === 'Confirming' && this.phase !== 'Paused' && ++this.confirming === this.stages)
      this.committed = true;
    this.phase = phase;
  }

  private endHold(event: HistoryEvent): void {
    if (!this.hold) return;
    this.hold.row.result = `held ${formatDuration(Date.parse(eventTime(event)) - this.hold.since)}`;
    this.hold = undefined;
  }

  private async timerStarted(event: HistoryEvent): Promise<void> {
    const summary = (await this.decode.summary(event)) ?? '';
    const id = String(event.timerStartedEventAttributes?.timerId);
    const gate = /^(?:approval|judge) (.+)$/.exec(summary)?.[1];
    if (!gate) return;
    this.timers.set(id, gate);
    this.openGate = gate;
  }

  private timerFired(event: HistoryEvent): void {
    const gate = this.timers.get(String(event.timerFiredEventAttributes?.timerId));
    if (!gate) return;
    if (gate === this.openGate) this.openGate = undefined;
    const known = this.gates.get(gate);
    this.add(event, {
      action: 'timeout',
      by: 'glidepath',
      reason: `no decision at "${gate}" within its timeout`,
      gate,
      rule: known?.rule ?? '',
      result: known?.onTimeout === 'promote' ? 'timed out: continues' : known?.onTimeout ? 'timed out: rolls back' : 'timed out',
    });
  }

  private receiveFreezes(version: unknown, freezes: unknown): void {
    if (typeof version !== 'number' || !Array.isArray(freezes) || version <= this.freezeVersion) return;
    this.freezeVersion = version;
    this.emergency = (freezes as EmergencyFreeze[]).filter((f) => freezeCovers(f, this.service, this.environment));
  }

  private async signaled(event: HistoryEvent): Promise<void> {
    const a = event.workflowExecutionSignaledEventAttributes!;
    const name = a.signalName ?? '';
    const [input] = await this.decode.values(a.input);
    if (name === 'freezes') return this.receiveFreezes(record(input).version, record(input).freezes);
    const { by, reason } = record(input);
    if (typeof by !== 'string') return; // Glidepath's own reports (measurements, targetHeld): not decisions
    const result = signalResult(name, this.kind, this.state());
    if ((name === 'abort' || name === 'rollBack') && result.startsWith('accepted')) this.aborted = true;
    this.add(event, { action: name, by, reason: text(reason), gate: this.openGate ?? '', result });
  }

  private async updateAccepted(event: HistoryEvent): Promise<void> {
    const request = event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest;
    const [input] = await this.decode.values(request?.input?.args);
    const fields = record(input);
    const action = request?.input?.name ?? 'update';
    const gate = text(fields.gate) || (action === 'approve' || action === 'reject' || action === 'promote' ? (this.openGate ?? '') : '');
    const row = this.add(event, {
      action,
      by: text(fields.by) || request?.meta?.identity || '',
      reason: text(fields.reason),
      gate,
      result: 'accepted',
    });
    this.updates.set(request?.meta?.updateId ?? '', row);
  }

  private async updateCompleted(event: HistoryEvent): Promise<void> {
    const a = event.workflowExecutionUpdateCompletedEventAttributes!;
    const row = this.updates.get(a.meta?.updateId ?? '');
    if (!row) return;
    if (a.outcome?.failure) {
      row.result = `failed: ${(await this.decode.failure(a.outcome.failure))?.message ?? ''}`;
      return;
    }
    const [receipt] = await this.decode.values(a.outcome?.success);
    const accepted = text(record(receipt).accepted);
    if (accepted) row.result = `accepted: ${accepted}`;
    row.gate = text(record(receipt).gate) || gateOfReceipt(accepted) || row.gate;
    const gate = this.gates.get(row.gate);
    const fourEyes = this.policy?.approvals?.find((g) => g.fourEyes)?.rule;
    row.rule = gate?.rule ?? (row.action === 'approve' && fourEyes ? fourEyes : '');
  }

  private cancelRequested(event: HistoryEvent): void {
    const a = event.workflowExecutionCancelRequestedEventAttributes!;
    const result = signalResult('cancel', this.kind, this.state());
    this.add(event, {
      action: 'cancel',
      by: a.externalWorkflowExecution?.workflowId ?? a.identity ?? '',
      reason: a.cause || 'cancel requested',
      result,
    });
  }

  private childStarted(event: HistoryEvent): void {
    const a = event.childWorkflowExecutionStartedEventAttributes!;
    const execution = a.workflowExecution;
    if (a.workflowType?.name === 'deploymentWorkflow' && execution?.workflowId && execution.runId)
      this.children.push({ workflowId: execution.workflowId, runId: execution.runId });
  }

  /** An analysis child's result: the engine's decision to continue, wait for a person, or roll back. */
  private async childEnded(event: HistoryEvent): Promise<void> {
    const done = event.childWorkflowExecutionCompletedEventAttributes;
    const failed = event.childWorkflowExecutionFailedEventAttributes;
    const a = done ?? failed;
    if (a?.workflowType?.name !== 'analysisWorkflow') return;
    const gate = (a.workflowExecution?.workflowId ?? '').split('/analysis/')[1] ?? '';
    if (done) {
      const [result] = await this.decode.values(done.result);
      const r = record(result);
      this.add(event, { action: 'analysis', by: 'glidepath', reason: text(r.message), gate, result: text(r.outcome) });
    } else {
      const failure = await this.decode.failure(failed?.failure);
      this.add(event, { action: 'analysis', by: 'glidepath', reason: failure?.message ?? '', gate, result: 'error' });
    }
  }

  private async maybeEnded(event: HistoryEvent): Promise<void> {
    const end = await endOf(event, this.kind, this.decode);
    if (!end) return;
    this.endHold(event);
    this.outcome = end.outcome;
    if (end.terminate) this.add(event, { action: 'terminate', by: end.by, reason: end.reason, result: 'accepted: no rollback ran' });
    this.add(event, { action: 'end', by: 'glidepath', reason: end.reason, result: end.outcome });
  }

  finish(): RunAudit {
    for (const row of this.rows) row.outcome = this.outcome;
    return { decisions: this.rows, outcome: this.outcome, children: this.children };
  }
}
