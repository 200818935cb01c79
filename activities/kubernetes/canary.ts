/**
 * Canary: the release runs as `<deployment>-canary` beside the stable Deployment. Traffic moves by the weights of
 * an HTTPRoute's backendRefs (stable Service pinned to the stable ReplicaSet, canary Service selecting the canary
 * Pods), or without a route by replica ratio: the shared Service selects both, and the canary gets ceil(weight% of
 * the replicas) Pods while the stable one gives up as many. Promotion rolls the stable Deployment to the new
 * image (while the route sends everything to the canary), then all traffic back to it and the canary is removed.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { V1Deployment } from '@kubernetes/client-node';
import type { Metadata } from '../../plan/schema';
import type { Candidate } from '../types';
import { type Ctx, deadlineMs, route, routePoint, waitOptions } from './context';
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
import { assertSelects, baseSelector, currentTemplateHash, decodeSelector, encodeSelector, readService, setSelector } from './services';
import { replicaSplit, setRouteWeights } from './traffic';

/** Candidate.data of a canary: fixed at deploy time, everything later calls need. */
export interface CanaryData extends Record<string, string> {
  mode: 'canary';
  /** Which way traffic moves: `gatewayRoute` (HTTPRoute weights) or `replicaRatio`. */
  traffic: 'gatewayRoute' | 'replicaRatio';
  namespace: string;
  stableDeployment: string;
  canaryDeployment: string;
  container: string;
  /** The glidepath/release label of the new version, and of the stable one before it ('' if none). */
  release: string;
  stableRelease: string;
  stableTrack: string;
  stableImage: string;
  /** Pods of the version that takes all traffic. */
  replicas: string;
  /** Gateway API: the stable Service's selector pinned to the stable ReplicaSet, and the canary Service's. */
  stableSelector: string;
  canarySelector: string;
}

