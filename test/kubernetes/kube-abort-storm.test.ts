/**
 * An abort storm on Kubernetes (test/support/storm.ts), on the real Temporal dev server and the real control plane
 * of test/support/kube.ts: 8 canaries by Gateway API weights and blue-greens by Service switch at once, each met by
 * an action at a drawn moment. Every run ends promoted or rolled back, and the cluster says the same as the status:
 * which Deployments exist, what the stable one runs, where the route and the active Service send traffic.
 */
import { describe, it } from 'vitest';
import {
  createApp,
  deployment,
  deploymentNames,
  imageOf,
  kubePlatformOn,
  routeBackends,
  selectorOf,
  useKubeCluster,
} from '../support/kube';
import { blueGreenServices, gatewayTraffic, kubePlan } from '../support/kube-plans';
import { canary } from '../support/plans';
import { STORM_RUNS, STORM_SEED, type StormPlatform, expectAgreement, seeded, storm } from '../support/storm';
import { useHarness } from '../support/temporal';

const cluster = useKubeCluster();
const CANARY = canary({ setWeight: 10 }, { pause: { duration: '1s' } }, { setWeight: 50 }, { pause: { duration: '1s' } });
const BLUE_GREEN = { type: 'blueGreen', prePromotion: [{ pause: { duration: '1s' } }], scaleDownDelay: '1s' };
const RUNS = Math.ceil(STORM_RUNS / 3);

interface ClusterState {
  deployments: string[];
  /** The image the Deployment `web` runs, if it is still there. */
  webImage?: string;
  route: Record<string, number>;
  /** The release the active Service is switched to, if any (blue-green). */
  activeRelease?: string;
}

const kubeStorm: StormPlatform<ClusterState> = {
  strategies: ['canary', 'blueGreen'],
  // A run: the canary Deployment (or the new one) ready, 10%, a 1 s soak, 50%, a 1 s soak, promote (the stable
  // Deployment rolled to the release), the canary removed.
  latestMomentMs: 5_000,
  surelyRunningMs: 1_000,
  async createService() {
    const ns = await cluster.namespace('storm');
    // Services for both strategies: a route over web-stable/web-canary, and web-active/web-preview for a switch.
    await createApp(cluster.k, ns, { replicas: 2, services: ['web-stable', 'web-canary', 'web-active', 'web-preview'], route: true });
    return {
      plan: (strategy, release = 'v2') =>
        kubePlan(ns, strategy === 'canary' ? CANARY : BLUE_GREEN, {
          release,
          target: { progressDeadline: '60s', ...(strategy === 'canary' ? gatewayTraffic : blueGreenServices) },
        }),
      state: async () => ({
        deployments: await deploymentNames(cluster.k, ns),
        webImage: (await deployment(cluster.k, ns, 'web'))?.image,
        route: await routeBackends(cluster.k, ns),
        activeRelease: (await selectorOf(cluster.k, ns, 'web-active'))['glidepath/release'],
      }),
    };
  },
  // Promoted: a canary's stable Deployment runs the release and the route sends it everything, the canary gone; a
  // blue-green's new Deployment is the only one, and the active Service selects it.
  isPromoted: (s, _status, strategy) =>
    strategy === 'canary'
      ? s.deployments.join() === 'web' && s.webImage === imageOf('v2') && s.route['web-stable'] === 100 && s.route['web-canary'] === 0
      : s.deployments.join() === 'web-v2' && s.activeRelease === 'v2',
  // Rolled back: only the Deployment `web`, on the previous image; a canary's route wholly on the stable Service
  // (a blue-green's route is never touched), the active Service switched to no release.
  isRolledBack: (s, strategy) =>
    s.deployments.join() === 'web' &&
    s.webImage === imageOf('v1') &&
    s.activeRelease === undefined &&
    (strategy === 'blueGreen' || (s.route['web-stable'] === 100 && s.route['web-canary'] === 0)),
};

const h = useHarness(() => ({ platforms: { kubernetes: kubePlatformOn(cluster) } }));

describe(`an abort storm on Kubernetes, seed ${STORM_SEED}`, () => {
  it(`${RUNS} rollouts: every run ends promoted or rolled back, and the cluster agrees`, { timeout: 300_000 }, async () => {
    expectAgreement(await h.run(() => storm(kubeStorm, h, seeded(STORM_SEED), RUNS)));
  });
});
