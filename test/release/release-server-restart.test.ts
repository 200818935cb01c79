import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { expect, inject, it } from 'vitest';
import type { Release } from '../../plan/release-schema';
import { startRelease } from '../../starters/release';
import { createWorker } from '../../workers/worker';
import { releaseOutcome } from '../support/release-outcome';
import { type ReleaseFixture, createReleaseFixture, lambdaRelease } from '../support/releases';
import { inPhase, uniqueName, waitForStatus } from '../support/temporal';
import { startDevServer } from '../support/temporal-server';
import { lambdaPlatformAt } from '../support/lambda-fixture';

const endpoint = inject('motoEndpoint');

/** prod-us soaks a moment after its first step, so the restart lands mid-wave. */
const soakingRelease = (f: ReleaseFixture): Release =>
  lambdaRelease(
    f,
    (d) => (d.stages[1].targets[1].strategy = { type: 'canary', steps: [{ setWeight: 50 }, { pause: { duration: '3s' } }] }),
  );

it('the Temporal server restarted mid-release: the release ends as without the restart, each platform call scheduled once', {
  timeout: 180_000,
}, async () => {
  const server = await startDevServer();
  const nativeConnection = await NativeConnection.connect({ address: server.address });
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection, namespace: 'default' });
  const taskQueue = uniqueName('rel-srv-tq');
  const worker = await createWorker({
    connection: nativeConnection,
    namespace: 'default',
    taskQueue,
    workflowBundle: { codePath: inject('workflowBundlePath') },
    dependencies: { platforms: { lambda: lambdaPlatformAt(endpoint) } },
  });
  const release = async (f: ReleaseFixture, midway?: () => Promise<void>) => {
    const run = await startRelease(client, soakingRelease(f), taskQueue);
    if (run.kind === 'conflict') throw new Error('unexpected conflict');
    if (midway) {
      await waitForStatus(client.workflow.getHandle(`deploy:${f.system}-api/prod-us`), inPhase('Soaking'));
      await midway();
    }
    const { status } = await run.handle.result();
    return releaseOutcome(client, run.handle, f, status);
  };
  try {
    const [baseline, f] = await Promise.all([createReleaseFixture(endpoint), createReleaseFixture(endpoint)]);
    await worker.runUntil(async () => {
      const expected = await release(baseline);
      expect(expected.outcome).toBe('promoted');
      const restarted = await release(f, async () => {
        await server.kill();
        await server.restart();
      });
      expect(restarted).toEqual(expected);
    });
  } finally {
    await nativeConnection.close();
    await connection.close();
    await server.kill();
  }
});
