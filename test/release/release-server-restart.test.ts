import { expect, inject, it } from 'vitest';
import type { Release } from '../../plan/release-schema';
import { startRelease } from '../../starters/release';
import { releaseOutcome } from '../support/release-outcome';
import { type ReleaseFixture, createReleaseFixture, lambdaRelease } from '../support/releases';
import { inPhase, startHarness, waitForStatus } from '../support/temporal';
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
  const harness = await startHarness({ platforms: { lambda: lambdaPlatformAt(endpoint) } }, server.address);
  const { client } = harness;
  const release = async (f: ReleaseFixture, midway?: () => Promise<void>) => {
    const run = await startRelease(client, soakingRelease(f), harness.taskQueue);
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
    await harness.run(async () => {
      const expected = await release(baseline);
      expect(expected.outcome).toBe('promoted');
      const restarted = await release(f, async () => {
        await server.kill();
        await server.restart();
      });
      expect(restarted).toEqual(expected);
    });
  } finally {
    await harness.close();
    await server.kill();
  }
});
