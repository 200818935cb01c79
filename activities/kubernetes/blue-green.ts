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
import type { Ctx } from './context';
import { applyReleaseDeployment, candidateDataOf, containerOf, readDeployment, replicasOf } from './deployments';
import { LABEL_RELEASE, POD_TEMPLATE_HASH, childName, deploymentRef, read, releaseLabel, remove } from './objects';
import { rolloutState, waitRolledOut } from './readiness';
import { assertSelects, baseSelector, currentTemplateHash, readService, setSelector } from './services';
import { ANNOTATION_ACTIVE, serviceSwitchRouter } from './service-switch-router';

/** On the preview Service: the Deployment it reaches. */
export const ANNOTATION_PREVIEW = 'glidepath/preview-deployment';

function services(t: KubernetesTarget) {
  if (!t.blueGreen) {
    throw ApplicationFailure.nonRetryable(
      'a blue-green plan on Kubernetes needs target.blueGreen (activeService and previewService)',
      'InvalidPlan',
    );
  }
  return t.blueGreen;
}

export function blueGreenDeployments(ctx: (t: KubernetesTarget) => Ctx): Workload<KubernetesTarget, BlueGreenData> {
  const candidateName = (t: KubernetesTarget, release: string) => childName(t.deployment, release);
  const kOf = (t: KubernetesTarget) => ctx(t).k;

  /** Both Services back on the previous Deployment, then the new one removed. */
  async function rollback(t: KubernetesTarget, d: BlueGreenData) {
    const k = kOf(t);
    await serviceSwitchRouter(k, d).reset();
    await setSelector(k, d.namespace, d.previewService, d.stableSelector, { [ANNOTATION_PREVIEW]: d.stableDeployment });
    await remove(k, deploymentRef(d.namespace, d.candidateDeployment));
  }

  return {
    decode: decodeBlueGreenData,
    router: (t, d) => serviceSwitchRouter(kOf(t), d),
    recordedUnchanged,

    async deploy(t, { metadata }) {
      const k = kOf(t);
      const { activeService, previewService } = services(t);
      const active = await readService(k, t.namespace, activeService);
      await readService(k, t.namespace, previewService);
      const stableName = active.metadata?.annotations?.[ANNOTATION_ACTIVE] ?? t.deployment;
      const name = candidateName(t, metadata.release);
      const release = releaseLabel(metadata.release);
      if (stableName === name) {
        return {
          stableVersion: name,
          candidateVersion: name,
          unchanged: true,
          data: { mode: 'blueGreen', unchanged: 'true', namespace: t.namespace, candidateDeployment: name },
        };
      }
      const existing = candidateDataOf(await read<V1Deployment>(k, deploymentRef(t.namespace, name)), release);
      if (existing) return { stableVersion: existing.stableDeployment, candidateVersion: name, data: existing }; // an earlier attempt made it

      const stable = await readDeployment(k, t.namespace, stableName);
      containerOf(stable, t.container);
      const state = rolloutState(stable);
      if (!state.done)
        throw ApplicationFailure.retryable(`Deployment ${t.namespace}/${stableName} is still rolling out (${state.summary})`, 'RollingOut');
      const base = baseSelector(active);
      assertSelects(base, stable, activeService);
      const labels = { [LABEL_RELEASE]: release };
      const data: BlueGreenData = {
        mode: 'blueGreen',
        namespace: t.namespace,
        stableDeployment: stableName,
        candidateDeployment: name,
        release,
        activeService,
        previewService,
        stableSelector: { ...base, [POD_TEMPLATE_HASH]: await currentTemplateHash(k, stable) },
        candidateSelector: { ...base, ...labels },
      };
      // Pinned before the new Pods exist, which carry the same app labels.
      await serviceSwitchRouter(k, data).pinStable();
      const stored = encodeBlueGreenData(data);
      await applyReleaseDeployment(k, stable, {
        name,
        image: t.image,
        container: t.container,
        replicas: t.replicas ?? replicasOf(stable),
        labels,
        progressDeadlineSeconds: Math.ceil(durationMs(t.progressDeadline) / 1000),
        metadata,
        candidate: stored,
      });
      return { stableVersion: stableName, candidateVersion: name, data: stored };
    },

    async waitReady({ target: t, data: d }) {
      await waitRolledOut(kOf(t), d.namespace, d.candidateDeployment, {
        what: `${d.candidateDeployment} ready`,
        intervalMs: ctx(t).intervalMs,
        timeoutMs: durationMs(t.progressDeadline) + 30_000,
      });
    },

    preview: ({ target: t, data: d }) =>
      setSelector(kOf(t), d.namespace, d.previewService, d.candidateSelector, { [ANNOTATION_PREVIEW]: d.candidateDeployment }),

    // Promotion is the switch (the router at 100%): the old Deployment keeps running for a switch back.
    rollBack: ({ target, data }) => rollback(target, data),

    async rollBackUnknown(t, metadata) {
      if (!t.blueGreen) return;
      const d = await read<V1Deployment>(kOf(t), deploymentRef(t.namespace, candidateName(t, metadata.release)));
      const stored = candidateDataOf(d, releaseLabel(metadata.release));
      if (stored) await rollback(t, decodeBlueGreenData(stored));
    },

    /** After the scale-down delay: the previous Deployment removed, unless the active Service still serves it. */
    async retirePrevious({ target: t, data: d }) {
      const k = kOf(t);
      const active = await readService(k, d.namespace, d.activeService);
      if (active.metadata?.annotations?.[ANNOTATION_ACTIVE] !== d.candidateDeployment) {
        throw ApplicationFailure.nonRetryable(
          `refusing to remove ${d.stableDeployment}: Service ${d.activeService} serves ${active.metadata?.annotations?.[ANNOTATION_ACTIVE] ?? d.stableDeployment}, not ${d.candidateDeployment}`,
          'Conflict',
        );
      }
      await remove(k, deploymentRef(d.namespace, d.stableDeployment));
    },
  };
}
