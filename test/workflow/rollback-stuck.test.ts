/**
 * A rollback that meets errors, on the time-skipping server: an undo step is retried until it succeeds and the
 * steps below it still run; one that keeps failing shows RollbackStuck (never RolledBack), tried again ever less
 * often, until a person fixes the cause and resumes (an unexpected error in workflow code: unexpected-errors.test.ts). The platform is a
 * recording double: these are the workflow's rules, the real platforms are covered against their servers.
 */
import { describe, expect, it } from 'vitest';
import type { Platform } from '../../activities/types';
import { startDeployment } from '../../starters/deploy';
import { resumeSignal, statusQuery } from '../../workflows/messages';
import { canary, lambdaPlan } from '../support/plans';
import { historyEvents } from '../support/history-events';
import { recordHistory, rolledBack, uniqueName } from '../support/temporal';
import { recordingPlatform } from '../support/recording-platform';
import { createEnvWorker, useTimeSkippingEnv } from '../support/time-skipping';

const env = useTimeSkippingEnv();

const denied = () =>
  Object.assign(new Error('User is not authorized to perform: lambda:UpdateAlias'), {
    name: 'AccessDeniedException',
    $metadata: { httpStatusCode: 403 },
  });

/** Records calls; traffic at 50% fails (the reason to roll back); the rollback fails while `rollbackFails()` says so. */
function platformWithFailingUndo(rollbackFails: () => boolean): { platform: Platform; calls: string[] } {
  return recordingPlatform({
    setTrafficWeight: async ({ weight }: { weight: number }) => {
      if (weight === 50)
        throw Object.assign(new Error('listener rule not found'), { name: 'RuleNotFoundException', $metadata: { httpStatusCode: 404 } });
    },
    rollBack: async () => {
      if (rollbackFails()) throw denied();
    },
  });
}

const MIGRATION = {
  migration: {
    run: { type: 'lambda', functionName: 'migrate', payload: { to: 2 } },
    down: { type: 'lambda', functionName: 'migrate', payload: { to: 1 } },
  },
};

async function withWorker<T>(platform: Platform, fn: (taskQueue: string) => Promise<T>): Promise<T> {
  const { worker, taskQueue } = await createEnvWorker(env, 'undo', { platforms: { lambda: platform } });
  return worker.runUntil(() => fn(taskQueue));
}

async function start(taskQueue: string, extra: Record<string, unknown> = MIGRATION) {
  const started = await startDeployment(
    env.client,
    lambdaPlan(uniqueName('svc'), canary({ setWeight: 10 }, { setWeight: 50 }), extra),
    taskQueue,
  );
  if (started.kind === 'conflict') throw new Error('conflict');
  return started.handle;
}

describe('rollback under errors', () => {
  it('an undo step denied a few times is retried until it succeeds, and the down-migration below it still runs', async () => {
    let failures = 3;
    const { platform, calls } = platformWithFailingUndo(() => failures-- > 0);
    const { status } = await withWorker(platform, async (taskQueue) => rolledBack(await start(taskQueue)));
    expect(calls.filter((c) => c === 'rollBack')).toHaveLength(4);
    expect(calls.slice(-2)).toEqual(['rollBack', 'runMigration down']);
    expect(status).toMatchObject({ phase: 'RolledBack', weight: 0, migration: 'reverted' });
    expect(status.outcome!.reason).toContain('listener rule not found');
    expect(status.stuck).toBeUndefined();
  });

  it('an undo step that never succeeds shows RollbackStuck, never RolledBack, retried ever less often until a person resumes', async () => {
    let fixed = false;
    const { platform, calls } = platformWithFailingUndo(() => !fixed);
    await withWorker(platform, async (taskQueue) => {
      const handle = await start(taskQueue);
      await env.sleep('5m'); // past the undo retry policy (10 attempts, ~4 minutes of backoff)
      const stuck = await handle.query(statusQuery);
      expect(stuck.phase).toBe('RollbackStuck');
      expect(stuck.outcome).toBeUndefined();
      expect(stuck.stuck).toMatchObject({ step: 'roll back v2', reason: expect.stringContaining('not authorized') });
      expect(stuck.stuck!.remedy).toContain(`glidepath resume ${handle.workflowId}`);
      expect(calls).not.toContain('runMigration down'); // the step below waits for the stuck one
      expect((await handle.describe()).status.name).toBe('RUNNING');

      // Tried again by itself after 10 minutes, then twice as long each time, at most every 4 hours: a step stuck
      // for weeks adds some ten events a try, six tries a day, far from Temporal's history limit.
      await env.sleep('1d');
      const waits = (await historyEvents(handle)).timers.filter((t) => t.summary === 'rollback stuck at roll back v2: retry');
      expect(waits.slice(0, 6).map((t) => t.durationMs / 60_000)).toEqual([10, 20, 40, 80, 160, 240]);
      expect(waits.every((t) => t.durationMs <= 240 * 60_000)).toBe(true);
      expect(waits.length).toBeLessThanOrEqual(10);
      expect((await handle.query(statusQuery)).phase).toBe('RollbackStuck');

      fixed = true;
      await handle.signal(resumeSignal, { by: 'oncall', reason: 'granted lambda:UpdateAlias' });
      const { status } = await rolledBack(handle);
      expect(status).toMatchObject({ phase: 'RolledBack', migration: 'reverted' });
      expect(status.stuck).toBeUndefined();
      expect(calls.slice(-2)).toEqual(['rollBack', 'runMigration down']);
      await recordHistory(handle, 'canary-rollback-stuck-backoff-rolled-back');
    });
  });
});
