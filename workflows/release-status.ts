/**
 * What a release is doing, as its status query, the CLI and the UI's Current Details show it: the tree of
 * stage → target, and what the release waits for. Pure and workflow-safe.
 */
import type { Release } from '../plan/release-schema';
import type { PlannedStage } from '../plan/release-stages';
import type { ActionRecord, Gate } from './status';

export type ReleasePhase =
  | 'Starting'
  | 'Migrating'
  | 'Deploying'
  | 'Confirming'
  | 'Gated'
  | 'AwaitingApproval'
  | 'Paused'
  | 'RollingBack'
  | 'Promoted'
  | 'RolledBack'
  | 'Halted'
  | 'Stopped';

export type TargetState =
  | 'waiting' // not started: an earlier wave, or a component it comes after, is not in place yet
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
}

export interface ReleaseStageStatus {
  name: string;
  environment: string;
  onFailure: 'rollBack' | 'halt';
  state: 'pending' | 'migrating' | 'running' | 'confirming' | 'promoted' | 'rolling-back' | 'rolled-back' | 'halted';
  migration?: string;
  promotedAt?: string;
  targets: ReleaseTargetStatus[];
}

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
  startedAt: string;
  endedAt?: string;
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
      `${stage.name} (${stage.environment}): ${stage.state}${stage.migration ? ` · migration ${stage.migration}` : ''}${stage.onFailure === 'halt' ? ' · on failure: halt' : ''}`,
    );
    for (const t of stage.targets) {
      const versions = t.candidateVersion ? ` ${t.stableVersion ?? '?'} → ${t.candidateVersion}` : '';
      const detail = live[t.workflowId] ?? t.message;
      lines.push(
        `  wave ${t.wave}  ${t.component.padEnd(10)} ${t.workflowId.padEnd(32)} ${t.state}${versions}${detail ? `  ${detail}` : ''}`,
      );
    }
  }
  return lines;
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
  }
  if (s.paused)
    lines.push(
      `**Paused** by ${s.paused.by} at ${s.paused.at}${s.paused.reason ? `: ${s.paused.reason}` : ''}. Send update \`resume\` with \`{"by": "<you>", "reason": "<why>"}\`, or \`glidepath resume ${workflowId}\`.`,
    );
  if (s.outcome) lines.push(`**Outcome:** ${s.outcome.result} — ${s.outcome.reason}`);
  else
    lines.push(
      `To stop: signal \`abort\` with \`{"by": "<you>", "reason": "<why>"}\`: the running stage rolls back; earlier stages stay promoted.`,
    );
  lines.push('', '```', ...renderReleaseTree(s), '```');
  const recent = s.actions.slice(-5);
  if (recent.length) {
    lines.push('', '| when | action | by | reason |', '|---|---|---|---|');
    for (const a of recent)
      lines.push(`| ${a.at} | ${a.action}${a.gate ? ` (${a.gate})` : ''} | ${a.by} | ${a.reason || '—'}${a.note ? ` (${a.note})` : ''} |`);
  }
  return lines.join('\n');
}
