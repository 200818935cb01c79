/**
 * What each target of a release waits for: its targets report when one of their gates opens and closes
 * (`targetGate`, release-hold.ts), and the release shows it on the target, in its status, Current Details and
 * `release --follow`, so CI logs and approvers see a prod target waiting for its own approval without asking it.
 * The handler only changes the status: releases in flight need no patch for it. Workflow code: deterministic.
 */
import { setHandler } from '@temporalio/workflow';
import { type TargetGate, releaseDescriptions, targetGateSignal } from './release-messages';
import type { ReleaseRun } from './release-run';
import type { GateKind } from './status';

const KINDS: GateKind[] = ['approval', 'promotion', 'inconclusive-analysis'];
const MAX_APPROVERS = 50;

export function listenToTargetGates(run: ReleaseRun): void {
  setHandler(
    targetGateSignal,
    (report) => {
      // Never throws: a signal anyone can send from the UI, read field by field.
      if (!report || typeof report.workflowId !== 'string') return;
      const target = run.target(report.workflowId);
      if (!target) return;
      const gate = readGate(report.gate);
      // Only a target still moving waits at a gate of its own; a late report of one that moved or ended is stale.
      target.gate = gate && (target.state === 'running' || target.state === 'starting') ? gate : undefined;
      run.publish();
    },
    { description: releaseDescriptions.targetGate },
  );
}

/** The reported gate, with only the fields the release shows, or undefined when it closed (or is unreadable). */
function readGate(gate: unknown): TargetGate['gate'] {
  if (!gate || typeof gate !== 'object') return undefined;
  const g = gate as Record<string, unknown>;
  if (!KINDS.includes(g.kind as GateKind) || typeof g.name !== 'string') return undefined;
  const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const approvers = Array.isArray(g.approvers)
    ? g.approvers.filter((a): a is string => typeof a === 'string').slice(0, MAX_APPROVERS)
    : undefined;
  const onTimeout = g.onTimeout === 'abort' || g.onTimeout === 'promote' ? g.onTimeout : undefined;
  const fields = {
    kind: g.kind as GateKind,
    name: g.name.slice(0, 200),
    approvers: approvers?.length ? approvers : undefined,
    deadline: text(g.deadline),
    onTimeout,
    required: typeof g.required === 'number' ? g.required : undefined,
    rule: text(g.rule),
    signed: g.signed === true ? true : undefined,
  };
  // Absent fields stay absent in the status (a query's JSON has no `"deadline": null`).
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as TargetGate['gate'];
}
