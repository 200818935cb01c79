/**
 * What a release is doing, as its status query, the CLI and the UI's Current Details show it: the tree of
 * stage → target, and what the release waits for. Pure and workflow-safe.
 */
import type { NotificationTally } from '../plan/notifications';
import type { Release } from '../plan/release-schema';
import type { PlannedStage } from '../plan/release-stages';
import type { TargetGate } from './release-messages';
import type { ActionRecord, Gate, MeasurementRecord } from './status';
import { afterRunText, gateCommand, measuredValue, measurementText, notificationsText } from './status-text';

export type ReleasePhase =
  | 'Starting'
  | 'Migrating'
  | 'Deploying'
  | 'Confirming'
  | 'Gated'
  | 'Analyzing' // the soak is over; the gate's analysis still measures the promoted stage
  | 'AwaitingPromotion' // the gate's analysis was inconclusive: promote goes on, abort stops
  | 'AwaitingApproval'
  | 'Paused'
  | 'RollingBack'
  | 'Promoted'
  | 'RolledBack'
  | 'Halted'
  | 'Stopped';

export type TargetState =
  | 'waiting' // not started: an earlier wave, or a component it comes after, is not in place yet
  | 'starting' // its deployment workflow is being started: nothing to signal or query yet
  | 'running' // its deployment moves traffic
  | 'held' // moved, previous version kept: waits for the stage to be confirmed
  | 'promoted'
  | 'rolling-back'
  | 'rolled-back'
  | 'failed' // ended without promoting (its own rollback ran)
  | 'skipped'; // never started: its stage stopped first

export interface ReleaseTargetStatus {
  name: string;
  component: string;
  service: string;
  environment: string;
  workflowId: string;
  wave: number;
  state: TargetState;
  stableVersion?: string;
  candidateVersion?: string;
  message?: string;
  /** The gate the target waits at, as it reported it (release-target-gates.ts): who may answer it. */
  gate?: TargetGate['gate'];
}

export interface ReleaseStageStatus {
  name: string;
  environment: string;
  onFailure: 'rollBack' | 'halt';
  state: 'pending' | 'migrating' | 'running' | 'confirming' | 'promoted' | 'rolling-back' | 'rolled-back' | 'halted';
  migration?: string;
  promotedAt?: string;
  targets: ReleaseTargetStatus[];
  /** The analysis of the gate after this stage (`gate.analysis`), from the stage's promotion on. */
  gateAnalysis?: GateAnalysisStatus;
}

export interface GateAnalysisStatus {
  name: string;
  /** pending: the stage is not promoted yet; cancelled: the release was aborted while it measured. */
  state: 'pending' | 'running' | 'passed' | 'failed' | 'inconclusive' | 'cancelled';
  message?: string;
  /** Its latest measurements (bounded). */
  measurements: MeasurementRecord[];
}

/** The name a gate's analysis goes by (measurements, its child workflow `release:<system>/analysis/<name>`). */
export const gateAnalysisName = (stage: Pick<PlannedStage, 'name' | 'gate'>) => stage.gate?.analysis?.name ?? `${stage.name}-gate`;

export interface ReleaseStatus {
  kind: 'release';
  system: string;
  version: string;
  commit?: { sha: string; url?: string };
  requestedBy?: string;
  phase: ReleasePhase;
  /** The stage running or gated now. */
  stage?: string;
  message: string;
  gate?: Gate;
  /** Who paused the release, when and why, while it is paused. */
  paused?: ActionRecord;
  stages: ReleaseStageStatus[];
  actions: ActionRecord[];
  outcome?: { result: 'promoted' | 'rolled-back' | 'halted' | 'stopped'; reason: string };
  /** When the release began confirming its last stage: from then on it ends promoted, and an abort is too late. */
  committedAt?: string;
  startedAt: string;
  endedAt?: string;
  /** Deliveries of the release's own notifications (workflows/release-notify.ts); a failed one never changes the outcome. */
  notifications?: NotificationTally;
}

