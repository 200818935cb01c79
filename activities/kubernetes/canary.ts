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
import { type KubeContext, deadlineMs, route, waitOptions } from './context';
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

export function canaryDeployment(
  contextOf: (target: KubernetesTarget) => KubeContext,
): Workload<KubernetesTarget, CanaryData, CanaryRouter> {
  const routerOf = (target: KubernetesTarget, data: CanaryData): CanaryRouter =>
    data.traffic === 'gatewayRoute' ? routeRouter(contextOf(target).cluster, target, data) : replicaRatioRouter(contextOf(target), data);

  /** All traffic to the stable version (its template restored if promotion had begun), then the canary removed. */
  async function rollBack({ target, data, router }: Pick<CanaryRelease, 'target' | 'data' | 'router'>): Promise<void> {
    const context = contextOf(target);
    const { cluster } = context;
    const stable = await read<V1Deployment>(cluster, deploymentRef(data.namespace, data.stableDeployment));
    if (stable) {
      const labels = stable.spec?.template?.metadata?.labels ?? {};
      const promoting = labels[LABEL_RELEASE] === data.release && data.release !== data.stableRelease;
      if (promoting) {
        // Promotion had begun: while the stable Deployment rolls back, the canary (if still there) serves.
        const canary = await read<V1Deployment>(cluster, deploymentRef(data.namespace, data.canaryDeployment));
        if (canary) await router.canaryServesWhileStableRolls();
        await patch(
          cluster,
          deploymentRef(data.namespace, data.stableDeployment),
          {
            metadata: { annotations: scaledAnnotation(stable, data.replicas) },
            spec: {
              replicas: data.replicas,
              template: {
                metadata: { labels: { [LABEL_RELEASE]: data.stableRelease || null, [LABEL_TRACK]: data.stableTrack || null } },
                spec: { containers: [{ name: data.container, image: data.stableImage }] },
              },
            },
          },
          'strategic',
        );
      } else if (replicasOf(stable) !== data.replicas) {
        await scale(cluster, data.namespace, data.stableDeployment, data.replicas);
      }
      if (promoting || replicasOf(stable) !== data.replicas) await waitStableBack(context, data);
    }
    await router.reset();
    await remove(cluster, deploymentRef(data.namespace, data.canaryDeployment));
  }

  return {
    decode: decodeCanaryData,
    router: routerOf,
    recordedUnchanged,
    deploy: (target, { metadata }) => deployCanary(contextOf(target), metadata, routerOf),
    waitReady: async ({ target, data }) =>
      waitRolledOut(
        contextOf(target).cluster,
        data.namespace,
        data.canaryDeployment,
        waitOptions(contextOf(target), `canary ${data.canaryDeployment} ready`, false),
      ),

    async promote({ target, data, router }) {
      const context = contextOf(target);
      const { cluster } = context;
      // The stable route is pinned to the old ReplicaSet: the canary serves everything while the stable one rolls.
      // (Unless an earlier attempt got as far as removing the canary: then the stable one serves already.)
      const canary = await read<V1Deployment>(cluster, deploymentRef(data.namespace, data.canaryDeployment));
      if (canary) await router.canaryServesWhileStableRolls();
      const current = await readDeployment(cluster, data.namespace, data.stableDeployment);
      await patch(
        cluster,
        deploymentRef(data.namespace, data.stableDeployment),
        {
          metadata: { annotations: scaledAnnotation(current, data.replicas) },
          spec: {
            replicas: data.replicas,
            progressDeadlineSeconds: Math.ceil(deadlineMs(target) / 1000),
            template: {
              metadata: { labels: { [LABEL_RELEASE]: data.release, [LABEL_TRACK]: 'stable' } },
              spec: { containers: [{ name: data.container, image: target.image }] },
            },
          },
        },
        'strategic',
      );
      await waitRolledOut(
        cluster,
        data.namespace,
        data.stableDeployment,
        waitOptions(context, `${data.stableDeployment} rolled out to ${target.image}`, true),
      );
      await router.stableServesAgain();
      await remove(cluster, deploymentRef(data.namespace, data.canaryDeployment));
    },

    rollBack,

    async rollBackUnknown(target, metadata) {
      // The canary this release created, found by its name and release label.
      const name = childName(target.deployment, 'canary');
      const stored = candidateDataOf(
        await read<V1Deployment>(contextOf(target).cluster, deploymentRef(target.namespace, name)),
        releaseLabel(metadata.release),
      );
      if (!stored) return;
      const data = decodeCanaryData(stored);
      await rollBack({ target, data, router: routerOf(target, data) });
    },

    // Promotion removed the canary already; this makes sure.
    retirePrevious: async ({ target, data }) => {
      await remove(contextOf(target).cluster, deploymentRef(data.namespace, data.canaryDeployment));
    },
  };
}

