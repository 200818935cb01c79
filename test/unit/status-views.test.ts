/** The three views of a status (Web UI Current Details, `status`, `--follow`) say each thing the same way. */
import { describe, expect, it } from 'vitest';
import { formatStatus } from '../../starters/actions';
import type { WorkflowHandle } from '@temporalio/client';
import { EXIT } from '../../starters/exit-codes';
import { follow, progressLine } from '../../starters/follow';
import type { DeploymentStatus } from '../../workflows/status';
import { renderDetails } from '../../workflows/status-details';
import { type StatusFact, statusFacts } from '../../workflows/status-facts';

const base: DeploymentStatus = {
  service: 'payments',
  environment: 'prod',
  release: 'v2',
  strategy: 'canary',
  target: 'lambda payments:live',
  phase: 'AwaitingApproval',
  step: { index: 2, total: 4, description: 'approval go' },
  weight: 10,
  paused: false,
  stableVersion: '1',
  candidateVersion: '2',
  gate: { kind: 'approval', name: 'go', approvers: ['alice', 'bob'], deadline: '2026-11-29T00:00:00.000Z', onTimeout: 'abort' },
  measurements: [
    { analysis: 'smoke', metric: 'errors', value: 0.0123456, outcome: 'failed', at: '2026-11-28T10:00:00.000Z', message: 'above 0.01' },
  ],
  actions: [
    { action: 'abort', by: 'oncall', reason: 'late', at: '2026-11-28T10:01:00.000Z', note: 'too late: past the point of no return' },
  ],
  message: 'waiting for approval "go"',
  startedAt: '2026-11-28T09:00:00.000Z',
};
const id = 'deploy:payments/prod';
/** A rollback stuck on a step that keeps failing. */
const stuck: DeploymentStatus = {
  ...base,
  gate: undefined,
  phase: 'RollbackStuck',
  stuck: {
    step: 'roll back v2',
    reason: 'access denied',
    since: '2026-11-28T10:02:00.000Z',
    remedy: `fix it, then glidepath resume ${id}`,
  },
};

