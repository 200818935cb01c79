/**
 * An abort during a Kubernetes canary's promote, the longest call of a canary (it rolls the stable Deployment to
 * the release while the canary serves), on the real Temporal dev server and the real control plane of
 * test/support/kube.ts: the promote call is held open (test/support/held-platform.ts) before it starts and after
 * the stable Deployment rolled. Past the point of no return, the abort is answered "too late" and the run ends
 * promoted; the cluster says so: the stable Deployment runs the release, the route sends it everything, the canary
 * is gone.
 */
import { describe, expect, it } from 'vitest';
import { ActionRefused } from '../../starters/actions';
import type { Moment } from '../support/held-platform';
import { useHeldRuns } from '../support/held-runs';
import {
  createApp,
  deployment,
  deploymentNames,
  imageOf,
  kubePlatformOn,
  routeBackends,
  useKubeCluster,
  waitForBackends,
} from '../support/kube';
import { gatewayTraffic as gateway, kubePlan } from '../support/kube-plans';
import { canary } from '../support/plans';

const cluster = useKubeCluster();
const held = useHeldRuns();

describe('Kubernetes canary: an abort during promote is too late, and the run ends promoted', () => {
  // The moment, and what the cluster shows while the call is held there.
  const moments: Array<[string, Moment, { route: Record<string, number>; stableImage: string; deployments: string[] }]> = [
    [
      'before the stable Deployment rolls',
      { call: 'promoteCandidate', when: 'before' },
      { route: { 'web-stable': 50, 'web-canary': 50 }, stableImage: imageOf('v1'), deployments: ['web', 'web-canary'] },
    ],
    [
      'after the stable Deployment rolled',
      { call: 'promoteCandidate', when: 'after' },
      { route: { 'web-stable': 100, 'web-canary': 0 }, stableImage: imageOf('v2'), deployments: ['web'] },
    ],
  ];
  for (const [label, moment, whileHeld] of moments) {
    it(label, async () => {
      const ns = await cluster.namespace('promote');
      await createApp(cluster.k, ns, { replicas: 3, services: ['web-stable', 'web-canary'], route: true });
      const plan = kubePlan(ns, canary({ setWeight: 50 }), { target: { progressDeadline: '30s', ...gateway } });
      const run = await held.run({ kubernetes: kubePlatformOn(cluster) }, plan, moment, async (handle) => {
        expect(await routeBackends(cluster.k, ns)).toEqual(whileHeld.route);
        expect(await deployment(cluster.k, ns, 'web')).toMatchObject({ image: whileHeld.stableImage });
        expect(await deploymentNames(cluster.k, ns)).toEqual(whileHeld.deployments);
        await expect(held.abort(handle)).rejects.toThrow(ActionRefused);
        await expect(held.abort(handle)).rejects.toThrow(/too late: .* past its point of no return/);
      });
      const status = run.promoted!;
      expect(status).toMatchObject({ phase: 'Promoted', weight: 100, outcome: { result: 'promoted' } });
      expect(status.actions.filter((a) => a.action === 'abort').map((a) => a.note)).toEqual([
        expect.stringContaining('too late'),
        expect.stringContaining('too late'),
      ]);
      expect(run.calls).not.toContain('rollBack');
      // The stable Deployment runs the release and serves the whole route; the canary is gone.
      expect(await deployment(cluster.k, ns, 'web')).toMatchObject({ replicas: 3, ready: 3, image: imageOf('v2'), release: 'v2' });
      expect(await deploymentNames(cluster.k, ns)).toEqual(['web']);
      expect(await routeBackends(cluster.k, ns)).toEqual({ 'web-stable': 100, 'web-canary': 0 });
      await waitForBackends(cluster.k, ns, 'web-stable', { [imageOf('v2')]: 3 });
    });
  }
});
