import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { startRelease } from '../../starters/release';
import { where } from '../../starters/where';
import { promoteUpdate, resumeSignal } from '../../workflows/messages';
import { releasePauseUpdate, releaseResumeUpdate } from '../../workflows/release-messages';
import { eventually } from '../support/eventually';
import { aliasOf, createReleaseFixture, lambdaRelease, targetState, waitForRelease } from '../support/releases';
import { type Harness, recordHistory, startHarness, waitForStatus } from '../support/temporal';
import { lambdaPlatformAt } from '../support/lambda-fixture';

const endpoint = inject('motoEndpoint');
let harness: Harness;

beforeAll(async () => {
  harness = await startHarness({ platforms: { lambda: lambdaPlatformAt(endpoint) } });
});
afterAll(async () => harness?.close());

/** The reason the release refused an update with (a test failure if it accepted it). */
async function refusal(send: Promise<unknown>): Promise<string> {
  const err = await send.then(
    () => undefined,
    (e) => e,
  );
  if (!(err instanceof WorkflowUpdateFailedError)) throw new Error(`expected a refusal, got ${err}`);
  return err.cause?.message ?? '';
}

const SOAK_MS = 4_000;

it('pause holds the moving target and starts no new wave; resume goes on; promote skips the soak; where names who promoted', async () => {
  const f = await createReleaseFixture(endpoint);
  // Staging: the API soaks at 50% in a first wave, the worker comes in a second; an hour's soak before prod.
  const release = lambdaRelease(f, (d) => {
    d.components.api.strategy = { type: 'canary', steps: [{ setWeight: 50 }, { pause: { duration: `${SOAK_MS / 1000}s` } }] };
    d.stages[0].waves = [{ targets: ['api'] }, { targets: ['worker'] }];
    d.stages[0].gate = { soak: '1h' };
  });
  const api = `deploy:${f.system}-api/staging`;
  const worker = `deploy:${f.system}-worker/staging`;
  await harness.run(async () => {
    const started = await startRelease(harness.client, release, harness.taskQueue);
    if (started.kind === 'conflict') throw new Error('unexpected conflict');
    const { handle } = started;
    const act = (update: typeof releasePauseUpdate, by: string, reason = '') => handle.executeUpdate(update, { args: [{ by, reason }] });

    await waitForStatus(harness.client.workflow.getHandle(api), (s) => s.phase === 'Soaking' && s.weight === 50);
    const soakingSeen = Date.now();
    expect(await refusal(act(releaseResumeUpdate, 'oncall'))).toBe('not paused (phase: Deploying)');
    expect(await refusal(handle.executeUpdate(promoteUpdate, { args: [{ by: 'bob' }] }))).toContain(
      'nothing to promote: the release is not soaking at a gate (phase: Deploying)',
    );

    const paused = await act(releasePauseUpdate, 'oncall', 'error spike');
    expect(paused.accepted).toBe(`paused release:${f.system}; paused ${api}`);
    expect(await refusal(act(releasePauseUpdate, 'bob'))).toMatch(/^already paused by oncall at \S+: error spike$/);
    const status = await waitForRelease(handle, (s) => s.phase === 'Paused');
    expect(status.paused).toMatchObject({ action: 'pause', by: 'oncall', reason: 'error spike' });
    const child = await waitForStatus(harness.client.workflow.getHandle(api), (s) => s.phase === 'Paused');
    expect(child.actions).toContainEqual(
      expect.objectContaining({ action: 'pause', by: 'oncall', reason: `${f.system}@v2 paused: error spike` }),
    );
    expect(await aliasOf(f.lambda, f.fns.stagingApi)).toEqual({ version: '1', weights: { '2': 0.5 } });

    // Nothing to wait for: the point is that nothing happens. Past the end the API's soak would have had, its
    // traffic has not moved.
    await new Promise((r) => setTimeout(r, Math.max(0, soakingSeen + SOAK_MS + 1_000 - Date.now())));
    expect((await harness.client.workflow.getHandle(api).query('status')) as { phase: string }).toMatchObject({ phase: 'Paused' });
    expect(await aliasOf(f.lambda, f.fns.stagingApi)).toEqual({ version: '1', weights: { '2': 0.5 } });

    // A person resumes the API alone: it moves and reports itself held, which ends the first wave. The release
    // would start the second wave in the same workflow task: still paused, it does not.
    await harness.client.workflow.getHandle(api).signal(resumeSignal, { by: 'alice', reason: 'the API is fine' });
    const waveDone = await waitForRelease(handle, (s) => targetState(s, api) === 'held');
    expect([waveDone.phase, targetState(waveDone, worker)]).toEqual(['Paused', 'waiting']);
    expect(await aliasOf(f.lambda, f.fns.stagingApi)).toEqual({ version: '2', weights: {} }); // previous version kept
    expect(
      await harness.client.workflow
        .getHandle(worker)
        .describe()
        .catch((e) => e),
    ).toBeInstanceOf(WorkflowNotFoundError);
    expect(await aliasOf(f.lambda, f.fns.stagingWorker)).toEqual({ version: '1', weights: {} });

    expect((await act(releaseResumeUpdate, 'oncall', 'spike was unrelated')).accepted).toBe(`resumed release:${f.system}; resumed ${api}`);
    const gated = await waitForRelease(handle, (s) => s.phase === 'Gated');
    expect(gated.paused).toBeUndefined();
    expect(await aliasOf(f.lambda, f.fns.stagingApi)).toEqual({ version: '2', weights: {} });
    expect(await aliasOf(f.lambda, f.fns.stagingWorker)).toEqual({ version: '2', weights: {} });
    expect(await aliasOf(f.lambda, f.fns.eu)).toEqual({ version: '1', weights: {} });

    expect(await refusal(handle.executeUpdate(promoteUpdate, { args: [{ by: 'bob', full: true }] }))).toContain(
      'full: a release has no steps to skip',
    );
    const promoted = await handle.executeUpdate(promoteUpdate, { args: [{ by: 'bob', reason: 'staging is quiet' }] });
    expect(promoted.accepted).toBe('skipped the rest of the soak of staging');

    const result = await handle.result();
    expect(result.status.stages.map((s) => s.state)).toEqual(['promoted', 'promoted']);
    for (const fn of Object.values(f.fns)) expect(await aliasOf(f.lambda, fn)).toEqual({ version: '2', weights: {} });
    expect(result.status.actions.map((a) => [a.action, a.by, a.gate])).toEqual([
      ['pause', 'oncall', undefined],
      ['resume', 'oncall', undefined],
      ['promote', 'bob', 'soak staging'],
    ]);
    await recordHistory(handle, 'release-paused-resumed-promoted');
    await recordHistory(harness.client.workflow.getHandle(api), 'canary-paused-by-release-promoted');

    // Prod started because bob promoted past the soak; staging with the release, no person in between.
    const rows = await eventually(
      () => where(harness.client, f.system),
      (r) => r.filter((row) => row.live).length === 5,
      'where lists five live targets',
    );
    expect(rows.map((r) => [`${r.service}/${r.environment}`, r.live?.version, r.live?.promotedBy])).toEqual([
      [`${f.system}-api/prod-eu`, 'v2', 'bob'],
      [`${f.system}-api/prod-us`, 'v2', 'bob'],
      [`${f.system}-api/staging`, 'v2', 'automatic'],
      [`${f.system}-worker/prod`, 'v2', 'bob'],
      [`${f.system}-worker/staging`, 'v2', 'automatic'],
    ]);
  });
});