export function initialReleaseStatus(release: Release, stages: PlannedStage[], startedAt: Date): ReleaseStatus {
  return {
    kind: 'release',
    system: release.metadata.system,
    version: release.metadata.version,
    commit: release.metadata.commit,
    requestedBy: release.metadata.requestedBy,
    phase: 'Starting',
    message: 'starting',
    stages: stages.map((s) => ({
      name: s.name,
      environment: s.environment,
      onFailure: s.onFailure,
      state: 'pending',
      targets: s.waves.flatMap((wave, w) =>
        wave.map((t) => ({
          name: t.name,
          component: t.component,
          service: t.plan.metadata.service,
          environment: t.plan.metadata.environment,
          workflowId: t.workflowId,
          wave: w + 1,
          state: 'waiting' as const,
        })),
      ),
      ...(s.gate?.analysis ? { gateAnalysis: { name: gateAnalysisName(s), state: 'pending' as const, measurements: [] } } : {}),
    })),
    actions: [],
    startedAt: startedAt.toISOString(),
  };
}

/** The tree, one line per stage and target; `live` adds what each running target's own status says. */
export function renderReleaseTree(s: ReleaseStatus, live: Record<string, string> = {}): string[] {
  const lines: string[] = [];
  for (const stage of s.stages) {
    lines.push(
      `${stage.name} (${stage.environment}): ${stage.state}` +
        `${stage.migration ? ` · migration ${stage.migration}` : ''}${stage.onFailure === 'halt' ? ' · on failure: halt' : ''}`,
    );
    for (const t of stage.targets) {
      const versions = t.candidateVersion ? ` ${t.stableVersion ?? '?'} → ${t.candidateVersion}` : '';
      const detail = live[t.workflowId] ?? t.message;
      const waiting = waitingGate(t);
      lines.push(
        `  wave ${t.wave}  ${t.component.padEnd(10)} ${t.workflowId.padEnd(32)} ${t.state}${versions}` +
          `${detail ? `  ${detail}` : ''}${waiting ? `  → ${targetGateText(waiting, t.workflowId)}` : ''}`,
      );
    }
    if (stage.gateAnalysis) lines.push(`  gate    ${gateAnalysisText(stage.gateAnalysis)}`);
  }
  return lines;
}

/**
 * The tree for the Web UI: a line per stage, then a list item per target, which wrap at the panel's width where
 * a code block's long lines are cut (the UI's Markdown renders no nested lists).
 */
export function renderReleaseTreeMarkdown(s: ReleaseStatus): string[] {
  const lines: string[] = [];
  for (const stage of s.stages) {
    const extra = [stage.migration && `migration ${stage.migration}`, stage.onFailure === 'halt' && 'on failure: halt'].filter(Boolean);
    lines.push('', `**${stage.name}** (${stage.environment}): ${[stage.state, ...extra].join(' · ')}`, '');
    for (const t of stage.targets) {
      const versions = t.candidateVersion ? `${t.stableVersion ?? '?'} → ${t.candidateVersion}` : undefined;
      const detail = t.message === t.state ? undefined : t.message;
      const waiting = waitingGate(t);
      const gate = waiting && `**${targetGateText(waiting, t.workflowId, (text) => `\`${text}\``)}**`;
      const parts = [`wave ${t.wave}`, `**${t.component}**`, `\`${t.workflowId}\``, t.state, versions, detail, gate].filter(Boolean);
      lines.push(`- ${parts.join(' · ')}`);
    }
    if (stage.gateAnalysis) lines.push(`- gate: ${gateAnalysisText(stage.gateAnalysis)}`);
  }
  return lines;
}

/** The gate a target waits at: only while it runs (a target that moved, or ended, waits at none of its own). */
export function waitingGate(t: ReleaseTargetStatus): TargetGate['gate'] {
  return t.state === 'running' || t.state === 'starting' ? t.gate : undefined;
}

/**
 * `waiting for approval "us-go" by alice/bob: glidepath approve deploy:shop-api/prod-us`: what a target waits for, who
 * may answer it and the command that does; `code` marks the command up (markdown).
 */