async function deployCanary(
  context: KubeContext,
  metadata: Metadata,
  routerOf: (target: KubernetesTarget, data: CanaryData) => CanaryRouter,
) {
  const { cluster, target } = context;
  const stable = await readDeployment(cluster, target.namespace, target.deployment);
  const stableImage = containerOf(stable, target.container).image ?? '';
  const release = releaseLabel(metadata.release);
  const stableLabels = stable.spec?.template?.metadata?.labels ?? {};
  const gatewayRoute = route(target);
  const traffic = gatewayRoute ? 'gatewayRoute' : 'replicaRatio';
  if (stableLabels[LABEL_RELEASE] === release && stableImage === target.image) {
    // This release is the stable one already (promoted by an earlier run): nothing to do.
    return {
      stableVersion: stableImage,
      candidateVersion: target.image,
      unchanged: true,
      data: { mode: 'canary', traffic, unchanged: 'true', namespace: target.namespace, stableDeployment: target.deployment },
    };
  }
  const canaryName = childName(target.deployment, 'canary');
  const existing = await read<V1Deployment>(cluster, deploymentRef(target.namespace, canaryName));
  if (existing) {
    const mine = candidateDataOf(existing, release);
    if (!mine) {
      throw ApplicationFailure.nonRetryable(
        `canary Deployment ${target.namespace}/${canaryName} belongs to ` +
          `release ${existing.metadata?.labels?.[LABEL_RELEASE] ?? '(unknown)'}; roll it back or finish it first`,
        'Conflict',
      );
    }
    return { stableVersion: mine.stableImage, candidateVersion: target.image, data: mine }; // an earlier attempt created it
  }
  const state = rolloutState(stable);
  if (!state.done)
    throw ApplicationFailure.retryable(
      `stable Deployment ${target.namespace}/${target.deployment} is still rolling out (${state.summary})`,
      'RollingOut',
    );

  const replicas = target.replicas ?? replicasOf(stable);
  const labels = { [LABEL_RELEASE]: release, [LABEL_TRACK]: 'canary' };
  const data: CanaryData = {
    mode: 'canary',
    traffic,
    namespace: target.namespace,
    stableDeployment: target.deployment,
    canaryDeployment: canaryName,
    container: target.container,
    release,
    stableRelease: stableLabels[LABEL_RELEASE] ?? '',
    stableTrack: stableLabels[LABEL_TRACK] ?? '',
    stableImage,
    replicas,
    stableSelector: {},
    canarySelector: {},
  };
  if (gatewayRoute) {
    const stableService = await readService(cluster, target.namespace, gatewayRoute.stableService);
    await readService(cluster, target.namespace, gatewayRoute.canaryService);
    const base = baseSelector(stableService);
    assertSelects(base, stable, gatewayRoute.stableService);
    data.stableSelector = { ...base, [POD_TEMPLATE_HASH]: await currentTemplateHash(cluster, stable) };
    data.canarySelector = { ...base, ...labels };
    const router = routerOf(target, data);
    await router.pinStable();
    await setSelector(cluster, target.namespace, gatewayRoute.canaryService, data.canarySelector);
    await router.setWeight(0);
  } else if (target.traffic && 'replicaRatio' in target.traffic && target.traffic.replicaRatio.service) {
    // The shared Service must reach the canary Pods too (not pinned to one ReplicaSet or release).
    const name = target.traffic.replicaRatio.service;
    const selector = (await readService(cluster, target.namespace, name)).spec!.selector!;
    if (!selects(selector, { ...stableLabels, ...labels })) {
      throw ApplicationFailure.nonRetryable(
        `Service ${target.namespace}/${name} selects ${JSON.stringify(selector)}, which the canary Pods would not match`,
        'InvalidPlan',
      );
    }
  }
  const stored = encodeCanaryData(data);
  await applyReleaseDeployment(cluster, stable, {
    name: canaryName,
    image: target.image,
    container: target.container,
    // With a route the canary is sized for all traffic from the start; by replica ratio it has no Pod (no traffic) yet.
    replicas: gatewayRoute ? replicas : 0,
    labels,
    progressDeadlineSeconds: Math.ceil(deadlineMs(target) / 1000),
    metadata,
    candidate: stored,
  });
  return { stableVersion: stableImage, candidateVersion: target.image, data: stored };
}

/** Waits for the restored stable Pods; if the stable Deployment itself cannot progress, rolling back goes on anyway. */
async function waitStableBack(context: KubeContext, data: CanaryData): Promise<void> {
  try {
    await waitRolledOut(
      context.cluster,
      data.namespace,
      data.stableDeployment,
      waitOptions(context, `${data.stableDeployment} restored`, true),
    );
  } catch (err) {
    if (!(err instanceof ApplicationFailure && err.type === 'NotReady')) throw err;
  }
}