describe('status views', () => {
  it('show the gate, who may answer it, until when, and the command that answers it', () => {
    const views = [renderDetails(base, id), formatStatus(base), progressLine(base, id)];
    for (const view of views) expect(view).toMatch(/approval .go. by one of alice, bob until 2026-11-29T00:00:00.000Z \(then abort\)/);
    expect(views[0]).toContain(`glidepath approve ${id}`);
    expect(views[2]).toContain(`glidepath approve ${id}`);
  });

  it('show a stuck rollback with what a person must do, and never an outcome for it', () => {
    for (const view of [renderDetails(stuck, id), formatStatus(stuck), progressLine(stuck, id)]) {
      expect(view).toContain(`glidepath resume ${id}`);
      expect(view).not.toMatch(/\*\*Outcome:\*\*|^outcome:|rolled back/m);
    }
    expect(formatStatus(stuck)).toContain('rollback step "roll back v2" failing since 2026-11-28T10:02:00.000Z: access denied');
    expect(renderDetails(stuck, id)).not.toContain('To stop'); // an abort no longer does anything
  });

  it('--follow exits 5 on a stuck rollback with what to do, and prints the warnings of a promotion', async () => {
    const lines: string[] = [];
    // The client gives up waiting for the result when following stops early (follow.ts).
    const client = { withAbortSignal: (_: AbortSignal, fn: () => Promise<unknown>) => fn() };
    const running = { client, query: async () => stuck, result: () => new Promise(() => undefined) } as unknown as WorkflowHandle;
    expect(await follow(running, id, { print: (l) => lines.push(l), intervalMs: 1 })).toBe(EXIT.rollbackStuck);
    expect(lines.at(-1)).toBe(
      `ROLLBACK STUCK at "roll back v2": access denied. fix it, then glidepath resume ${id} (the run keeps ` +
        `retrying: glidepath status ${id})`,
    );

    const promoted = { ...base, gate: undefined, phase: 'Promoted' as const, warnings: ['remove version 1 by hand: ECS conflict'] };
    const done = {
      client,
      query: async () => promoted,
      result: async () => ({ outcome: 'promoted', status: promoted }),
    } as unknown as WorkflowHandle;
    lines.length = 0;
    expect(await follow(done, id, { print: (l) => lines.push(l), intervalMs: 1 })).toBe(EXIT.ok);
    expect(lines.slice(-2)).toEqual(['PROMOTED', 'WARNING: remove version 1 by hand: ECS conflict']);
  });

  it('show notes on actions and measurements the same way in the UI and the CLI', () => {
    expect(renderDetails(base, id)).toContain('abort by oncall: late [too late: past the point of no return]');
    expect(formatStatus(base)).toContain('abort by oncall: late [too late: past the point of no return]');
    expect(formatStatus(base)).toContain('smoke/errors = 0.01235 failed (above 0.01)');
    expect(renderDetails(base, id)).toContain('| smoke / errors | 0.01235 | failed: above 0.01 |');
    expect(renderDetails(base, id)).toContain(`every measurement is on the analysis's own run, \`${id}/analysis/<name>\``);
  });

  it('show a gate that takes signed answers only, with the command that signs, and who signed with which key', () => {
    const signed: DeploymentStatus = {
      ...base,
      gate: { ...base.gate!, name: 'policy:prod', required: 2, approvedBy: ['alice'], rule: 'prod', signed: true },
      actions: [
        { action: 'approve', by: 'alice', reason: 'ok', at: '2026-11-28T10:01:00.000Z', gate: 'policy:prod', signedWith: 'SHA256:abc' },
      ],
    };
    const views = [renderDetails(signed, id), formatStatus(signed), progressLine(signed, id)];
    for (const view of views) expect(view).toMatch(/approval .policy:prod. by 1 more of alice, bob, signed until/);
    expect(views[0]).toContain(
      `\`glidepath approve ${id} --sign-key ~/.ssh/id_ed25519 --by <you> --reason "..."\` (the Web UI cannot sign)`,
    );
    expect(views[0]).not.toContain('Send update');
    expect(views[2]).toContain(`glidepath approve ${id} --sign-key ~/.ssh/id_ed25519`);
    for (const view of views.slice(0, 2)) expect(view).toContain('approve (policy:prod) by alice: ok [signed SHA256:abc]');
  });

  it('say when the run is past its point of no return', () => {
    const committed = { ...base, gate: undefined, committedAt: '2026-11-28T10:03:00.000Z' };
    expect(renderDetails(committed, id)).toContain('past the point of no return since 2026-11-28T10:03:00.000Z');
    expect(formatStatus(committed)).toContain('past the point of no return since 2026-11-28T10:03:00.000Z');
  });

  it('warn about failed notifications in the UI and the CLI, and say nothing while every one was delivered', () => {
    const failed = { ...base, notifications: { delivered: 3, failed: 1, lastError: 'started → ops: ECONNREFUSED' } };
    const text = '1 of 4 notifications failed to deliver; last: started → ops: ECONNREFUSED';
    expect(renderDetails(failed, id)).toContain(`**Warning:** ${text}`);
    expect(formatStatus(failed)).toContain(`warning:  ${text}`);
    const delivered = { ...base, notifications: { delivered: 4, failed: 0 } };
    expect(renderDetails(delivered, id)).not.toContain('notifications');
    expect(formatStatus(delivered)).not.toContain('notifications');
  });

  it('show a freeze, the policy and warnings in every view, and on the --follow line in a few words', () => {
    const held: DeploymentStatus = {
      ...base,
      gate: undefined,
      phase: 'Frozen',
      frozen: { scope: 'policy rule quarter-close', by: 'policy', reason: 'quarter close', since: 'T1', until: 'T2' },
      policy: { version: 'p7', rules: ['prod', 'quarter-close'] },
      warnings: ['remove version 1 by hand: ECS conflict'],
      notifications: { delivered: 3, failed: 1 },
    };
    const frozen = 'policy rule quarter-close by policy since T1 until T2: quarter close (abort still rolls back)';
    expect(renderDetails(held, id)).toContain(`**Frozen:** ${frozen}`);
    expect(formatStatus(held)).toContain(`FROZEN:   ${frozen}`);
    expect(renderDetails(held, id)).toContain('**Policy:** p7 · rules prod, quarter-close');
    expect(formatStatus(held)).toContain('policy:   p7 · rules prod, quarter-close');
    expect(formatStatus(held)).toContain('warning:  remove version 1 by hand: ECS conflict');
    expect(progressLine(held, id)).toBe(
      `${'Frozen'.padEnd(17)}  step 2/4  traffic 10%  waiting for approval "go"  ` +
        'frozen by policy rule quarter-close until T2  policy p7  ⚠ 2 warnings',
    );
  });

  it('keep the --follow line as it was for a run with nothing more to say', () => {
    const starting: DeploymentStatus = { ...base, gate: undefined, step: undefined, phase: 'Starting', weight: 0, message: 'starting' };
    expect(progressLine(starting, id)).toBe(`${'Starting'.padEnd(17)}  step -  traffic 0%  starting`);
    expect(progressLine({ ...starting, paused: true }, id)).toMatch(/^Starting \(paused\) +step -/);
  });

  it("render every fact of the model: each view shows what the model gives it, in the model's order", () => {
    const everything: DeploymentStatus = {
      ...base,
      migration: 'applied',
      frozen: { scope: 'environment prod', by: 'sre', reason: 'incident', since: 'T1' },
      policy: { version: 'p7', rules: [] },
      warnings: ['w1'],
      notifications: { delivered: 2, failed: 1, afterRun: 1 },
    };
    const facts = statusFacts(everything, id);
    // Every fact a view says is in it, in the model's order.
    const inOrder = (view: string, say: (f: StatusFact) => string | undefined) => {
      const at = facts.flatMap((f) => say(f) ?? []).map((said) => view.indexOf(said));
      expect(at.every((i) => i >= 0)).toBe(true);
      expect(at).toEqual([...at].sort((a, b) => a - b));
    };
    inOrder(formatStatus(everything, false, id), (f) => f.text);
    inOrder(renderDetails(everything, id), (f) => f.markdown ?? f.text);
    inOrder(progressLine(everything, id), (f) => f.brief);
  });

  it('say in the UI and the CLI how to list the deliveries that went on after the run, with no warning', () => {
    const after = { ...base, notifications: { delivered: 2, failed: 0, afterRun: 2 } };
    const text =
      '2 still being delivered when the run ended, each by a workflow of its own: ' +
      'WorkflowType = "notificationWorkflow" AND ParentWorkflowId = "deploy:payments/prod"';
    expect(renderDetails(after, 'deploy:payments/prod')).toContain(`**Notifications:** ${text}`);
    expect(formatStatus(after)).toContain(`notify:   ${text}`);
    expect(formatStatus(after)).not.toContain('warning');
    expect(progressLine(after, id).endsWith('  2 notifications still being delivered')).toBe(true);
  });
});
