import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createAnalyzer } from '../../activities/analysis';
import { startRelease } from '../../starters/release';
import { abortSignal, approveUpdate, promoteUpdate } from '../../workflows/messages';
import { type HttpCheck, startHttpCheck } from '../support/http-check';
import {
  type ReleaseFixture,
  aliasOf,
  createReleaseFixture,
  lambdaRelease,
  releaseFailure,
  targetState,
  waitForRelease,
} from '../support/releases';
import { type Harness, recordHistory, startHarness } from '../support/temporal';
import { lambdaPlatformAt } from '../support/lambda-fixture';

const endpoint = inject('motoEndpoint');
let harness: Harness;
const checks: HttpCheck<unknown>[] = [];

beforeAll(async () => {
  harness = await startHarness({
    platforms: { lambda: lambdaPlatformAt(endpoint) },
    analyze: createAnalyzer({ heartbeatEveryMs: 1_000 }),
  });
});
afterAll(async () => {
  await Promise.all(checks.map((c) => c.close()));
  await harness?.close();
});

/** An HTTP check answering `status`, noting at each request what it asked for and where staging and prod are. */
async function check(f: ReleaseFixture, status: number) {
  const started = await startHttpCheck(status, async (path) => ({
    path,
    staging: await aliasOf(f.lambda, f.fns.stagingApi),
    prod: await aliasOf(f.lambda, f.fns.eu),
  }));
  checks.push(started);
  return started;
}

/** staging → prod, with staging's gate analysing staging by `url` (its templates filled in by the release). */
function gatedRelease(f: ReleaseFixture, gate: Record<string, unknown>, metric: Record<string, unknown>) {
  return lambdaRelease(f, (d) => {
    d.stages[0].gate = { ...gate, analysis: { name: 'staging-health', metrics: [{ name: 'smoke', interval: '1s', ...metric }] } };
  });
}

async function start(release: ReturnType<typeof lambdaRelease>) {
  const started = await startRelease(harness.client, release, harness.taskQueue);
  if (started.kind === 'conflict') throw new Error('unexpected conflict');
  return started.handle;
}

const prodFunctions = (f: ReleaseFixture) => [f.fns.eu, f.fns.us, f.fns.prodWorker];

