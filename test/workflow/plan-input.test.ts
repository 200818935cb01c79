/**
 * A run started without the CLI (the Web UI's "Start Workflow", a raw client) gets the same plan rules: the
 * plan is checked by an activity before anything moves, and a bad one fails naming the field, with no platform
 * call made. Time-skipping server; the platform is a recording double.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import type { Platform } from '../../activities/types';
import { BUCKET } from '../support/lambda-fixture';
import { uniqueName } from '../support/temporal';
import { createEnvWorker, useTimeSkippingEnv } from '../support/time-skipping';

const env = useTimeSkippingEnv();

const calls: string[] = [];
const platform = new Proxy({} as Platform, {
  get: (_, name: string) => async () => {
    calls.push(name);
    return { stableVersion: '1', candidateVersion: '2', data: {} };
  },
});

async function runRaw(input: unknown): Promise<unknown> {
  const { worker, taskQueue } = await createEnvWorker(env, 'raw', { platforms: { lambda: platform } });
  return worker.runUntil(async () =>
    env.client.workflow.execute('deploymentWorkflow', { args: [input], taskQueue, workflowId: uniqueName('raw') }).catch((err) => err),
  );
}

const rawPlan = (steps: unknown[]) => ({
  apiVersion: 'glidepath/v1',
  metadata: { service: 'raw', environment: 'test', release: 'v2' },
  target: { type: 'lambda', functionName: 'raw', alias: 'live', code: { s3Bucket: BUCKET, s3Key: 'raw/v2.zip' } },
  strategy: { type: 'canary', steps },
});

function invalidPlanMessage(err: unknown): string {
  expect(err).toBeInstanceOf(WorkflowFailedError);
  const cause = (err as WorkflowFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  expect((cause as ApplicationFailure).type).toBe('InvalidPlan');
  return (cause as ApplicationFailure).message;
}

describe('a plan started without the CLI', () => {
  it('breaking a rule fails with the field named, before any platform call', async () => {
    calls.length = 0;
    const message = invalidPlanMessage(await runRaw(rawPlan([{ setWeight: 150 }])));
    expect(message).toContain('strategy.steps[0].setWeight');
    expect(calls).toEqual([]);
  });

  it('input that is not a plan at all fails with what is missing', async () => {
    calls.length = 0;
    const message = invalidPlanMessage(await runRaw({ metadata: { service: 'x' } }));
    expect(message).toContain('metadata.environment, metadata.release, target.type, strategy.type');
    expect(calls).toEqual([]);
  });

  it('a valid plan written by hand, defaults left out, runs to promoted', async () => {
    calls.length = 0;
    const result = (await runRaw(rawPlan([{ setWeight: 50 }]))) as { outcome: string };
    expect(result.outcome).toBe('promoted');
    expect(calls).toEqual(['deployCandidate', 'waitCandidateReady', 'setTrafficWeight', 'promoteCandidate', 'retirePrevious']);
  });
});
