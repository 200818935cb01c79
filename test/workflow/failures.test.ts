/**
 * How the workflow ends when a platform keeps failing, on the time-skipping server (retry backoffs and long
 * waits are skipped). The platform here is a narrow test double that records calls: the real platforms are
 * covered against their servers in test/lambda, test/ecs and test/kubernetes.
 */
import { describe, expect, it } from 'vitest';
import type { Platform } from '../../activities/types';
import { startDeployment } from '../../starters/deploy';
import { canary, lambdaPlan } from '../support/plans';
import { rolledBack, uniqueName } from '../support/temporal';
import { recordingPlatform } from '../support/recording-platform';
import { createEnvWorker, useTimeSkippingEnv } from '../support/time-skipping';

const env = useTimeSkippingEnv();

/** A recording platform whose traffic changes above 10% fail the way `fail` says. */
function failingAbove10(fail: () => never) {
  return recordingPlatform({
    setTrafficWeight: async ({ weight }: { weight: number }) => {
      if (weight > 10) fail();
    },
  });
}

async function deploy(platform: Platform) {
  const { worker, taskQueue } = await createEnvWorker(env, 'fail', { platforms: { lambda: platform } });
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