describe("a stage gate's analysis", () => {
  it('passes: it measured staging promoted with prod untouched, then prod starts and the release promotes', async () => {
    const f = await createReleaseFixture(endpoint);
    const http = await check(f, 200);
    const release = gatedRelease(
      f,
      { soak: '2s' },
      { provider: { type: 'http', url: `${http.url}/{{environment}}/{{release}}` }, count: 2 },
    );
    await harness.run(async () => {
      const handle = await start(release);
      const result = await handle.result();
      expect(result.status.stages.map((s) => s.state)).toEqual(['promoted', 'promoted']);
      for (const fn of Object.values(f.fns)) expect(await aliasOf(f.lambda, fn)).toEqual({ version: '2', weights: {} });
      // Every check came while staging was promoted (version 2, no split) and before prod moved.
      expect(http.seen).toEqual(
        [1, 2].map(() => ({
          path: '/health/staging/v2',
          staging: { version: '2', weights: {} },
          prod: { version: '1', weights: {} },
        })),
      );
      expect(result.status.stages[0].gateAnalysis).toMatchObject({
        name: 'staging-health',
        state: 'passed',
        measurements: [1, 2].map(() =>
          expect.objectContaining({ analysis: 'staging-health', metric: 'smoke', value: 200, outcome: 'passed' }),
        ),
      });
      await recordHistory(handle, 'release-gate-analysis-passed');
    });
  });

  it('fails: the release stops before prod at once (mid-soak), prod never starts, staging stays promoted', async () => {
    const f = await createReleaseFixture(endpoint);
    const http = await check(f, 503);
    // An hour's soak: the release ends on the failed check, not on the soak.
    const release = gatedRelease(f, { soak: '1h' }, { provider: { type: 'http', url: http.url }, count: 3 });
    await harness.run(async () => {
      const handle = await start(release);
      const { type, message, status } = await releaseFailure(handle);
      expect(type).toBe('Stopped');
      expect(message).toContain('before prod: analysis "staging-health" failed');
      expect(message).toContain('HTTP 503, expected 200');
      expect(message).toContain('staging stays promoted');
      expect(status.stages[0]).toMatchObject({ state: 'promoted', gateAnalysis: { state: 'failed' } });
      expect(status.stages[1].targets.map((t) => t.state)).toEqual(['waiting', 'waiting', 'waiting']);
      for (const fn of prodFunctions(f)) expect(await aliasOf(f.lambda, fn)).toEqual({ version: '1', weights: {} });
      expect(await aliasOf(f.lambda, f.fns.stagingApi)).toEqual({ version: '2', weights: {} });
      expect(await aliasOf(f.lambda, f.fns.stagingWorker)).toEqual({ version: '2', weights: {} });
      for (const t of status.stages[1].targets) {
        const described = await harness.client.workflow
          .getHandle(t.workflowId)
          .describe()
          .catch((e) => e);
        expect(described).toBeInstanceOf(WorkflowNotFoundError); // no prod deployment was ever started
      }
      expect(http.seen).toHaveLength(1); // the first failed measurement ended the analysis (failureLimit 0)
      await recordHistory(handle, 'release-gate-analysis-failed');
    });
  });

  it('abort while it measures: the release stops before prod and its analysis stops measuring', async () => {
    const f = await createReleaseFixture(endpoint);
    const http = await check(f, 200);
    const release = gatedRelease(f, { soak: '1h' }, { provider: { type: 'http', url: http.url }, count: 1000 });
    await harness.run(async () => {
      const handle = await start(release);
      await waitForRelease(handle, (s) => (s.stages[0].gateAnalysis?.measurements.length ?? 0) > 0);
      await handle.signal(abortSignal, { by: 'oncall', reason: 'not today' });
      const { type, message, status } = await releaseFailure(handle);
      expect(type).toBe('Stopped');
      expect(message).toContain('before prod: aborted by oncall: not today; staging stays promoted');
      expect(status.stages[0].gateAnalysis).toMatchObject({ state: 'cancelled' });
      const child = await harness.client.workflow.getHandle(`${handle.workflowId}/analysis/staging-health`).describe();
      expect(child.status.name).toBe('CANCELLED'); // stopped by the release before it ended, not left to be terminated
      for (const fn of prodFunctions(f)) expect(await aliasOf(f.lambda, fn)).toEqual({ version: '1', weights: {} });
      await recordHistory(handle, 'release-gate-analysis-aborted');
    });
  });

  it('inconclusive: the release waits for promote (approve is refused); promote starts prod', async () => {
    const f = await createReleaseFixture(endpoint);
    const http = await check(f, 200); // answers {"status": 200}: neither condition holds
    const metric = {
      provider: { type: 'http', url: http.url, jsonPath: 'status' },
      successCondition: 'result < 100',
      failureCondition: 'result > 500',
      count: 1,
    };
    await harness.run(async () => {
      const handle = await start(gatedRelease(f, {}, metric));
      const waiting = await waitForRelease(handle, (s) => s.phase === 'AwaitingPromotion');
      expect(waiting.gate).toMatchObject({ kind: 'inconclusive-analysis', name: 'staging-health', onTimeout: 'abort' });
      expect(waiting.stages[0].gateAnalysis?.state).toBe('inconclusive');
      expect(targetState(waiting, `deploy:${f.system}-api/prod-eu`)).toBe('waiting');
      const refused = await handle.executeUpdate(approveUpdate, { args: [{ by: 'carol', reason: 'fine' }] }).catch((e) => e);
      expect(refused).toBeInstanceOf(WorkflowUpdateFailedError);
      expect(refused.cause.message).toContain(
        'waits for a decision on inconclusive analysis "staging-health": promote starts the next stage',
      );
      expect(await aliasOf(f.lambda, f.fns.eu)).toEqual({ version: '1', weights: {} });
      await handle.executeUpdate(promoteUpdate, { args: [{ by: 'carol', reason: 'the check is noisy' }] });
      const result = await handle.result();
      expect(result.status.stages.map((s) => s.state)).toEqual(['promoted', 'promoted']);
      for (const fn of prodFunctions(f)) expect(await aliasOf(f.lambda, fn)).toEqual({ version: '2', weights: {} });
      expect(result.status.actions).toContainEqual(expect.objectContaining({ action: 'promote', by: 'carol', gate: 'staging-health' }));
      await recordHistory(handle, 'release-gate-analysis-inconclusive-promoted');
    });
  });
});
