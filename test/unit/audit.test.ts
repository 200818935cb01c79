/**
 * `glidepath audit` reading recorded histories (test/histories, real runs): who decided what, at which gate, under
 * which policy rule, with what result, and how the run ended; and the pure parts of the command (its flags, its
 * query, CSV quoting). The CLI against a live server is test/cli/audit.test.ts.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { defaultPayloadConverter } from '@temporalio/common';
import { loadDataConverter } from '@temporalio/common/lib/internal-non-workflow';
import { temporal } from '@temporalio/proto';
import { describe, expect, it } from 'vitest';
import { glidepathDataConverter } from '../../encryption/data-converter';
import { type Decision, auditRun } from '../../starters/audit-decisions';
import { EventType, type HistoryEvent, historyDecoder } from '../../starters/audit-history';
import { csvField, formatRun } from '../../starters/audit-format';
import { auditScope, parseSince } from '../../starters/audit-runs';
import { checkFormat } from '../../starters/audit';
import { UsageError } from '../../starters/usage-error';

const decode = historyDecoder(loadDataConverter(glidepathDataConverter()));

function recorded(name: string): { workflowId: string; events: HistoryEvent[] } {
  const { workflowId, history } = JSON.parse(readFileSync(path.join(__dirname, '..', 'histories', `${name}.json`), 'utf8'));
  return { workflowId, events: temporal.api.history.v1.History.fromObject(history).events };
}

async function decisions(name: string, edit?: (events: HistoryEvent[]) => HistoryEvent[]) {
  const { workflowId, events } = recorded(name);
  return auditRun({ workflowId, runId: 'run-1' }, edit ? edit(events) : events, decode);
}

const brief = (d: Decision) => ({ action: d.action, by: d.by, reason: d.reason, gate: d.gate, rule: d.rule, result: d.result });

describe('glidepath audit reads a run from its history', () => {
  it('a policy gate: the policy version and rule, each approver with the gate and the rule, the outcome on every row', async () => {
    const run = await decisions('canary-policy-approvals-promoted');
    expect(run.outcome).toBe('promoted');
    expect(run.decisions.map(brief)).toEqual([
      expect.objectContaining({ action: 'start', by: 'alice', result: 'started' }),
      expect.objectContaining({
        action: 'policy',
        by: expect.stringMatching(/^policy [0-9a-f]{12}$/),
        rule: 'prod-sre',
        result: 'allowed; needs 2 approvals at policy:prod-sre',
      }),
      {
        action: 'approve',
        by: 'bob',
        reason: 'checked',
        gate: 'policy:prod-sre',
        rule: 'prod-sre',
        result: 'accepted: approved policy:prod-sre (1 of 2)',
      },
      {
        action: 'approve',
        by: 'carol',
        reason: 'checked',
        gate: 'policy:prod-sre',
        rule: 'prod-sre',
        result: 'accepted: approved policy:prod-sre',
      },
      expect.objectContaining({ action: 'end', result: 'promoted', reason: 'v2 is live' }),
    ]);
    expect(new Set(run.decisions.map((d) => d.outcome))).toEqual(new Set(['promoted']));
    expect(run.decisions.every((d) => d.workflowId === 'deploy:gated-6ef28656/prod' && d.runId === 'run-1' && d.time)).toBe(true);
  });

  it('pause, resume and promotions by people, in order, with their reasons', async () => {
    const run = await decisions('canary-paused-resumed-promoted');
    expect(run.decisions.filter((d) => d.action !== 'start' && d.action !== 'end').map(brief)).toEqual([
      expect.objectContaining({ action: 'pause', by: 'oncall', reason: 'checking a graph', result: 'accepted' }),
      expect.objectContaining({ action: 'resume', by: 'oncall', reason: 'graph fine', result: 'accepted' }),
      expect.objectContaining({ action: 'promote', by: 'oncall', reason: 'looks good', result: 'accepted: promotion' }),
      expect.objectContaining({ action: 'promote', by: 'lead', reason: 'ship it', result: 'accepted: full promotion' }),
    ]);
  });

  it('a rejection, an abort, a cancel and a failed analysis: each ends the run rolled back (or cancelled), saying why', async () => {
    const rejected = await decisions('canary-rejected');
    expect(rejected.outcome).toBe('rolled-back');
    expect(rejected.decisions.map(brief)).toContainEqual(
      expect.objectContaining({ action: 'reject', by: 'carol', gate: 'approval-2', result: 'accepted: rejected approval-2' }),
    );
    const aborted = await decisions('canary-aborted-in-soak');
    expect(aborted.decisions.map(brief)).toContainEqual(
      expect.objectContaining({ action: 'abort', by: 'bob', reason: 'error budget burning', result: 'accepted: rolls back' }),
    );
    expect(aborted.decisions.at(-1)).toMatchObject({
      action: 'end',
      result: 'rolled-back',
      reason: 'rolled back: aborted by bob: error budget burning',
    });
    const cancelled = await decisions('canary-cancelled-policies-from-start');
    expect(cancelled.outcome).toBe('cancelled');
    expect(cancelled.decisions.map((d) => d.action)).toEqual(['start', 'policy', 'cancel', 'end']);
    const analysis = await decisions('canary-analysis-failed');
    expect(analysis.decisions.map(brief)).toContainEqual(
      expect.objectContaining({ action: 'analysis', by: 'glidepath', gate: 'health', result: 'failed' }),
    );
  });

  it('an abort written after the promote call was scheduled is recorded as too late', async () => {
    const run = await decisions('canary-promoted', (events) => {
      const at = events.findIndex((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'promoteCandidate');
      const late: HistoryEvent = {
        eventId: events[at].eventId,
        eventTime: events[at].eventTime,
        eventType: EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
        workflowExecutionSignaledEventAttributes: {
          signalName: 'abort',
          input: { payloads: [defaultPayloadConverter.toPayload({ by: 'mallory', reason: 'second thoughts' })] },
        },
      };
      return [...events.slice(0, at + 1), late, ...events.slice(at + 1)];
    });
    expect(run.outcome).toBe('promoted');
    expect(run.decisions.find((d) => d.action === 'abort')).toMatchObject({
      by: 'mallory',
      result: 'too late: past the point of no return, v2 is being promoted',
    });
  });

  it('a release lists the deployments it ran, to be read with it', async () => {
    const run = await decisions('release-promoted');
    expect(run.children.map((c) => c.workflowId)).toEqual([
      expect.stringMatching(/^deploy:shop-\w+-api\/staging$/),
      expect.stringMatching(/^deploy:shop-\w+-worker\/staging$/),
      expect.stringMatching(/^deploy:shop-\w+-api\/prod-eu$/),
      expect.stringMatching(/^deploy:shop-\w+-api\/prod-us$/),
      expect.stringMatching(/^deploy:shop-\w+-worker\/prod$/),
    ]);
    expect(run.decisions.map(brief)).toContainEqual(
      expect.objectContaining({ action: 'approve', by: 'alice', gate: 'promote-to-prod', reason: 'staging is quiet' }),
    );
  });

  it('an abort of a release: while a stage before the last is confirmed it stops the release; once the last is, too late', async () => {
    const stopped = await decisions('release-aborted-while-confirming');
    expect(stopped.outcome).toBe('stopped');
    expect(stopped.decisions.find((d) => d.action === 'abort')).toMatchObject({
      by: 'oncall',
      result: 'accepted: the stage being confirmed stays promoted; no later stage starts',
    });
    const late = await decisions('release-aborted-too-late');
    expect(late.outcome).toBe('promoted');
    expect(late.decisions.find((d) => d.action === 'abort')).toMatchObject({
      by: 'oncall',
      result: expect.stringMatching(/^too late: past the point of no return, shop-\w+@v2 is being promoted$/),
    });
    const midProd = await decisions('release-aborted-mid-prod');
    expect(midProd.decisions.find((d) => d.action === 'abort')?.result).toBe('accepted: the running stage rolls back');
  });
});

describe('glidepath audit: flags, query and formats', () => {
  it('--since takes a time back or an ISO time; anything else is bad input naming the flag and the fix', () => {
    const now = Date.parse('2026-12-01T00:00:00Z');
    expect(parseSince('7d', now)?.toISOString()).toBe('2026-11-24T00:00:00.000Z');
    expect(parseSince('12h', now)?.toISOString()).toBe('2026-11-30T12:00:00.000Z');
    expect(parseSince('2026-11-01T00:00:00Z')?.toISOString()).toBe('2026-11-01T00:00:00.000Z');
    expect(parseSince('2026-11-01')?.toISOString()).toBe('2026-11-01T00:00:00.000Z');
    expect(parseSince(undefined)).toBeUndefined();
    for (const bad of ['yesterday', '7', '-1d', '2026-13-45']) {
      expect(() => parseSince(bad)).toThrow(UsageError);
      expect(() => parseSince(bad)).toThrow(/--since ".*": not a duration or a time; use e.g. --since 7d/);
    }
  });

  it('--format is table, json or csv', () => {
    expect(checkFormat(undefined)).toBe('table');
    expect(checkFormat('csv')).toBe('csv');
    expect(() => checkFormat('xml')).toThrow(/--format "xml": not a format; use --format json \(JSON Lines\), --format csv/);
  });

  it('a reference names the runs to read: by workflow ID, by release ID, a release with its deployments', () => {
    expect(auditScope('payments/prod')).toEqual({ query: 'WorkflowId = "deploy:payments/prod"', withChildren: false });
    expect(auditScope('release:shop')).toEqual({ query: 'WorkflowId = "release:shop"', withChildren: true });
    expect(auditScope('shop@v2').query).toBe('DeployReleaseId = "shop@v2"');
    expect(auditScope('payments/prod', new Date('2026-11-01T00:00:00Z')).query).toBe(
      'WorkflowId = "deploy:payments/prod" AND (ExecutionStatus = "Running" OR CloseTime >= "2026-11-01T00:00:00.000Z")',
    );
    expect(() => auditScope('x" OR WorkflowId != "')).toThrow(UsageError);
  });

  it('CSV follows RFC 4180: quotes only where needed, quotes doubled, CRLF rows', async () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a, b')).toBe('"a, b"');
    expect(csvField('say "no"')).toBe('"say ""no"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    const run = await decisions('canary-rejected');
    const csv = formatRun('csv', { workflowId: 'w', runId: 'run-1' }, run, run.decisions);
    expect(csv.endsWith('\r\n')).toBe(true);
    expect(csv.split('\r\n').filter(Boolean)).toHaveLength(run.decisions.length);
  });
});
