/**
 * One version of a system across Lambda, ECS and Kubernetes, on the real Temporal dev server, moto with the ECS
 * simulator and the real Kubernetes control plane: staging [edge (Lambda), api (ECS rolling)] → prod [api-a (ECS
 * service pair, cluster A)] [api-b (cluster B), worker (Kubernetes, after the API)], the worker's migration Job
 * before any prod traffic. It promotes end to end, and `where` and every platform agree on what is live.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startRelease } from '../../starters/release';
import { where } from '../../starters/where';
import { type EcsSim, startEcsSim } from '../support/ecs-sim';
import { CLUSTER_START_TIMEOUT, type KubeCluster, dropNamespace, eventually, kubeCluster } from '../support/kube';
import { createPlatformRelease, platformRelease, platformsFor } from '../support/platform-release';
import { EXPECTED_CALLS, childCalls, expectLiveEverywhere } from '../support/platform-release-checks';
import { at, releaseTimeline } from '../support/release-history';
import { type Harness, startHarness } from '../support/temporal';

const lambdaEndpoint = inject('motoEndpoint');
let sim: EcsSim;
let cluster: KubeCluster;
let harness: Harness;
const namespaces: string[] = [];

beforeAll(async () => {
  [sim, cluster] = await Promise.all([startEcsSim(), kubeCluster()]);
  harness = await startHarness(platformsFor(lambdaEndpoint, sim.endpoint, cluster));
}, CLUSTER_START_TIMEOUT);
afterAll(async () => {
  await harness?.close();
  await Promise.all(namespaces.map((n) => dropNamespace(cluster.k, n)));
  await sim?.stop();
});

describe('release across Lambda, ECS and Kubernetes', () => {
  it('staging (Lambda, ECS rolling) → prod (ECS pair in two clusters as waves, Kubernetes worker after the API, migration) promotes', {
    timeout: 240_000,
  }, async () => {
    const f = await createPlatformRelease(lambdaEndpoint, sim.endpoint, cluster);
    namespaces.push(f.namespace);
    const { staging, prodA, prodB } = f.ecs;
    const id = (component: string, environment: string) => `deploy:${f.system}-${component}/${environment}`;
    const started = Date.now();
    const result = await harness.run(async () => {
      const run = await startRelease(harness.client, platformRelease(f), harness.taskQueue);
      if (run.kind === 'conflict') throw new Error('unexpected conflict');
      const done = await run.handle.result();

      // The order the release file asks for, as the release's history records it.
      const timeline = await releaseTimeline(run.handle);
      const staged = Math.max(at(timeline, `confirm ${id('edge', 'staging')}`), at(timeline, `confirm ${id('api', 'staging')}`));
      const migrated = at(timeline, 'activity runMigration');
      expect(timeline.filter((l) => l.startsWith('activity'))).toEqual(['activity runMigration']); // once, in prod only
      expect(staged).toBeLessThan(migrated);
      expect(migrated).toBeLessThan(at(timeline, `start ${id('api', 'prod-a')}`));
      expect(at(timeline, `held ${id('api', 'prod-a')}`)).toBeLessThan(at(timeline, `start ${id('api', 'prod-b')}`)); // wave 2 after wave 1
      expect(at(timeline, `held ${id('api', 'prod-b')}`)).toBeLessThan(at(timeline, `start ${id('worker', 'prod')}`)); // after: [api]
      const prodConfirms = timeline.filter((l) => l.startsWith('confirm') && !l.endsWith('/staging'));
      expect(prodConfirms).toHaveLength(3);
      expect(at(timeline, prodConfirms[0])).toBeGreaterThan(at(timeline, `held ${id('worker', 'prod')}`)); // the stage confirmed as one
      expect(timeline.filter((l) => l.startsWith('start'))).toHaveLength(5); // each target started once
      return done;
    });
    console.log(`end-to-end release across Lambda, ECS and Kubernetes: ${((Date.now() - started) / 1000).toFixed(1)}s`);

    expect(result.status.stages.map((s) => [s.name, s.state, s.migration])).toEqual([
      ['staging', 'promoted', undefined],
      ['prod', 'promoted', 'applied'],
    ]);
    expect(result.status.stages.flatMap((s) => s.targets.map((t) => [t.workflowId, t.state]))).toEqual([
      [id('edge', 'staging'), 'promoted'],
      [id('api', 'staging'), 'promoted'],
      [id('api', 'prod-a'), 'promoted'],
      [id('api', 'prod-b'), 'promoted'],
      [id('worker', 'prod'), 'promoted'],
    ]);

    await expectLiveEverywhere(f, cluster);
    expect(await childCalls(harness.client, result.status)).toEqual(EXPECTED_CALLS);

    // where: every target, live at the release, from visibility (which may lag the close by a moment).
    const rows = await eventually(
      () => where(harness.client, f.system),
      (r) => r.filter((row) => row.live).length === 5,
      'where lists five live targets',
    );
    expect(rows.map((r) => [`${r.service}/${r.environment}`, r.target, r.live?.version, r.live?.releaseId, r.live?.by, r.moving])).toEqual([
      [`${f.system}-api/prod-a`, `ecs ${prodA.cluster}/${prodA.service}`, 'v2', `${f.system}@v2`, 'ci', undefined],
      [`${f.system}-api/prod-b`, `ecs ${prodB.cluster}/${prodB.service}`, 'v2', `${f.system}@v2`, 'ci', undefined],
      [`${f.system}-api/staging`, `ecs ${staging.cluster}/${staging.service} (rolling)`, 'v2', `${f.system}@v2`, 'ci', undefined],
      [`${f.system}-edge/staging`, `lambda ${f.edge}:live`, 'v2', `${f.system}@v2`, 'ci', undefined],
      [
        `${f.system}-worker/prod`,
        `kubernetes ${f.namespace}/web (HTTPRoute ${f.namespace}/web weights)`,
        'v2',
        `${f.system}@v2`,
        'ci',
        undefined,
      ],
    ]);
  });
});
