/**
 * A joint rollback in which one target's rollback is stuck, on the time-skipping server (a stuck rollback takes
 * minutes of retries): the release signals every moved target of the stage, newest first, before it waits for
 * any, so the others switch back while the stuck one waits for a person. The platform is a recording double:
 * this is the release's rule; the real platforms are covered against their servers.
 */
import { temporal } from '@temporalio/proto';
import { expect, it } from 'vitest';
import type { Metadata } from '../../plan/schema';
import { startRelease } from '../../starters/release';
import { resumeSignal, statusQuery } from '../../workflows/messages';
import { releaseStatusQuery } from '../../workflows/release-messages';
import { recordingPlatform } from '../support/recording-platform';
import { type ReleaseFixture, lambdaRelease, releaseFailure, targetState } from '../support/releases';
import { recordHistory, uniqueName } from '../support/temporal';
import { createEnvWorker, useTimeSkippingEnv } from '../support/time-skipping';

const env = useTimeSkippingEnv();

const denied = () =>
  Object.assign(new Error('User is not authorized to perform: lambda:UpdateAlias'), {
    name: 'AccessDeniedException',
    $metadata: { httpStatusCode: 403 },
  });
const notFound = () =>
  Object.assign(new Error('no such function'), { name: 'ResourceNotFoundException', $metadata: { httpStatusCode: 404 } });

it('a target stuck in its rollback holds no other on the new version: the others switch back; the release waits for it', async () => {
  const system = uniqueName('shop');
  const fns = {
    stagingApi: `${system}-api-stg`,
    stagingWorker: `${system}-wrk-stg`,
    eu: `${system}-api-eu`,
    us: `${system}-api-us`,
    prodWorker: `${system}-wrk-prod`,
  };
  const f: ReleaseFixture = { system, lambda: undefined as never, fns };
  const [eu, us, prodWorker] = [`deploy:${system}-api/prod-eu`, `deploy:${system}-api/prod-us`, `deploy:${system}-worker/prod`];
  const id = (m: Metadata) => `deploy:${m.service}/${m.environment}`;
  let fixed = false;
  const rollBacks: string[] = [];
  const { platform } = recordingPlatform({
    // Prod's worker (second wave, after us moved) cannot deploy: the stage fails with eu and us held.
    deployCandidate: async ({ metadata }: { metadata: Metadata }) => {
      if (id(metadata) === prodWorker) throw notFound();
      return { stableVersion: '1', candidateVersion: '2', data: {} };
    },
    // us, the newest, cannot switch back until a person fixes its permissions.
    rollBack: async ({ metadata }: { metadata: Metadata }) => {
      rollBacks.push(id(metadata));
      if (id(metadata) === us && !fixed) throw denied();
    },
  });
  const { worker, taskQueue } = await createEnvWorker(env, 'release-undo', { platforms: { lambda: platform } });
  await worker.runUntil(async () => {
    const started = await startRelease(env.client, lambdaRelease(f), taskQueue);
    if (started.kind === 'conflict') throw new Error('unexpected conflict');
    const { handle } = started;
    const usHandle = env.client.workflow.getHandle(us);
    let stuck: string | undefined;
    for (let i = 0; i < 15 && stuck !== 'RollbackStuck'; i++) {
      await env.sleep('1m'); // the undo retry policy gives up after about 4 minutes
      stuck = (await usHandle.query(statusQuery).catch(() => undefined))?.phase;
    }
    expect(stuck).toBe('RollbackStuck');
    const rolling = await handle.query(releaseStatusQuery);
    expect(rolling.phase).toBe('RollingBack');
    expect([targetState(rolling, eu), targetState(rolling, us), targetState(rolling, prodWorker)]).toEqual([
      'rolled-back',
      'rolling-back',
      'failed',
    ]);
    expect(rollBacks).toContain(eu);
    // Newest first: us was told before eu, in the release's history.
    const { EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED } = temporal.api.enums.v1.EventType;
    const signalled = ((await handle.fetchHistory()).events ?? [])
      .map((e) =>
        e.eventType === EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED
          ? e.signalExternalWorkflowExecutionInitiatedEventAttributes
          : undefined,
      )
      .filter((a) => a?.signalName === 'rollBack')
      .map((a) => a?.workflowExecution?.workflowId);
    expect(signalled).toEqual([us, eu]);

    fixed = true;
    await usHandle.signal(resumeSignal, { by: 'oncall', reason: 'granted lambda:UpdateAlias' });
    const { type, message, status } = await releaseFailure(handle);
    expect(type).toBe('RolledBack');
    expect(message).toContain(`prod: worker (${prodWorker}) failed: rolled back: no such function`);
    expect([targetState(status, eu), targetState(status, us)]).toEqual(['rolled-back', 'rolled-back']);
    expect(status.stages.map((s) => s.state)).toEqual(['promoted', 'rolled-back']);
    await recordHistory(handle, 'release-joint-rollback-stuck');
  });
});
