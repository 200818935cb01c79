/**
 * The messages people (and Glidepath's own analyses) send a rollout: a handler for each, and the update validators,
 * which are synchronous and refuse without a trace in history. Signal handlers never throw. Handlers only record
 * what was asked (rollout.requests, the status); the gates in rollout.ts act on it. Workflow code.
 */
import { setHandler, workflowInfo } from '@temporalio/workflow';
import type { Approval } from '../plan/schema';
import { measurementsSignal } from './analysis';
import {
  type ActionInput,
  abortSignal,
  approveUpdate,
  checkAction,
  checkApproval,
  checkPromote,
  checkedOrThrow,
  descriptions,
  pauseSignal,
  promoteUpdate,
  rejectUpdate,
  resumeSignal,
  statusQuery,
} from './messages';
import { policyRefusal } from './policy-approvals';
import { fullPromotionRefusal } from './policy-guardrails';
import { recordPolicyRefusal } from './policy-metrics';
import { type Rollout, gateName } from './rollout';

/** Registers every handler; call before the first await so the UI and early messages find them. */
export function listenToMessages(rollout: Rollout): void {
  setHandler(statusQuery, () => rollout.status, { description: descriptions.status });
  setHandler(abortSignal, (input) => onAbort(rollout, input), { description: descriptions.abort });
  setHandler(pauseSignal, (input) => onPause(rollout, input, true), { description: descriptions.pause });
  setHandler(resumeSignal, (input) => onPause(rollout, input, false), { description: descriptions.resume });
  setHandler(measurementsSignal, (input) => rollout.addMeasurements(Array.isArray(input?.records) ? input.records : []), {
    description: "Measurements reported by this deployment's analysis child workflows (sent by Glidepath, not by people).",
  });
  setHandler(approveUpdate, (input) => answerGate(rollout, input, true), {
    validator: (input) => validateAnswer(rollout, input, true),
    description: descriptions.approve,
  });
  setHandler(rejectUpdate, (input) => answerGate(rollout, input, false), {
    validator: (input) => validateAnswer(rollout, input, false),
    description: descriptions.reject,
  });
  setHandler(promoteUpdate, (input) => promote(rollout, input), {
    validator: (input) => validatePromote(rollout, input),
    description: descriptions.promote,
  });
  rollout.publish();
}

/** Signal handler: never throws; the first abort wins. */
function onAbort(rollout: Rollout, input: ActionInput): void {
  const { status } = rollout;
  const note =
    status.committedAt && !rollout.finished
      ? `too late: past the point of no return, ${rollout.plan.metadata.release} is being promoted`
      : undefined;
  const record = rollout.record('abort', safeAction(input), undefined, note);
  if (rollout.abortedBy || rollout.finished || note) return;
  rollout.abortedBy = record;
  rollout.forward.cancel();
}

function onPause(rollout: Rollout, input: ActionInput, paused: boolean): void {
  const { status, requests } = rollout;
  const late = paused && status.committedAt && !rollout.finished ? 'too late: past the point of no return' : undefined;
  rollout.record(paused ? 'pause' : 'resume', safeAction(input), undefined, late);
  if (!paused && status.phase === 'RollbackStuck') requests.retryRollback = true;
  if (rollout.finished || late) return;
  if (paused) rollout.pausedOnce = true;
  requests.paused = paused;
  status.paused = paused;
  rollout.publish();
}

function validateAnswer(rollout: Rollout, input: unknown, approved: boolean): void {
  const a = checkedOrThrow(checkApproval(input));
  const gate = rollout.status.gate;
  if (rollout.finished || !gate || gate.kind !== 'approval') {
    throw new Error(`not waiting for an approval (phase: ${rollout.status.phase})`);
  }
  if (a.gate !== undefined && a.gate !== gate.name) {
    throw new Error(`the plan waits at approval "${gate.name}", not "${a.gate}"`);
  }
  if (gate.approvers?.length && !gate.approvers.includes(a.by)) {
    if (gate.rule) recordPolicyRefusal(rollout.plan, gate.rule, 'approval'); // the policy's groups name the approvers
    throw new Error(`${a.by} may not answer approval "${gate.name}"; allowed approvers: ${gate.approvers.join(', ')}`);
  }
  const { workflowId, runId } = workflowInfo();
  const decision = approved ? 'approve' : 'reject';
  const unsigned = rollout.signatures.refusal(a, { workflowId, runId, gate: gate.name, decision, nowMs: Date.now() });
  if (unsigned) {
    recordPolicyRefusal(rollout.plan, unsigned.rule, 'signature'); // validators never run on replay: counted once
    throw new Error(unsigned.message);
  }
  const refusal = policyRefusal(gate, a.by, approved, rollout.approvalPolicy);
  if (refusal) {
    recordPolicyRefusal(rollout.plan, refusal.rule, 'approval');
    throw new Error(refusal.message);
  }
}

