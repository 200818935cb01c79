/**
 * Blue-green: each release is its own Deployment `<deployment>-<release>`, made from the one the active Service
 * serves now. The active Service is pinned to the serving Deployment's ReplicaSet (pod-template-hash) before
 * the new Pods exist; the preview Service selects the new Pods; the switch patches the active Service's
 * selector to them. Which Deployment is active is kept in an annotation on the active Service, so the next
 * release knows where to start from; the previous Deployment stays until retirePrevious removes it.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { V1Deployment } from '@kubernetes/client-node';
import { durationMs } from '../../plan/duration';
import type { Metadata } from '../../plan/schema';
import type { Candidate } from '../types';
import type { Ctx } from './context';
import { applyReleaseDeployment, candidateDataOf, containerOf, readDeployment, replicasOf } from './deployments';
import { LABEL_RELEASE, POD_TEMPLATE_HASH, childName, deploymentRef, read, releaseLabel, remove } from './objects';
import { rolloutState, waitRolledOut } from './readiness';
import { assertSelects, baseSelector, currentTemplateHash, decodeSelector, encodeSelector, readService, setSelector } from './services';

/** On the active Service: the Deployment it serves. */
export const ANNOTATION_ACTIVE = 'glidepath/active-deployment';
/** On the preview Service: the Deployment it reaches. */
export const ANNOTATION_PREVIEW = 'glidepath/preview-deployment';

export interface BlueGreenData extends Record<string, string> {
  mode: 'blueGreen';
  namespace: string;
  stableDeployment: string;
  candidateDeployment: string;
  release: string;
  activeService: string;
  previewService: string;
  /** The active Service's selector pinned to the stable ReplicaSet; the new version's selector. */
  stableSelector: string;
  candidateSelector: string;
}

function services(c: Ctx) {
  if (!c.t.blueGreen) {
    throw ApplicationFailure.nonRetryable(
      'a blue-green plan on Kubernetes needs target.blueGreen (activeService and previewService)',
      'InvalidPlan',
    );
  }
  return c.t.blueGreen;
}

const candidateName = (c: Ctx, metadata: Metadata) => childName(c.t.deployment, metadata.release);

export async function deployBlueGreen(c: Ctx, metadata: Metadata): Promise<Candidate> {
  const { k, t } = c;
  const { activeService, previewService } = services(c);
  const active = await readService(k, t.namespace, activeService);
  await readService(k, t.namespace, previewService);
  const stableName = active.metadata?.annotations?.[ANNOTATION_ACTIVE] ?? t.deployment;
  const name = candidateName(c, metadata);
  const release = releaseLabel(metadata.release);
  if (stableName === name) {
    return {
      stableVersion: name,
      candidateVersion: name,
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
  const stableSelector = { ...base, [POD_TEMPLATE_HASH]: await currentTemplateHash(k, stable) };
  const labels = { [LABEL_RELEASE]: release };
  const data: BlueGreenData = {
    mode: 'blueGreen',
    namespace: t.namespace,
    stableDeployment: stableName,
    candidateDeployment: name,
    release,
    activeService,
    previewService,
    stableSelector: encodeSelector(stableSelector),
    candidateSelector: encodeSelector({ ...base, ...labels }),
  };
  // Pinned before the new Pods exist, which carry the same app labels.
  await setSelector(k, t.namespace, activeService, stableSelector, { [ANNOTATION_ACTIVE]: stableName });
  await applyReleaseDeployment(k, stable, {
    name,
    image: t.image,
    container: t.container,
    replicas: t.replicas ?? replicasOf(stable),
    labels,
    progressDeadlineSeconds: Math.ceil(durationMs(t.progressDeadline) / 1000),
    metadata,
    candidate: data,
  });
  return { stableVersion: stableName, candidateVersion: name, data };
}

export async function waitBlueGreenReady(c: Ctx, d: BlueGreenData): Promise<void> {
  if (d.unchanged) return;
  await waitRolledOut(c.k, d.namespace, d.candidateDeployment, {
    what: `${d.candidateDeployment} ready`,
    intervalMs: c.intervalMs,
    timeoutMs: durationMs(c.t.progressDeadline) + 30_000,
  });
}

export async function previewBlueGreen(c: Ctx, d: BlueGreenData): Promise<void> {
  if (d.unchanged) return;
  await setSelector(c.k, d.namespace, d.previewService, decodeSelector(d.candidateSelector), {
    [ANNOTATION_PREVIEW]: d.candidateDeployment,
  });
}

/** The switch: the active Service selects the new Pods. The old Deployment keeps running for a switch back. */
export async function switchBlueGreen(c: Ctx, d: BlueGreenData): Promise<void> {
  if (d.unchanged) return;
  await setSelector(c.k, d.namespace, d.activeService, decodeSelector(d.candidateSelector), { [ANNOTATION_ACTIVE]: d.candidateDeployment });
}

/** Both Services back on the previous Deployment, then the new one removed. */
export async function rollbackBlueGreen(c: Ctx, d: BlueGreenData): Promise<void> {
  if (d.unchanged) return;
  const back = decodeSelector(d.stableSelector);
  await setSelector(c.k, d.namespace, d.activeService, back, { [ANNOTATION_ACTIVE]: d.stableDeployment });
  await setSelector(c.k, d.namespace, d.previewService, back, { [ANNOTATION_PREVIEW]: d.stableDeployment });
  await remove(c.k, deploymentRef(d.namespace, d.candidateDeployment));
}

/** After the scale-down delay: the previous Deployment removed, unless the active Service still serves it. */
export async function retireBlueGreen(c: Ctx, d: BlueGreenData): Promise<void> {
  if (d.unchanged) return;
  const active = await readService(c.k, d.namespace, d.activeService);
  if (active.metadata?.annotations?.[ANNOTATION_ACTIVE] !== d.candidateDeployment) {
    throw ApplicationFailure.nonRetryable(
      `refusing to remove ${d.stableDeployment}: Service ${d.activeService} serves ${active.metadata?.annotations?.[ANNOTATION_ACTIVE] ?? d.stableDeployment}, not ${d.candidateDeployment}`,
      'Conflict',
    );
  }
  await remove(c.k, deploymentRef(d.namespace, d.stableDeployment));
}

/** The Deployment this release created, if any (a rollback whose deploy call never returned). */
export async function findBlueGreen(c: Ctx, metadata: Metadata): Promise<BlueGreenData | undefined> {
  const d = await read<V1Deployment>(c.k, deploymentRef(c.t.namespace, candidateName(c, metadata)));
  return candidateDataOf(d, releaseLabel(metadata.release)) as BlueGreenData | undefined;
}
