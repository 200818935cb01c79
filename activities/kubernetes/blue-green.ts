/**
 * Blue-green: each release is its own Deployment `<deployment>-<release>`, made from the one the active Service
 * serves now. The active Service is pinned to the serving Deployment's ReplicaSet (pod-template-hash) before
 * the new Pods exist; the preview Service selects the new Pods; the switch is the active Service's selector
 * (service-switch-router.ts). The previous Deployment stays until retirePrevious removes it.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { V1Deployment } from '@kubernetes/client-node';
import { durationMs } from '../../plan/duration';
import type { KubernetesTarget } from '../../plan/targets';
import type { Workload } from '../workload';
import { type BlueGreenData, decodeBlueGreenData, encodeBlueGreenData, recordedUnchanged } from './candidate';
import type { KubeContext } from './context';
import { applyReleaseDeployment, candidateDataOf, containerOf, readDeployment, replicasOf } from './deployments';
import { LABEL_RELEASE, POD_TEMPLATE_HASH, childName, deploymentRef, read, releaseLabel, remove } from './objects';
import { rolloutState, waitRolledOut } from './readiness';
import { assertSelects, baseSelector, currentTemplateHash, readService, setSelector } from './services';
import { ANNOTATION_ACTIVE, serviceSwitchRouter } from './service-switch-router';

/** On the preview Service: the Deployment it reaches. */
export const ANNOTATION_PREVIEW = 'glidepath/preview-deployment';

function services(target: KubernetesTarget) {
  if (!target.blueGreen) {
    throw ApplicationFailure.nonRetryable(
      'a blue-green plan on Kubernetes needs target.blueGreen (activeService and previewService)',
      'InvalidPlan',
    );
  }
  return target.blueGreen;
}

export function blueGreenDeployments(contextOf: (target: KubernetesTarget) => KubeContext): Workload<KubernetesTarget, BlueGreenData> {
  const candidateName = (target: KubernetesTarget, release: string) => childName(target.deployment, release);
  const clusterOf = (target: KubernetesTarget) => contextOf(target).cluster;

  /** Both Services back on the previous Deployment, then the new one removed. */
  async function rollback(target: KubernetesTarget, data: BlueGreenData) {
    const cluster = clusterOf(target);
    await serviceSwitchRouter(cluster, data).reset();
    await setSelector(cluster, data.namespace, data.previewService, data.stableSelector, { [ANNOTATION_PREVIEW]: data.stableDeployment });
    await remove(cluster, deploymentRef(data.namespace, data.candidateDeployment));
  }

  return {
    decode: decodeBlueGreenData,
    router: (target, data) => serviceSwitchRouter(clusterOf(target), data),
    recordedUnchanged,

    async deploy(target, { metadata }) {
      const cluster = clusterOf(target);
      const { activeService, previewService } = services(target);
      const active = await readService(cluster, target.namespace, activeService);
      await readService(cluster, target.namespace, previewService);
      const stableName = active.metadata?.annotations?.[ANNOTATION_ACTIVE] ?? target.deployment;
      const name = candidateName(target, metadata.release);
      const release = releaseLabel(metadata.release);
      if (stableName === name) {
        return {
          stableVersion: name,
          candidateVersion: name,
          unchanged: true,
          data: { mode: 'blueGreen', unchanged: 'true', namespace: target.namespace, candidateDeployment: name },
        };
      }
      const existing = candidateDataOf(await read<V1Deployment>(cluster, deploymentRef(target.namespace, name)), release);
      // An earlier attempt made it.
      if (existing) return { stableVersion: existing.stableDeployment, candidateVersion: name, data: existing };

      const stable = await readDeployment(cluster, target.namespace, stableName);
      containerOf(stable, target.container);
      const state = rolloutState(stable);
      if (!state.done)
        throw ApplicationFailure.retryable(
          `Deployment ${target.namespace}/${stableName} is still rolling out (${state.summary})`,
          'RollingOut',
        );
      const base = baseSelector(active);
      assertSelects(base, stable, activeService);
      const labels = { [LABEL_RELEASE]: release };
      const data: BlueGreenData = {
        mode: 'blueGreen',
        namespace: target.namespace,
        stableDeployment: stableName,
        candidateDeployment: name,
        release,
        activeService,
        previewService,
        stableSelector: { ...base, [POD_TEMPLATE_HASH]: await currentTemplateHash(cluster, stable) },
        candidateSelector: { ...base, ...labels },
      };
      // Pinned before the new Pods exist, which carry the same app labels.
      await serviceSwitchRouter(cluster, data).pinStable();
      const stored = encodeBlueGreenData(data);
      await applyReleaseDeployment(cluster, stable, {
        name,
        image: target.image,
        container: target.container,
        replicas: target.replicas ?? replicasOf(stable),
        labels,
        progressDeadlineSeconds: Math.ceil(durationMs(target.progressDeadline) / 1000),
        metadata,
        candidate: stored,
      });
      return { stableVersion: stableName, candidateVersion: name, data: stored };
    },

    async waitReady({ target, data }) {
      await waitRolledOut(clusterOf(target), data.namespace, data.candidateDeployment, {
        what: `${data.candidateDeployment} ready`,
        intervalMs: contextOf(target).intervalMs,
        timeoutMs: durationMs(target.progressDeadline) + 30_000,
      });
    },

    preview: ({ target, data }) =>
      setSelector(clusterOf(target), data.namespace, data.previewService, data.candidateSelector, {
        [ANNOTATION_PREVIEW]: data.candidateDeployment,
      }),

    // Promotion is the switch (the router at 100%): the old Deployment keeps running for a switch back.
    rollBack: ({ target, data }) => rollback(target, data),

    async rollBackUnknown(target, metadata) {
      if (!target.blueGreen) return;
      const deployment = await read<V1Deployment>(
        clusterOf(target),
        deploymentRef(target.namespace, candidateName(target, metadata.release)),
      );
      const stored = candidateDataOf(deployment, releaseLabel(metadata.release));
      if (stored) await rollback(target, decodeBlueGreenData(stored));
    },

    /** After the scale-down delay: the previous Deployment removed, unless the active Service still serves it. */
    async retirePrevious({ target, data }) {
      const cluster = clusterOf(target);
      const active = await readService(cluster, data.namespace, data.activeService);
      if (active.metadata?.annotations?.[ANNOTATION_ACTIVE] !== data.candidateDeployment) {
        throw ApplicationFailure.nonRetryable(
          `refusing to remove ${data.stableDeployment}: Service ${data.activeService} ` +
            `serves ${active.metadata?.annotations?.[ANNOTATION_ACTIVE] ?? data.stableDeployment}, not ${data.candidateDeployment}`,
          'Conflict',
        );
      }
      await remove(cluster, deploymentRef(data.namespace, data.stableDeployment));
    },
  };
}