function answerGate(rollout: Rollout, input: unknown, approved: boolean) {
  const a = checkedOrThrow(checkApproval(input));
  const gate = rollout.status.gate?.name;
  const record = rollout.record(approved ? 'approve' : 'reject', { ...a, signedWith: rollout.signatures.spend(a) }, gate);
  const open = rollout.status.gate;
  if (approved && open?.required && (open.approvedBy?.length ?? 0) + 1 < open.required) {
    open.approvedBy = [...(open.approvedBy ?? []), a.by]; // a policy gate that needs more distinct approvers
    rollout.publish();
    return { accepted: `approved ${gate} (${open.approvedBy.length} of ${open.required})`, at: new Date().toISOString(), gate };
  }
  if (approved && open?.required) open.approvedBy = [...(open.approvedBy ?? []), a.by];
  if (approved) rollout.promotedBy = a.by;
  rollout.requests.answer = { approved, record };
  return { accepted: `${approved ? 'approved' : 'rejected'} ${gate}`, at: new Date().toISOString(), gate };
}

function promote(rollout: Rollout, input: unknown) {
  const p = checkedOrThrow(checkPromote(input));
  const gate = rollout.status.gate?.name;
  rollout.record('promote', p, gate);
  rollout.requests.promote = true;
  rollout.promotedBy = p.by;
  if (p.full) {
    rollout.fullPromotion = true;
    rollout.lastGate = 'manual';
  }
  return { accepted: p.full ? 'full promotion' : 'promotion', at: new Date().toISOString(), gate };
}

function validatePromote(rollout: Rollout, input: unknown): void {
  const p = checkedOrThrow(checkPromote(input));
  const { status } = rollout;
  if (rollout.finished) throw new Error(`nothing to promote (phase: ${status.phase})`);
  if (status.committedAt) throw new Error('already promoting: past the point of no return');
  if (p.full) {
    if (rollout.policyGatesPending) throw new Error('the approvals the policy requires come first: no promotion skips them');
    const guarded = fullPromotionRefusal(rollout.guardrails, {
      strategy: rollout.plan.strategy.type,
      weight: status.weight,
      analysisPassed: rollout.analysisPassed,
    });
    if (guarded) {
      recordPolicyRefusal(rollout.plan, guarded.rule, 'promote');
      throw new Error(guarded.message);
    }
    const blocking = approvalsAhead(rollout).find((a) => a.approvers?.length && !a.approvers.includes(p.by));
    if (blocking) {
      throw new Error(`${p.by} cannot skip approval "${blocking.name}"; only ${blocking.approvers!.join(', ')} may approve it`);
    }
    return;
  }
  const waiting = status.gate?.kind === 'promotion' || status.gate?.kind === 'inconclusive-analysis';
  if (!waiting && status.phase !== 'Soaking' && status.phase !== 'KeepingPrevious') {
    throw new Error(`not waiting for promotion (phase: ${status.phase}); use "full": true to skip all remaining steps`);
  }
}

/** Approval gates not yet passed (the current one included). */
function approvalsAhead(rollout: Rollout): Array<Approval & { name: string }> {
  const strategy = rollout.plan.strategy;
  const steps = strategy.type === 'canary' ? strategy.steps : [...strategy.prePromotion, ...strategy.postPromotion];
  const from = strategy.type === 'canary' ? (rollout.status.step?.index ?? 1) - 1 : 0;
  return steps
    .map((step, i) => (step.approval ? { ...step.approval, name: gateName(step.approval.name, 'approval', i) } : undefined))
    .filter((a, i): a is Approval & { name: string } => a !== undefined && i >= from);
}

function safeAction(input: unknown): { by: string; reason: string } {
  const parsed = checkAction(input);
  return parsed.success ? parsed.data : { by: 'unknown', reason: 'unreadable input' };
}
