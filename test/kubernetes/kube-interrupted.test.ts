/**
 * Kubernetes rollouts interrupted after the switch or from outside, end to end (the deployment workflow on the
 * real Temporal dev server, the real control plane of test/support/kube.ts): an abort during blue-green's
 * scale-down delay, an analysis that fails after the switch, and a Temporal cancel (what the Web UI's Cancel
 * sends). Each ends rolled back, and the cluster says so: the Services' selectors and the Pods behind them
 * (EndpointSlices) on the previous Deployment, which is kept, the new Deployment removed, the route's weights back.
 */
import { expect, it } from 'vitest';
import { createAnalyzer } from '../../activities/analysis';
import { getStatus } from '../../starters/actions';
import { abortSignal } from '../../workflows/messages';
import { startHttpCheck } from '../support/http-check';
import { blueGreenCheckedAfterSwitch } from '../support/plans';
import {
  createApp,
  deployment,
  deploymentNames,
  imageOf,
  kubePlatformOn,
  routeBackends,
  selectorOf,
  useKubeCluster,
  waitForBackends,
} from '../support/kube';
import { blueGreenServices as blueGreen, gatewayTraffic as gateway, kubePlan } from '../support/kube-plans';
import { expectClosedCancelled, inPhase, rolledBack, startPlan, useHarness, waitForStatus } from '../support/temporal';

const cluster = useKubeCluster();
const harness = useHarness(() => ({
  platforms: { kubernetes: kubePlatformOn(cluster) },
  analyze: createAnalyzer({ heartbeatEveryMs: 1_000 }),
}));

/** A plan for the app in `ns`, with a progress deadline a failing test does not wait long for. */
const plan = (ns: string, strategy: unknown, target: Record<string, unknown>) =>
  kubePlan(ns, strategy, { target: { progressDeadline: '30s', ...target } });
const start = (p: ReturnType<typeof plan>) => startPlan(harness.client, p, harness.taskQueue);
const servedBy = (ns: string, service: string, want: Record<string, number>) => waitForBackends(cluster.k, ns, service, want);

/** Blue-green rolled back: both Services select the previous Deployment's Pods again, the new Deployment is gone. */
async function expectBlueGreenBack(ns: string): Promise<void> {
  const active = await selectorOf(cluster.k, ns, 'web-active');
  expect(active).toEqual({ app: 'web', 'pod-template-hash': expect.any(String) }); // pinned to the previous ReplicaSet
  expect(await deploymentNames(cluster.k, ns)).toEqual(['web']);
  expect(await deployment(cluster.k, ns, 'web')).toMatchObject({ replicas: 2, ready: 2, image: imageOf('v1') });
  await servedBy(ns, 'web-active', { [imageOf('v1')]: 2 });
  await servedBy(ns, 'web-preview', { [imageOf('v1')]: 2 });
}

it('blue-green: an abort during the scale-down delay switches the active Service back, removes the new Deployment', async () => {
  const ns = await cluster.namespace('bg-delay');
  await createApp(cluster.k, ns, { replicas: 2, services: ['web-active', 'web-preview'] });
  await harness.run(async () => {
    const handle = await start(plan(ns, { type: 'blueGreen', prePromotion: [], scaleDownDelay: '1h' }, blueGreen));
    await waitForStatus(handle, inPhase('KeepingPrevious'));
    await servedBy(ns, 'web-active', { [imageOf('v2')]: 2 });
    expect(await deploymentNames(cluster.k, ns)).toEqual(['web', 'web-v2']);
    expect(await selectorOf(cluster.k, ns, 'web-active')).toMatchObject({ 'glidepath/release': 'v2' });

    await handle.signal(abortSignal, { by: 'oncall', reason: 'errors after the switch' });
    const { status } = await rolledBack(handle);
    expect(status).toMatchObject({ phase: 'RolledBack', weight: 0, outcome: { result: 'rolled-back' } });
    await expectBlueGreenBack(ns);
  });
});

it('blue-green: an HTTP analysis failing after the switch rolls back to the previous Deployment', async () => {
  const ns = await cluster.namespace('bg-check');
  await createApp(cluster.k, ns, { replicas: 2, services: ['web-active', 'web-preview'] });
  const check = await startHttpCheck(503, () => selectorOf(cluster.k, ns, 'web-active'));
  try {
    await harness.run(async () => {
      const handle = await start(plan(ns, blueGreenCheckedAfterSwitch(check.url), blueGreen));
      const { message, status } = await rolledBack(handle);
      expect(message).toContain('smoke');
      expect(status).toMatchObject({ phase: 'RolledBack', weight: 0 });
      expect(status.measurements.at(-1)).toMatchObject({ metric: 'health', outcome: 'failed', value: 503 });
    });
    expect(check.seen[0]).toMatchObject({ 'glidepath/release': 'v2' }); // the check ran after the switch
    await expectBlueGreenBack(ns);
  } finally {
    await check.close();
  }
});

it('a Temporal cancel mid-canary rolls back: route all on the stable Service, canary removed; the run ends Canceled, says so', async () => {
  const ns = await cluster.namespace('cancel');
  await createApp(cluster.k, ns, { replicas: 2, services: ['web-stable', 'web-canary'], route: true });
  await harness.run(async () => {
    const handle = await start(
      plan(ns, { type: 'canary', steps: [{ setWeight: 30 }, { pause: { duration: '1h' } }, { setWeight: 100 }] }, gateway),
    );
    await waitForStatus(handle, inPhase('Soaking'));
    expect(await routeBackends(cluster.k, ns)).toEqual({ 'web-stable': 70, 'web-canary': 30 });

    await handle.cancel();
    await expectClosedCancelled(handle);
    const status = await getStatus(harness.client, handle.workflowId);
    expect(status).toMatchObject({ phase: 'RolledBack', weight: 0, outcome: { result: 'cancelled' } });
    expect(await routeBackends(cluster.k, ns)).toEqual({ 'web-stable': 100, 'web-canary': 0 });
    expect(await deploymentNames(cluster.k, ns)).toEqual(['web']);
    expect(await deployment(cluster.k, ns, 'web')).toMatchObject({ replicas: 2, image: imageOf('v1') });
    await servedBy(ns, 'web-stable', { [imageOf('v1')]: 2 });
  });
});