export async function deployCanary(c: Ctx, metadata: Metadata): Promise<Candidate> {
  const { k, t } = c;
  const stable = await readDeployment(k, t.namespace, t.deployment);
  const stableImage = containerOf(stable, t.container).image ?? '';
  const release = releaseLabel(metadata.release);
  const stableLabels = stable.spec?.template?.metadata?.labels ?? {};
  const traffic = route(t) ? 'gatewayRoute' : 'replicaRatio';
  if (stableLabels[LABEL_RELEASE] === release && stableImage === t.image) {
    // This release is the stable one already (promoted by an earlier run): nothing to do.
    return {
      stableVersion: stableImage,
      candidateVersion: t.image,
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
    replicas: String(replicas),
    stableSelector: '',
    canarySelector: '',
  };
  const r = route(t);
  if (r) {
    const stableService = await readService(k, t.namespace, r.stableService);
    await readService(k, t.namespace, r.canaryService);
    const base = baseSelector(stableService);
    assertSelects(base, stable, r.stableService);
    const stableSelector = { ...base, [POD_TEMPLATE_HASH]: await currentTemplateHash(k, stable) };
    const canarySelector = { ...base, ...labels };
    Object.assign(data, { stableSelector: encodeSelector(stableSelector), canarySelector: encodeSelector(canarySelector) });
    await setSelector(k, t.namespace, r.stableService, stableSelector);
    await setSelector(k, t.namespace, r.canaryService, canarySelector);
    await setRouteWeights(k, routePoint(t), 0);
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
  await applyReleaseDeployment(k, stable, {
    name: canaryName,
    image: t.image,
    container: t.container,
    // With a route the canary is sized for all traffic from the start; by replica ratio it has no Pod (no traffic) yet.
    replicas: r ? replicas : 0,
    labels,
    progressDeadlineSeconds: Math.ceil(deadlineMs(t) / 1000),
    metadata,
    candidate: data,
  });
  return { stableVersion: stableImage, candidateVersion: t.image, data };
}

export async function waitCanaryReady(c: Ctx, d: CanaryData): Promise<void> {
  if (d.unchanged) return;
  await waitRolledOut(c.k, d.namespace, d.canaryDeployment, waitOptions(c, `canary ${d.canaryDeployment} ready`, false));
}

export async function canaryTraffic(c: Ctx, d: CanaryData, weight: number): Promise<void> {
  if (d.unchanged) return;
  if (d.traffic === 'gatewayRoute') return setRouteWeights(c.k, routePoint(c.t), weight);
  const want = replicaSplit(Number(d.replicas), weight);
  const stable = await readDeployment(c.k, d.namespace, d.stableDeployment);
  // Add Pods before taking any away: the side that grows is ready before the other shrinks.
  const steps: Array<[string, number]> =
    want.stable > replicasOf(stable)
      ? [
          [d.stableDeployment, want.stable],
          [d.canaryDeployment, want.canary],
        ]
      : [
          [d.canaryDeployment, want.canary],
          [d.stableDeployment, want.stable],
        ];
  const [first, second] = steps;
  await scale(c.k, d.namespace, first[0], first[1]);
  await waitRolledOut(c.k, d.namespace, first[0], waitOptions(c, `${first[0]} at ${first[1]} Pods`, true));
  await scale(c.k, d.namespace, second[0], second[1]);
}

export async function promoteCanary(c: Ctx, d: CanaryData): Promise<void> {
  if (d.unchanged) return;
  const { k, t } = c;
  // The stable Service is pinned to the old ReplicaSet: the canary serves everything while the stable one rolls.
  // (Unless an earlier attempt got as far as removing the canary: then the stable one serves already.)
  const canary = await read<V1Deployment>(k, deploymentRef(d.namespace, d.canaryDeployment));
  if (d.traffic === 'gatewayRoute' && canary) await setRouteWeights(k, routePoint(t), 100);
  const current = await readDeployment(k, d.namespace, d.stableDeployment);
  await patch(
    k,
    deploymentRef(d.namespace, d.stableDeployment),
    {
      metadata: { annotations: scaledAnnotation(current, Number(d.replicas)) },
      spec: {
        replicas: Number(d.replicas),
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
  if (d.traffic === 'gatewayRoute') {
    const stable = await readDeployment(k, d.namespace, d.stableDeployment);
    const pinned = { ...decodeSelector(d.stableSelector), [POD_TEMPLATE_HASH]: await currentTemplateHash(k, stable) };
    await setSelector(k, d.namespace, route(t)!.stableService, pinned);
    await setRouteWeights(k, routePoint(t), 0);
  }
  await remove(k, deploymentRef(d.namespace, d.canaryDeployment));
}

/** All traffic to the stable version (its template restored if promotion had begun), then the canary removed. */
export async function rollbackCanary(c: Ctx, d: CanaryData): Promise<void> {
  if (d.unchanged) return;
  const { k, t } = c;
  const stable = await read<V1Deployment>(k, deploymentRef(d.namespace, d.stableDeployment));
  if (stable) {
    const labels = stable.spec?.template?.metadata?.labels ?? {};
    const promoting = labels[LABEL_RELEASE] === d.release && d.release !== d.stableRelease;
    const replicas = Number(d.replicas);
    if (promoting) {
      // Promotion had begun: while the stable Deployment rolls back, the canary (if still there) serves.
      const canary = await read<V1Deployment>(k, deploymentRef(d.namespace, d.canaryDeployment));
      if (canary && d.traffic === 'gatewayRoute') await setRouteWeights(k, routePoint(t), 100);
      await patch(
        k,
        deploymentRef(d.namespace, d.stableDeployment),
        {
          metadata: { annotations: scaledAnnotation(stable, replicas) },
          spec: {
            replicas,
            template: {
              metadata: { labels: { [LABEL_RELEASE]: d.stableRelease || null, [LABEL_TRACK]: d.stableTrack || null } },
              spec: { containers: [{ name: d.container, image: d.stableImage }] },
            },
          },
        },
        'strategic',
      );
    } else if (replicasOf(stable) !== replicas) {
      await scale(k, d.namespace, d.stableDeployment, replicas);
    }
    if (promoting || replicasOf(stable) !== replicas) await waitStableBack(c, d);
  }
  if (d.traffic === 'gatewayRoute') {
    await setSelector(k, d.namespace, route(t)!.stableService, decodeSelector(d.stableSelector));
    await setRouteWeights(k, routePoint(t), 0);
  }
  await remove(k, deploymentRef(d.namespace, d.canaryDeployment));
}

/** Waits for the restored stable Pods; if the stable Deployment itself cannot progress, rolling back goes on anyway. */
async function waitStableBack(c: Ctx, d: CanaryData): Promise<void> {
  try {
    await waitRolledOut(c.k, d.namespace, d.stableDeployment, waitOptions(c, `${d.stableDeployment} restored`, true));
  } catch (err) {
    if (!(err instanceof ApplicationFailure && err.type === 'NotReady')) throw err;
  }
}

/** The canary this release created, if it exists (a rollback whose deploy call never returned). */
export async function findCanary(c: Ctx, metadata: Metadata): Promise<CanaryData | undefined> {
  const name = childName(c.t.deployment, 'canary');
  return candidateDataOf(await read<V1Deployment>(c.k, deploymentRef(c.t.namespace, name)), releaseLabel(metadata.release)) as
    | CanaryData
    | undefined;
}

export async function removeCanary(c: Ctx, d: CanaryData): Promise<void> {
  if (d.unchanged) return;
  await remove(c.k, deploymentRef(d.namespace, d.canaryDeployment));
}
