/**
 * What a target of a release waits for shows on the release (its status query, Current Details, `status` and
 * `release --follow`), and the lock between a release and a single plan, both ways: the real binary against the
 * real Temporal dev server, a worker driving Lambda on moto.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { stringify } from 'yaml';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { EXIT } from '../../starters/exit-codes';
import { startRelease } from '../../starters/release';
import { abortSignal } from '../../workflows/messages';
import type { releaseWorkflow } from '../../workflows/release';
import { harnessCli } from '../support/cli';
import { BUCKET, lambdaPlatformAt } from '../support/lambda-fixture';
import { type ReleaseFixture, aliasOf, createReleaseFixture, lambdaRelease, releaseFailure, waitForRelease } from '../support/releases';
import { type Harness, inPhase, recordHistory, rolledBack, startHarness, waitForStatus } from '../support/temporal';

const endpoint = inject('motoEndpoint');
const dir = mkdtempSync(path.join(os.tmpdir(), 'glidepath-target-gates-'));
let harness: Harness;

beforeAll(async () => {
  harness = await startHarness({ platforms: { lambda: lambdaPlatformAt(endpoint) } });
});
afterAll(async () => harness?.close());

const glidepath = harnessCli(() => harness.taskQueue);

/** A plan of its own for one target of the fixture's system (same service and environment as the release's). */
function planFile(f: ReleaseFixture, environment: string, fn: string, steps: unknown[]): string {
  const file = path.join(dir, `${f.system}-${environment}-plan.yaml`);
  const target = { type: 'lambda', functionName: fn, alias: 'live', code: { s3Bucket: BUCKET, s3Key: `${fn}/v2.zip` } };
  writeFileSync(
    file,
    stringify({
      apiVersion: 'glidepath/v1',
      metadata: { service: `${f.system}-api`, environment, release: 'v2' },
      target,
      strategy: { type: 'canary', steps },
    }),
  );
  return file;
}

const signalsNamed = async (handle: { fetchHistory: () => Promise<temporal.api.history.v1.IHistory> }, name: string) =>
  ((await handle.fetchHistory()).events ?? []).filter(
    (e) =>
      e.eventType === temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED &&
      e.workflowExecutionSignaledEventAttributes?.signalName === name,
  ).length;