export function targetGateText(gate: NonNullable<TargetGate['gate']>, workflowId: string, code = (text: string) => text): string {
  const who = gate.approvers?.length
    ? ` by ${gate.required && gate.required > 1 ? `${gate.required} of ` : ''}${gate.approvers.join('/')}`
    : '';
  return `waiting for ${gate.kind} "${gate.name}"${who}: ${code(gateCommand(gate, workflowId))}`;
}

/** `analysis "staging-gate": running · smoke = 200 passed, errors = 0 passed` (each metric's latest measurement). */
export function gateAnalysisText(a: GateAnalysisStatus): string {
  const latest = new Map(a.measurements.map((m) => [m.metric, m]));
  const measured = [...latest.values()].map((m) => `${m.metric} = ${measuredValue(m)} ${m.outcome}`).join(', ');
  const why = a.message && a.state !== 'passed' ? ` (${a.message})` : '';
  return `analysis "${a.name}": ${a.state}${why}${measured ? ` · ${measured}` : ''}`;
}

/** Markdown for the release's Current Details in the Web UI. */
export function renderReleaseDetails(s: ReleaseStatus, workflowId: string): string {
  const lines = [
    `### ${s.system} @ ${s.version}`,
    `**Phase:** ${s.phase}${s.stage ? ` · **Stage:** ${s.stage}` : ''}`,
    `**Now:** ${s.message}`,
  ];
  if (s.gate) {
    const who = s.gate.approvers?.length ? ` by one of ${s.gate.approvers.join(', ')}` : '';
    lines.push(`**Waiting for:** ${s.gate.kind} \`${s.gate.name}\`${who}${s.gate.deadline ? ` until ${s.gate.deadline}` : ''}`);
    if (s.gate.kind === 'approval')
      lines.push(`Send update \`approve\` with \`{"by": "<you>", "reason": "<why>"}\`, or \`glidepath approve ${workflowId} --by <you>\`.`);
    else
      lines.push(
        `Send update \`promote\` with \`{"by": "<you>", "reason": "<why>"}\` to start the next ` +
          `stage, or \`glidepath promote ${workflowId}\`; abort stops the release.`,
      );
  }
  for (const t of s.stages.flatMap((stage) => stage.targets)) {
    const waiting = waitingGate(t);
    if (waiting) lines.push(`**Target \`${t.workflowId}\`** ${targetGateText(waiting, t.workflowId, (text) => `\`${text} --by <you>\``)}`);
  }
  if (s.paused)
    lines.push(
      `**Paused** by ${s.paused.by} at ${s.paused.at}${s.paused.reason ? `: ${s.paused.reason}` : ''}. Send update ` +
        `\`resume\` with \`{"by": "<you>", "reason": "<why>"}\`, or \`glidepath resume ${workflowId}\`.`,
    );
  if (s.outcome) lines.push(`**Outcome:** ${s.outcome.result} — ${s.outcome.reason}`);
  else if (s.committedAt)
    lines.push(`Past the point of no return since ${s.committedAt}: the last stage is being confirmed; an abort now is too late.`);
  else
    lines.push(
      `To stop: signal \`abort\` with \`{"by": "<you>", "reason": "<why>"}\`: the running stage rolls back; earlier stages stay promoted.`,
    );
  if (s.notifications?.failed) lines.push(`**Warning:** ${notificationsText(s.notifications)}`);
  if (s.notifications?.afterRun) lines.push(`**Notifications:** ${afterRunText(s.notifications.afterRun, workflowId)}`);
  lines.push(...renderReleaseTreeMarkdown(s));
  const measured = s.stages.flatMap((stage) => stage.gateAnalysis?.measurements ?? []).slice(-5);
  if (measured.length) lines.push('', '**Gate analyses, latest measurements:**', ...measured.map((m) => `- ${m.at} ${measurementText(m)}`));
  const recent = s.actions.slice(-5);
  if (recent.length) {
    lines.push('', '| when | action | by | reason |', '|---|---|---|---|');
    for (const a of recent) {
      const gate = a.gate ? ` (${a.gate})` : '';
      lines.push(`| ${a.at} | ${a.action}${gate} | ${a.by} | ${a.reason || '—'}${a.note ? ` (${a.note})` : ''} |`);
    }
  }
  return lines.join('\n');
}
