/**
 * `glidepath audit` with the real binary against the real Temporal dev server, a worker driving Lambda on moto:
 * every decision of every run is read from the histories, beyond the 100 actions a run's status keeps, in JSON
 * Lines, CSV and the table; every run of a service/environment; a release with the deployments it ran; bad flags
 * exit 2 naming the flag.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Decision } from '../../starters/audit-decisions';
import { AUDIT_COLUMNS } from '../../starters/audit-format';
import { EXIT } from '../../starters/exit-codes';
import { startRelease } from '../../starters/release';
import { approveUpdate, pauseSignal, resumeSignal } from '../../workflows/messages';
import type { DeploymentStatus } from '../../workflows/status';
import { type CliRun, runCli } from '../support/cli';
import { eventually } from '../support/eventually';
import { BUCKET, createLambdaService, lambdaPlatformAt } from '../support/lambda-fixture';
import { createReleaseFixture, lambdaRelease } from '../support/releases';
import { type Harness, rolledBack, startHarness, uniqueName, waitForStatus } from '../support/temporal';

const endpoint = inject('motoEndpoint');
const address = inject('temporalAddress');
const dir = mkdtempSync(path.join(os.tmpdir(), 'glidepath-audit-'));
let harness: Harness;

beforeAll(async () => {
  harness = await startHarness({ platforms: { lambda: lambdaPlatformAt(endpoint) } });
});
afterAll(async () => harness?.close());

function glidepath(args: string[]): Promise<CliRun> {
  return runCli(args, { TEMPORAL_ADDRESS: address, GLIDEPATH_TASK_QUEUE: harness.taskQueue, GLIDEPATH_USER: 'ci-bot' });
}

function planFile(service: string, release: string, steps: unknown[]): string {
  const file = path.join(dir, `${service}-${release}.yaml`);
  writeFileSync(
    file,
    stringify({
      apiVersion: 'glidepath/v1',
      metadata: { service, environment: 'test', release },
      target: { type: 'lambda', functionName: service, alias: 'live', code: { s3Bucket: BUCKET, s3Key: `${service}/${release}.zip` } },
      strategy: { type: 'canary', steps },
    }),
  );
  return file;
}

const jsonLines = (out: string) =>
  out
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Decision);

/** RFC 4180 records: quoted fields may hold commas, doubled quotes and line breaks. */
function csvRecords(text: string): string[][] {
  const records: string[][] = [];
  let field = '';
  let row: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') row.push(field), (field = '');
    else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      records.push(row);
      (row = []), (field = ''), i++;
    } else field += c;
  }
  return records;
}

