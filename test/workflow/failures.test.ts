/**
 * How the workflow ends when a platform keeps failing, on the time-skipping server (retry backoffs and long
 * waits are skipped). The platform here is a narrow test double that records calls: the real platforms are
 * covered against their servers in test/lambda, test/ecs and test/kubernetes.
 */
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Platform } from '../../activities/types';
import { startDeployment } from '../../starters/deploy';
import { registerSearchAttributes } from '../../starters/register-search-attributes';
import { createWorker } from '../../workers/worker';
import { canary, lambdaPlan } from '../support/plans';
import { rolledBack, uniqueName } from '../support/temporal';
import { tool } from '../support/tools';
import { recordingPlatform } from '../support/recording-platform';

let env: TestWorkflowEnvironment;

beforeAll(async () => {
  env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: tool('temporal-test-server') } },
  });
  await registerSearchAttributes(env.connection, 'default');
});
afterAll(async () => env?.teardown());

/** A recording platform whose traffic changes above 10% fail the way `fail` says. */
function failingAbove10(fail: () => never) {
  return recordingPlatform({
    setTrafficWeight: async ({ weight }: { weight: number }) => {
      if (weight > 10) fail();
    },
  });
}

async function deploy(platform: Platform) {
  const taskQueue = uniqueName('fail');
  const worker = await createWorker({
    connection: env.nativeConnection,
    namespace: 'default',
    taskQueue,
    workflowBundle: { codePath: inject('workflowBundlePath') },
    dependencies: { platforms: { lambda: platform } },
  });
  return worker.runUntil(async () => {
    const started = await startDeployment(
      env.client,
      lambdaPlan(uniqueName('svc'), canary({ setWeight: 10 }, { setWeight: 50 }, { setWeight: 100 })),
      taskQueue,
    );
    if (started.kind === 'conflict') throw new Error('conflict');
    return rolledBack(started.handle);
  });
}

describe('platform failures', () => {
  it('a platform that keeps failing with 5xx: retries run out, then the rollout ends rolled back', async () => {
    const { platform, calls } = failingAbove10(() => {
      throw Object.assign(new Error('Service Unavailable'), { name: 'ServiceException', $metadata: { httpStatusCode: 503 } });
    });
    const { message, status } = await deploy(platform);
    expect(message).toContain('Service Unavailable');
    expect(calls.filter((c) => c === 'setTrafficWeight 50')).toHaveLength(8); // the retry policy's maximumAttempts
    expect(calls.at(-1)).toBe('rollBack');
    expect(status).toMatchObject({ phase: 'RolledBack', weight: 0 });
  });

  it('an error no retry can fix (access denied) rolls back at once', async () => {
    const { platform, calls } = failingAbove10(() => {
      throw Object.assign(new Error('User is not authorized to perform: lambda:UpdateAlias'), {
        name: 'AccessDeniedException',
        $metadata: { httpStatusCode: 403 },
      });
    });
    const { message } = await deploy(platform);
    expect(message).toContain('not authorized');
    expect(calls.filter((c) => c === 'setTrafficWeight 50')).toHaveLength(1);
    expect(calls.at(-1)).toBe('rollBack');
  });
});
