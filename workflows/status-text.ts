/**
 * How each part of a status is said, once, for every view of it: the Web UI's Current Details (markdown), the
 * CLI's `status` (text) and `--follow` (one line per change). The views differ in layout only. Pure and
 * workflow-safe.
 */
import type { ActionRecord, DeploymentStatus, Gate, MeasurementRecord } from './status';

export const phaseText = (s: DeploymentStatus) => `${s.phase}${s.paused && s.phase !== 'Paused' ? ' (paused)' : ''}`;

export const trafficText = (s: DeploymentStatus) =>
  `${s.weight}% on ${s.candidateVersion ?? 'new version'}${s.stableVersion ? `, rest on ${s.stableVersion}` : ''}`;

export const stepText = (step: NonNullable<DeploymentStatus['step']>) => `${step.index}/${step.total} ${step.description}`;

/** `approval "go" by one of alice, bob until <time> (then abort)`; markdown quotes the name as code. */
export function gateText(gate: Gate, quote = (name: string) => `"${name}"`): string {
  const count = gate.required ? `${gate.required - (gate.approvedBy?.length ?? 0)} more` : 'one';
  const who = gate.approvers?.length ? ` by ${count} of ${gate.approvers.join(', ')}` : '';
  const until = gate.deadline ? ` until ${gate.deadline} (then ${gate.onTimeout ?? 'abort'})` : '';
  return `${gate.kind} ${quote(gate.name)}${who}${gate.signed ? ', signed' : ''}${until}`;
}

/** The command that answers a gate. */
export function gateCommand(gate: Gate, ref: string): string {
  return `glidepath ${gate.kind === 'approval' ? 'approve' : 'promote'} ${ref}${gate.signed ? ' --sign-key ~/.ssh/id_ed25519' : ''}`;
}

export const frozenText = (f: NonNullable<DeploymentStatus['frozen']>) =>
  `${f.scope} by ${f.by} since ${f.since}${f.until ? ` until ${f.until}` : ''}: ${f.reason} (abort still rolls back)`;

export const policyText = (p: NonNullable<DeploymentStatus['policy']>) =>
  `${p.version}${p.rules.length ? ` · rules ${p.rules.join(', ')}` : ''}`;

export const committedText = (s: DeploymentStatus) =>
  `past the point of no return since ${s.committedAt}: the promotion goes on (only a failing promote call rolls ` +
  `back); an abort now is too late`;

export const stuckText = (stuck: NonNullable<DeploymentStatus['stuck']>) =>
  `rollback step "${stuck.step}" failing since ${stuck.since}: ${stuck.reason}`;

/** `2 of 5 notifications failed to deliver; last: started → ops: HTTP 500` */
export const notificationsText = (n: NonNullable<DeploymentStatus['notifications']>) =>
  `${n.failed} of ${n.delivered + n.failed} notifications failed to deliver${n.lastError ? `; last: ${n.lastError}` : ''}`;

/** `2 still being delivered when the run ended, each by a workflow of its own: <the visibility query that lists them>` */
export const afterRunText = (n: number, workflowId: string) =>
  `${n} still being delivered when the run ended, each by a workflow of its own: ` +
  `WorkflowType = "notificationWorkflow" AND ParentWorkflowId = "${workflowId}"`;

export const outcomeText = (outcome: NonNullable<DeploymentStatus['outcome']>) => `${outcome.result}: ${outcome.reason}`;

/** `approve (go) by alice: canary healthy [note]`, `[signed SHA256:…]` for a signed answer. */
export const actionText = (a: ActionRecord) =>
  `${a.action}${a.gate ? ` (${a.gate})` : ''} ` +
  `by ${a.by}${a.reason ? `: ${a.reason}` : ''}${a.note ? ` [${a.note}]` : ''}${a.signedWith ? ` [signed ${a.signedWith}]` : ''}`;

export const measuredValue = (m: MeasurementRecord) => (m.value === undefined ? '—' : String(Number(m.value.toPrecision(4))));

/** `smoke/error-rate = 0.01 passed (message)` */
export const measurementText = (m: MeasurementRecord) =>
  `${m.analysis}/${m.metric} = ${measuredValue(m)} ${m.outcome}${m.message && m.outcome !== 'passed' ? ` (${m.message})` : ''}`;
