/**
 * The Temporal server SIGKILLed while a cross-platform release (test/support/platform-release.ts) runs prod's
 * migration Job, and restarted on the same port and database file: the worker reconnects, the release goes on
 * from its history, and it ends as the release without the restart does (test/release/platform-release.test.ts):
 * every target promoted and live on its platform, the migration run once (one Job, one Pod), and every platform
 * call scheduled once. Simulated by KWOK: the "-slow" image keeps the Job's Pod running for 12s.
 */
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { startRelease } from '../../starters/release';
import { releaseStatusQuery } from '../../workflows/release-messages';
import { type EcsSim, startEcsSim } from '../support/ecs-sim';
import { CLUSTER_START_TIMEOUT, type KubeCluster, dropNamespace, eventually, jobs, kubeCluster } from '../support/kube';
import { type PlatformReleaseFixture, createPlatformRelease, platformRelease, platformsFor } from '../support/platform-release';
import { EXPECTED_CALLS, childCalls, expectLiveEverywhere } from '../support/platform-release-checks';
import { releaseTimeline } from '../support/release-history';
import { startHarness } from '../support/temporal';
import { startDevServer } from '../support/temporal-server';

const SLOW_MIGRATION = 'registry.test/migrate:v2-slow';
let sim: EcsSim;
let cluster: KubeCluster;
let f: PlatformReleaseFixture | undefined;

beforeAll(async () => {
  [sim, cluster] = await Promise.all([startEcsSim(), kubeCluster()]);
}, CLUSTER_START_TIMEOUT);
afterAll(async () => {
  if (f) await dropNamespace(cluster.k, f.namespace);
  await sim?.stop();
});

it('the Temporal server restarted during prod migration of a release across Lambda, ECS and Kubernetes: it ends as without the restart', {
  timeout: 180_000,
}, async () => {
  const server = await startDevServer();
  const harness = await startHarness(platformsFor(inject('motoEndpoint'), sim.endpoint, cluster), server.address);
  const { client } = harness;
  try {
    const fixture = await createPlatformRelease(inject('motoEndpoint'), sim.endpoint, cluster);
    f = fixture;
    const release = platformRelease(fixture, (d) => (d.components.worker.migration.run.image = SLOW_MIGRATION));
    const { status, timeline } = await harness.run(async () => {
      const run = await startRelease(client, release, harness.taskQueue);
      if (run.kind === 'conflict') throw new Error('unexpected conflict');
      await eventually(
        () => jobs(cluster.k, fixture.namespace),
        (j) => j.length === 1 && !j[0].status?.succeeded,
        'migration Job running',
      );
      expect((await run.handle.query(releaseStatusQuery)).stages[1]).toMatchObject({ state: 'migrating', migration: 'running' });
      await server.kill();
      await server.restart();
      const result = await run.handle.result();
      return { status: result.status, timeline: await releaseTimeline(run.handle) };
    });
    expect(status.stages.map((s) => [s.name, s.state, s.migration])).toEqual([
      ['staging', 'promoted', undefined],
      ['prod', 'promoted', 'applied'],
    ]);
    expect(timeline.filter((l) => l.startsWith('activity'))).toEqual(['activity runMigration']);
    expect(timeline.filter((l) => l.startsWith('start'))).toHaveLength(5);
    expect(await childCalls(client, status)).toEqual(EXPECTED_CALLS);
    await expectLiveEverywhere(fixture, cluster, SLOW_MIGRATION);
  } finally {
    await harness.close();
    await server.kill();
  }
});
