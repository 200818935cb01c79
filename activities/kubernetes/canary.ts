/**
 * Canary: the release runs as `<deployment>-canary` beside the stable Deployment. Traffic moves by an HTTPRoute's
 * weights (route-router.ts) or, without a route, by replica ratio (replica-ratio-router.ts). Promotion rolls the
 * stable Deployment to the new image while the canary serves, then the stable one serves again and the canary
 * is removed.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { V1Deployment } from '@kubernetes/client-node';
import type { Metadata } from '../../plan/schema';
import type { KubernetesTarget } from '../../plan/targets';
import type { Release, Workload } from '../workload';
import type { CanaryRouter } from './canary-router';
import { type CanaryData, decodeCanaryData, encodeCanaryData, recordedUnchanged } from './candidate';
import { type Ctx, deadlineMs, route, waitOptions } from './context';
import { applyReleaseDeployment, candidateDataOf, containerOf, readDeployment, replicasOf, scale } from './deployments';
import {
  LABEL_RELEASE,
  LABEL_TRACK,
  POD_TEMPLATE_HASH,
  childName,
  deploymentRef,
  patch,
  read,
  releaseLabel,
  remove,
  selects,
} from './objects';
import { rolloutState, scaledAnnotation, waitRolledOut } from './readiness';
import { replicaRatioRouter } from './replica-ratio-router';
import { routeRouter } from './route-router';
import { assertSelects, baseSelector, currentTemplateHash, readService, setSelector } from './services';

type CanaryRelease = Release<KubernetesTarget, CanaryData, CanaryRouter>;

export function canaryDeployment(ctx: (t: KubernetesTarget) => Ctx): Workload<KubernetesTarget, CanaryData, CanaryRouter> {
  const routerOf = (t: KubernetesTarget, d: CanaryData): CanaryRouter =>
    d.traffic === 'gatewayRoute' ? routeRouter(ctx(t).k, t, d) : replicaRatioRouter(ctx(t), d);

  /** All traffic to the stable version (its template restored if promotion had begun), then the canary removed. */
  async function rollBack({ target: t, data: d, router }: Pick<CanaryRelease, 'target' | 'data' | 'router'>): Promise<void> {
    const c = ctx(t);
    const { k } = c;
    const stable = await read<V1Deployment>(k, deploymentRef(d.namespace, d.stableDeployment));
    if (stable) {
      const labels = stable.spec?.template?.metadata?.labels ?? {};
      const promoting = labels[LABEL_RELEASE] === d.release && d.release !== d.stableRelease;
      if (promoting) {
        // Promotion had begun: while the stable Deployment rolls back, the canary (if still there) serves.
        const canary = await read<V1Deployment>(k, deploymentRef(d.namespace, d.canaryDeployment));
        if (canary) await router.canaryServesWhileStableRolls();
        await patch(
          k,
          deploymentRef(d.namespace, d.stableDeployment),
          {
            metadata: { annotations: scaledAnnotation(stable, d.replicas) },
            spec: {
              replicas: d.replicas,
              template: {
                metadata: { labels: { [LABEL_RELEASE]: d.stableRelease || null, [LABEL_TRACK]: d.stableTrack || null } },
                spec: { containers: [{ name: d.container, image: d.stableImage }] },
              },
            },
          },
          'strategic',
        );
      } else if (replicasOf(stable) !== d.replicas) {
        await scale(k, d.namespace, d.stableDeployment, d.replicas);
      }
      if (promoting || replicasOf(stable) !== d.replicas) await waitStableBack(c, d);
    }
    await router.reset();
    await remove(k, deploymentRef(d.namespace, d.canaryDeployment));
  }

  return {
    decode: decodeCanaryData,
    router: routerOf,
    recordedUnchanged,
    deploy: (t, { metadata }) => deployCanary(ctx(t), metadata, routerOf),
    waitReady: async ({ target: t, data: d }) =>
      waitRolledOut(ctx(t).k, d.namespace, d.canaryDeployment, waitOptions(ctx(t), `canary ${d.canaryDeployment} ready`, false)),

    async promote({ target: t, data: d, router }) {
      const c = ctx(t);
      const { k } = c;
      // The stable route is pinned to the old ReplicaSet: the canary serves everything while the stable one rolls.
      // (Unless an earlier attempt got as far as removing the canary: then the stable one serves already.)
      const canary = await read<V1Deployment>(k, deploymentRef(d.namespace, d.canaryDeployment));
      if (canary) await router.canaryServesWhileStableRolls();
      const current = await readDeployment(k, d.namespace, d.stableDeployment);
      await patch(
        k,
        deploymentRef(d.namespace, d.stableDeployment),
        {
          metadata: { annotations: scaledAnnotation(current, d.replicas) },
          spec: {
            replicas: d.replicas,
            progressDeadlineSeconds: Math.ceil(deadlineMs(t) / 1000),
            template: {
              metadata: { labels: { [LABEL_RELEASE]: d.release, [LABEL_TRACK]: 'stable' } },
              spec: { containers: [{ name: d.container, image: t.image }] },
            },
          },
        },
        'strategic',
      );
      await waitRolledOut(k, d.namespace, d.stableDeployment, waitOptions(c, `${d.stableDeployment} rolled out to ${t.image}`, true));
      await router.stableServesAgain();
      await remove(k, deploymentRef(d.namespace, d.canaryDeployment));
    },

    rollBack,

    async rollBackUnknown(t, metadata) {
      // The canary this release created, found by its name and release label.
      const name = childName(t.deployment, 'canary');
      const stored = candidateDataOf(await read<V1Deployment>(ctx(t).k, deploymentRef(t.namespace, name)), releaseLabel(metadata.release));
      if (!stored) return;
      const data = decodeCanaryData(stored);
      await rollBack({ target: t, data, router: routerOf(t, data) });
    },

    // Promotion removed the canary already; this makes sure.
    retirePrevious: async ({ target: t, data: d }) => {
      await remove(ctx(t).k, deploymentRef(d.namespace, d.canaryDeployment));
    },
  };
}