describe('glidepath audit', () => {
  it('lists every decision of every run of a service/environment, more than the 100 a status keeps, in JSON, CSV and a table', async () => {
    const service = uniqueName('audited');
    await createLambdaService(endpoint, service);
    const ref = `${service}/test`;
    let firstRun!: string;
    let secondRun!: string;
    let betweenRuns!: Date;

    await harness.run(async () => {
      expect((await glidepath(['deploy', planFile(service, 'v2', [{ setWeight: 20 }, { pause: {} }, { setWeight: 100 }])])).code).toBe(
        EXIT.ok,
      );
      const first = harness.client.workflow.getHandle(`deploy:${ref}`);
      await waitForStatus(first, (s) => s.phase === 'AwaitingPromotion');
      for (let i = 1; i <= 60; i++) {
        await first.signal(pauseSignal, { by: `oncall-${i}`, reason: `hold, check ${i}` });
        await first.signal(resumeSignal, { by: `oncall-${i}`, reason: `check ${i} fine` });
      }
      const promoted = await glidepath(['promote', ref, '--by', 'alice', '--reason', 'ship it, "finally"']);
      expect(promoted.code).toBe(EXIT.ok);
      const { status } = (await first.result()) as { status: DeploymentStatus };
      expect(status.actions).toHaveLength(100); // the status keeps the last 100; the audit must not depend on it
      firstRun = (await first.describe()).runId;
      betweenRuns = new Date();

      expect((await glidepath(['deploy', planFile(service, 'v3', [{ setWeight: 20 }, { pause: {} }])])).code).toBe(EXIT.ok);
      const second = harness.client.workflow.getHandle(`deploy:${ref}`);
      await waitForStatus(second, (s) => s.phase === 'AwaitingPromotion' && s.release === 'v3');
      expect((await glidepath(['abort', ref, '--by', 'bob', '--reason', 'errors, rising'])).code).toBe(EXIT.ok);
      await rolledBack(second);
      secondRun = (await second.describe()).runId;
    });

    // Visibility lists closed runs a moment after they close.
    const json = await eventually(
      () => glidepath(['audit', ref, '--format', 'json']),
      (r) => r.code === 0 && new Set(jsonLines(r.stdout).map((d) => d.runId)).size === 2,
      'both runs in the audit',
    );
    const rows = jsonLines(json.stdout);
    const ofFirst = rows.filter((d) => d.runId === firstRun);
    const ofSecond = rows.filter((d) => d.runId === secondRun);
    expect(ofFirst.length + ofSecond.length).toBe(rows.length);
    expect(Object.keys(rows[0])).toEqual([...AUDIT_COLUMNS]);

    const people = ofFirst.filter((d) => ['pause', 'resume', 'promote'].includes(d.action));
    expect(people).toHaveLength(121);
    for (let i = 1; i <= 60; i++) {
      expect(people[2 * i - 2]).toMatchObject({ action: 'pause', by: `oncall-${i}`, reason: `hold, check ${i}`, result: 'accepted' });
      expect(people[2 * i - 1]).toMatchObject({ action: 'resume', by: `oncall-${i}`, reason: `check ${i} fine`, result: 'accepted' });
    }
    expect(people[120]).toMatchObject({
      action: 'promote',
      by: 'alice',
      reason: 'ship it, "finally"',
      gate: 'pause-2',
      result: 'accepted: promotion',
    });
    expect(ofFirst[0]).toMatchObject({ action: 'start', by: 'ci-bot', workflowId: `deploy:${ref}` });
    expect(ofFirst.at(-1)).toMatchObject({ action: 'end', result: 'promoted', reason: 'v2 is live' });
    expect(new Set(ofFirst.map((d) => d.outcome))).toEqual(new Set(['promoted']));
    expect(ofFirst.every((d, i) => i === 0 || d.time >= ofFirst[i - 1].time)).toBe(true);
    expect(ofSecond.find((d) => d.action === 'abort')).toMatchObject({
      by: 'bob',
      reason: 'errors, rising',
      result: 'accepted: rolls back',
    });
    expect(ofSecond.at(-1)).toMatchObject({ action: 'end', outcome: 'rolled-back', reason: 'rolled back: aborted by bob: errors, rising' });
    expect(rows.indexOf(ofFirst[0])).toBeLessThan(rows.indexOf(ofSecond[0])); // oldest run first

    const csv = await glidepath(['audit', ref, '--format', 'csv']);
    expect(csv.code).toBe(0);
    const [header, ...records] = csvRecords(csv.stdout);
    expect(header).toEqual([...AUDIT_COLUMNS]);
    expect(records.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]])))).toEqual(rows);

    const table = await glidepath(['audit', ref]);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain(`deploy:${ref}  run ${firstRun}  → promoted`);
    expect(table.stdout).toContain(`deploy:${ref}  run ${secondRun}  → rolled-back`);
    expect(table.stdout.match(/ pause {5}oncall-\d+ /g)).toHaveLength(60);

    // --since: only what happened from then on; the first run closed before it.
    const recent = jsonLines((await glidepath(['audit', ref, '--format', 'json', '--since', betweenRuns.toISOString()])).stdout);
    expect(new Set(recent.map((d) => d.runId))).toEqual(new Set([secondRun]));
    expect(recent.map((d) => d.action)).toEqual(['start', 'policy', 'abort', 'end']);
  }, 240_000); // 120 signals, one after the other, each a workflow task

  it('a release: the release run and every deployment it ran, by release:<system> and by <system>@<version>', async () => {
    const f = await createReleaseFixture(endpoint);
    const release = lambdaRelease(f, (d) => (d.stages[0].gate = { approval: { approvers: ['alice'] } }));
    await harness.run(async () => {
      const started = await startRelease(harness.client, release, harness.taskQueue);
      if (started.kind === 'conflict') throw new Error('conflict');
      await waitForStatus(started.handle, (s) => s.phase === 'AwaitingApproval', 60_000);
      await started.handle.executeUpdate(approveUpdate, { args: [{ by: 'alice', reason: 'staging is quiet' }] });
      await started.handle.result();
    });

    const byRelease = jsonLines((await glidepath(['audit', `release:${f.system}`, '--format', 'json'])).stdout);
    const runs = [...new Set(byRelease.map((d) => d.workflowId))];
    expect(runs[0]).toBe(`release:${f.system}`); // then its deployments, in the order it started them
    expect(runs.slice(1).sort()).toEqual(
      [
        `deploy:${f.system}-api/staging`,
        `deploy:${f.system}-worker/staging`,
        `deploy:${f.system}-api/prod-eu`,
        `deploy:${f.system}-api/prod-us`,
        `deploy:${f.system}-worker/prod`,
      ].sort(),
    );
    expect(byRelease).toContainEqual(
      expect.objectContaining({
        workflowId: `release:${f.system}`,
        action: 'approve',
        by: 'alice',
        gate: 'promote-to-prod',
        outcome: 'promoted',
      }),
    );
    const confirms = byRelease.filter((d) => d.action === 'confirm');
    expect(confirms).toHaveLength(5);
    expect(byRelease.filter((d) => d.action === 'end').map((d) => d.outcome)).toEqual(Array(6).fill('promoted'));

    const byVersion = await eventually(
      () => glidepath(['audit', `${f.system}@v2`, '--format', 'json']),
      (r) => new Set(jsonLines(r.stdout).map((d) => d.workflowId)).size === 6,
      'the release and its five deployments by DeployReleaseId',
    );
    expect(jsonLines(byVersion.stdout).length).toBe(byRelease.length);
  });

  it('bad flags exit 2 naming the flag and the fix; nothing on record says so and exits 0', async () => {
    const format = await glidepath(['audit', 'payments/prod', '--format', 'xml']);
    expect(format.code).toBe(EXIT.invalidPlan);
    expect(format.stderr).toContain('--format "xml": not a format; use --format json (JSON Lines), --format csv');
    const since = await glidepath(['audit', 'payments/prod', '--since', 'last tuesday']);
    expect(since.code).toBe(EXIT.invalidPlan);
    expect(since.stderr).toContain('--since "last tuesday": not a duration or a time; use e.g. --since 7d');
    const quote = await glidepath(['audit', 'x" OR WorkflowId != "y']);
    expect(quote.code).toBe(EXIT.invalidPlan);
    expect(quote.stderr).toContain('not a workflow ID');
    const none = await glidepath(['audit', `${uniqueName('never')}/test`, '--format', 'csv']);
    expect(none).toMatchObject({ code: 0, stdout: `${AUDIT_COLUMNS.join(',')}\r\n` });
    expect(none.stderr).toMatch(/no runs of .* in retention/);
  });
});
