/**
 * What a run is doing, as the `status` query, the CLI and the UI's "current details" show it.
 * Workflow-safe and pure.
 */
import type { Plan } from '../plan/schema';
import { describeTarget, strategyLabel } from './describe';

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
}

export interface ActionRecord {
  action: 'abort' | 'pause' | 'resume' | 'approve' | 'reject' | 'promote' | 'timeout' | 'cancel';
  by: string;
  reason: string;
  at: string;
  gate?: string;
  /** What became of the action when it could not do what it asks, e.g. an abort after the point of no return. */
  note?: string;
}

export interface MeasurementRecord {
  analysis: string;
  metric: string;
  value?: number;
  outcome: 'passed' | 'failed' | 'inconclusive' | 'error';
  at: string;
  message?: string;
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
  /** An emergency or scheduled freeze holding the run at a step boundary. */
  frozen?: { scope: string; by: string; reason: string; since: string };
  /** Things a person should finish by hand that do not change the outcome (e.g. a cleanup after promotion). */
  warnings?: string[];
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

/** Markdown for the Web UI's "Current Details" panel: where the run is, and what a person can do now. */
export function renderDetails(s: DeploymentStatus, workflowId: string): string {
  const lines = [
    `### ${s.service} → ${s.environment} @ ${s.release}`,
    `**Phase:** ${s.phase}${s.paused ? ' (paused)' : ''} · **Traffic on new version:** ${s.weight}%`,
    `**Strategy:** ${s.strategy} · **Target:** ${s.target}`,
  ];
  if (s.stableVersion || s.candidateVersion)
    lines.push(`**Versions:** stable \`${s.stableVersion ?? '?'}\` → new \`${s.candidateVersion ?? '?'}\``);
  if (s.step) lines.push(`**Step ${s.step.index}/${s.step.total}:** ${s.step.description}`);
  if (s.migration) lines.push(`**Migration:** ${s.migration}`);
  lines.push(`**Now:** ${s.message}`);
  if (s.gate) {
    const count = s.gate.required ? `${s.gate.required - (s.gate.approvedBy?.length ?? 0)} more` : 'one';
    const who = s.gate.approvers?.length ? ` by ${count} of ${s.gate.approvers.join(', ')}` : '';
    const until = s.gate.deadline ? ` until ${s.gate.deadline} (then ${s.gate.onTimeout ?? 'abort'})` : '';
    lines.push(`**Waiting for:** ${s.gate.kind} \`${s.gate.name}\`${who}${until}`);
    const verb = s.gate.kind === 'approval' ? 'approve' : 'promote';
    lines.push(
      `Send update \`${verb}\` with \`{"by": "<you>", "reason": "<why>"}\`, or \`glidepath ${verb} ${workflowId} --by <you> --reason "..."\`.`,
    );
  }
  if (s.committedAt && !s.outcome)
    lines.push(`Past the point of no return since ${s.committedAt}: this run ends promoted; an abort now is too late.`);
  else if (!s.outcome)
    lines.push('To stop: signal `abort` with `{"by": "<you>", "reason": "<why>"}` (or Cancel): traffic returns to the stable version.');
  if (s.frozen)
    lines.push(`**Frozen:** ${s.frozen.scope} by ${s.frozen.by} since ${s.frozen.since}: ${s.frozen.reason} (abort still rolls back)`);
  if (s.policy) lines.push(`**Policy:** ${s.policy.version}${s.policy.rules.length ? ` · rules ${s.policy.rules.join(', ')}` : ''}`);
  if (s.stuck)
    lines.push(`**Rollback stuck** at \`${s.stuck.step}\` since ${s.stuck.since}: ${s.stuck.reason}`, `**To do:** ${s.stuck.remedy}`);
  if (s.outcome) lines.push(`**Outcome:** ${s.outcome.result} — ${s.outcome.reason}`);
  for (const w of s.warnings ?? []) lines.push(`**Warning:** ${w}`);
  const measured = s.measurements.slice(-5);
  if (measured.length) {
    lines.push('', '| measured | analysis / metric | value | outcome |', '|---|---|---|---|');
    for (const m of measured) {
      const value = m.value === undefined ? '—' : String(Number(m.value.toPrecision(4)));
      lines.push(
        `| ${m.at} | ${m.analysis} / ${m.metric} | ${value} | ${m.outcome}${m.message && m.outcome !== 'passed' ? `: ${m.message}` : ''} |`,
      );
    }
  }
  const recent = s.actions.slice(-5);
  if (recent.length) {
    lines.push('', '| when | action | by | reason |', '|---|---|---|---|');
    for (const a of recent)
      lines.push(`| ${a.at} | ${a.action}${a.gate ? ` (${a.gate})` : ''} | ${a.by} | ${a.reason || '—'}${a.note ? ` (${a.note})` : ''} |`);
  }
  return lines.join('\n');
}