async function deployCanary(c: Ctx, metadata: Metadata, routerOf: (t: KubernetesTarget, d: CanaryData) => CanaryRouter) {
  const { k, t } = c;
  const stable = await readDeployment(k, t.namespace, t.deployment);
  const stableImage = containerOf(stable, t.container).image ?? '';
  const release = releaseLabel(metadata.release);
  const stableLabels = stable.spec?.template?.metadata?.labels ?? {};
  const r = route(t);
  const traffic = r ? 'gatewayRoute' : 'replicaRatio';
  if (stableLabels[LABEL_RELEASE] === release && stableImage === t.image) {
    // This release is the stable one already (promoted by an earlier run): nothing to do.
    return {
      stableVersion: stableImage,
      candidateVersion: t.image,
      unchanged: true,
      data: { mode: 'canary', traffic, unchanged: 'true', namespace: t.namespace, stableDeployment: t.deployment },
    };
  }
  const canaryName = childName(t.deployment, 'canary');
  const existing = await read<V1Deployment>(k, deploymentRef(t.namespace, canaryName));
  if (existing) {
    const mine = candidateDataOf(existing, release);
    if (!mine) {
      throw ApplicationFailure.nonRetryable(
        `canary Deployment ${t.namespace}/${canaryName} belongs to release ${existing.metadata?.labels?.[LABEL_RELEASE] ?? '(unknown)'}; roll it back or finish it first`,
        'Conflict',
      );
    }
    return { stableVersion: mine.stableImage, candidateVersion: t.image, data: mine }; // an earlier attempt created it
  }
  const state = rolloutState(stable);
  if (!state.done)
    throw ApplicationFailure.retryable(
      `stable Deployment ${t.namespace}/${t.deployment} is still rolling out (${state.summary})`,
      'RollingOut',
    );

  const replicas = t.replicas ?? replicasOf(stable);
  const labels = { [LABEL_RELEASE]: release, [LABEL_TRACK]: 'canary' };
  const data: CanaryData = {
    mode: 'canary',
    traffic,
    namespace: t.namespace,
    stableDeployment: t.deployment,
    canaryDeployment: canaryName,
    container: t.container,
    release,
    stableRelease: stableLabels[LABEL_RELEASE] ?? '',
    stableTrack: stableLabels[LABEL_TRACK] ?? '',
    stableImage,
    replicas,
    stableSelector: {},
    canarySelector: {},
  };
  if (r) {
    const stableService = await readService(k, t.namespace, r.stableService);
    await readService(k, t.namespace, r.canaryService);
    const base = baseSelector(stableService);
    assertSelects(base, stable, r.stableService);
    data.stableSelector = { ...base, [POD_TEMPLATE_HASH]: await currentTemplateHash(k, stable) };
    data.canarySelector = { ...base, ...labels };
    const router = routerOf(t, data);
    await router.pinStable();
    await setSelector(k, t.namespace, r.canaryService, data.canarySelector);
    await router.setWeight(0);
  } else if (t.traffic && 'replicaRatio' in t.traffic && t.traffic.replicaRatio.service) {
    // The shared Service must reach the canary Pods too (not pinned to one ReplicaSet or release).
    const name = t.traffic.replicaRatio.service;
    const selector = (await readService(k, t.namespace, name)).spec!.selector!;
    if (!selects(selector, { ...stableLabels, ...labels })) {
      throw ApplicationFailure.nonRetryable(
        `Service ${t.namespace}/${name} selects ${JSON.stringify(selector)}, which the canary Pods would not match`,
        'InvalidPlan',
      );
    }
  }
  const stored = encodeCanaryData(data);
  await applyReleaseDeployment(k, stable, {
    name: canaryName,
    image: t.image,
    container: t.container,
    // With a route the canary is sized for all traffic from the start; by replica ratio it has no Pod (no traffic) yet.
    replicas: r ? replicas : 0,
    labels,
    progressDeadlineSeconds: Math.ceil(deadlineMs(t) / 1000),
    metadata,
    candidate: stored,
  });
  return { stableVersion: stableImage, candidateVersion: t.image, data: stored };
}

/** Waits for the restored stable Pods; if the stable Deployment itself cannot progress, rolling back goes on anyway. */
async function waitStableBack(c: Ctx, d: CanaryData): Promise<void> {
  try {
    await waitRolledOut(c.k, d.namespace, d.stableDeployment, waitOptions(c, `${d.stableDeployment} restored`, true));
  } catch (err) {
    if (!(err instanceof ApplicationFailure && err.type === 'NotReady')) throw err;
  }
}