it('a prod target at its own approval shows on the release (status, Current Details, --follow); a plan for it exits 3', async () => {
  const f = await createReleaseFixture(endpoint);
  const release = lambdaRelease(f, (d) => {
    d.stages[1].targets[1].strategy = {
      type: 'canary',
      steps: [{ setWeight: 50 }, { approval: { name: 'us-go', approvers: ['alice', 'bob'] } }],
    };
    delete d.metadata.requestedBy; // the requester is who runs `glidepath release` (GLIDEPATH_USER)
  });
  const file = path.join(dir, `${f.system}.yaml`);
  writeFileSync(file, stringify(release));
  const id = `release:${f.system}`;
  const us = `deploy:${f.system}-api/prod-us`;
  const waitingLine = `  prod ${us}: running  → waiting for approval "us-go" by alice/bob: glidepath approve ${us}`;

  await harness.run(async () => {
    let atGate!: () => void;
    const gated = new Promise<void>((resolve) => (atGate = resolve));
    const following = glidepath(['release', file, '--follow'], (out) => out.includes(waitingLine) && atGate());
    await gated;

    // The release's own status query says what the target waits for, and who may answer it.
    const handle = harness.client.workflow.getHandle<typeof releaseWorkflow>(id);
    const waiting = await waitForRelease(handle, (s) => s.stages[1].targets.some((t) => t.gate !== undefined));
    const target = waiting.stages[1].targets.find((t) => t.workflowId === us)!;
    expect(target).toMatchObject({
      state: 'running',
      gate: { kind: 'approval', name: 'us-go', approvers: ['alice', 'bob'], onTimeout: 'abort' },
    });
    expect(waiting.phase).toBe('Deploying');
    const details = (await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata')).currentDetails;
    expect(details).toContain(`**Target \`${us}\`** waiting for approval "us-go" by alice/bob: \`glidepath approve ${us} --by <you>\``);
    const status = await glidepath(['status', id]);
    expect(status.stdout).toMatch(
      new RegExp(
        `wave 2  api +${us} +running +AwaitingApproval, traffic 50% +→ waiting for approval "us-go" by alice/bob: ` +
          `glidepath approve ${us}\\n`,
      ),
    );

    // A plan for a target the release holds is refused, even of the same version: the release decides how it ends.
    const plan = await glidepath(['deploy', planFile(f, 'prod-us', f.fns.us, [{ setWeight: 10 }])]);
    expect(plan.code).toBe(EXIT.conflict);
    expect(plan.stderr).toContain(
      `${f.system}-api/prod-us is held by release ${f.system}@v2 (${id}; its target ${us} is ` +
        `AwaitingApproval).\nWait for it, or abort it: glidepath abort ${id} --reason "..."`,
    );
    expect(await aliasOf(f.lambda, f.fns.us)).toEqual({ version: '1', weights: { '2': 0.5 } });

    // where shows the target in progress, from visibility (indexed a moment after each change).
    let where = '';
    for (let i = 0; i < 40 && !where.includes('in progress (AwaitingApproval)'); i++) where = (await glidepath(['where', f.system])).stdout;
    expect(where).toMatch(new RegExp(`${f.system}-api/prod-us +no promoted run on record +→ v2 in progress \\(AwaitingApproval\\)`));

    // The command the release printed answers the gate; the release then shows the target without it.
    expect((await glidepath(['approve', us, '--by', 'bob', '--reason', 'us is quiet'])).code).toBe(EXIT.ok);
    const done = await following;
    expect(done.code).toBe(EXIT.ok);
    const lines = done.stdout.split('\n').map((l) => l.slice(10)); // without the time
    const waited = lines.indexOf(waitingLine);
    expect(waited).toBeGreaterThan(-1);
    expect(lines.slice(waited + 1)).toContain(`  prod ${us}: held`);
    expect(done.stdout).toContain('PROMOTED');

    const { status: end } = await handle.result();
    expect(end.stages.flatMap((s) => s.targets).filter((t) => t.gate)).toEqual([]);
    // Bounded: one report when the gate opened, one when it closed.
    expect(await signalsNamed(handle, 'targetGate')).toBe(2);
    await recordHistory(handle, 'release-target-gate-reported-promoted');
    await recordHistory(harness.client.workflow.getHandle(us), 'canary-held-by-release-gate-reported-promoted');
  });
});

it('a release whose target a plan holds fails that target naming why; the release rolls back, the plan goes on', async () => {
  const f = await createReleaseFixture(endpoint);
  const staging = `deploy:${f.system}-api/staging`;
  await harness.run(async () => {
    const plan = await glidepath(['deploy', planFile(f, 'staging', f.fns.stagingApi, [{ setWeight: 10 }, { pause: {} }])]);
    expect(plan.code).toBe(EXIT.ok);
    const planHandle = harness.client.workflow.getHandle(staging);
    await waitForStatus(planHandle, inPhase('AwaitingPromotion'));

    const started = await startRelease(harness.client, lambdaRelease(f), harness.taskQueue);
    if (started.kind === 'conflict') throw new Error('unexpected conflict');
    const { type, message, status } = await releaseFailure(started.handle);
    expect(type).toBe('RolledBack');
    expect(message).toContain(
      `staging: api (${staging}) failed: ${staging} is already deploying (another plan or release holds it); wait for it or abort it`,
    );
    expect(status.stages.map((s) => s.state)).toEqual(['rolled-back', 'pending']);
    expect(await aliasOf(f.lambda, f.fns.stagingWorker)).toEqual({ version: '1', weights: {} });

    // The plan was left alone: still at its pause, 10% on v2, until its own abort.
    expect((await waitForStatus(planHandle, inPhase('AwaitingPromotion'))).weight).toBe(10);
    await planHandle.signal(abortSignal, { by: 'ci-bot', reason: 'test done' });
    await rolledBack(planHandle);
    expect(await aliasOf(f.lambda, f.fns.stagingApi)).toEqual({ version: '1', weights: {} });
  });
});
