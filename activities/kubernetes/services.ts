/**
 * Which Pods a Service sends traffic to. A Service that must reach only the stable version (the active Service
 * of blue-green, the stable Service of a Gateway API canary) is pinned to the stable Deployment's current
 * ReplicaSet by its `pod-template-hash` label, as Argo Rollouts does, so the new version's Pods never join it
 * even though they carry the same app labels; the new version is selected by its `glidepath/release` label.
 * The rest of the Service's selector (its "base", e.g. `app: web`) is the user's and is kept.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { V1Deployment, V1ReplicaSet, V1Service } from '@kubernetes/client-node';
import type { ClusterClients } from './clients';
import { LABEL_RELEASE, LABEL_TRACK, POD_TEMPLATE_HASH, list, patch, read, sameLabels, selects, serviceRef } from './objects';

export type Selector = Record<string, string>;

export async function readService(cluster: ClusterClients, namespace: string, name: string): Promise<V1Service> {
  const service = await read<V1Service>(cluster, serviceRef(namespace, name));
  if (!service) throw ApplicationFailure.nonRetryable(`Service ${namespace}/${name} does not exist`, 'NotFound');
  if (!service.spec?.selector || Object.keys(service.spec.selector).length === 0) {
    throw ApplicationFailure.nonRetryable(
      `Service ${namespace}/${name} has no selector; Glidepath moves traffic by changing it`,
      'InvalidPlan',
    );
  }
  return service;
}

/** The user's part of a Service's selector: without the keys Glidepath pins. */
export function baseSelector(service: V1Service): Selector {
  const { [LABEL_RELEASE]: _r, [LABEL_TRACK]: _t, [POD_TEMPLATE_HASH]: _h, ...base } = service.spec?.selector ?? {};
  return base;
}

/** Fails unless the Deployment's Pods carry every label of the selector (else the Service would not reach them). */
export function assertSelects(selector: Selector, deployment: V1Deployment, service: string): void {
  const labels = deployment.spec?.template?.metadata?.labels ?? {};
  if (!selects(selector, labels)) {
    throw ApplicationFailure.nonRetryable(
      `Service ${service} selects ${JSON.stringify(selector)}, but the Pods of ` +
        `Deployment ${deployment.metadata?.name} are labelled ${JSON.stringify(labels)}`,
      'InvalidPlan',
    );
  }
}

/** The `pod-template-hash` of the ReplicaSet that runs the Deployment's current template. */
export async function currentTemplateHash(cluster: ClusterClients, deployment: V1Deployment): Promise<string> {
  const namespace = deployment.metadata!.namespace!;
  const revision = deployment.metadata?.annotations?.['deployment.kubernetes.io/revision'];
  const owned = (await list<V1ReplicaSet>(cluster, 'apps/v1', 'ReplicaSet', namespace)).filter((rs) =>
    rs.metadata?.ownerReferences?.some((owner) => owner.controller && owner.uid === deployment.metadata?.uid),
  );
  const current = owned.find(
    (rs) => revision !== undefined && rs.metadata?.annotations?.['deployment.kubernetes.io/revision'] === revision,
  );
  const hash = current?.metadata?.labels?.[POD_TEMPLATE_HASH];
  if (!hash) {
    // The controller has not made the ReplicaSet of this revision yet: a retry finds it.
    throw ApplicationFailure.retryable(
      `Deployment ${namespace}/${deployment.metadata?.name} has no ReplicaSet for revision ${revision ?? '?'} yet`,
      'RollingOut',
    );
  }
  return hash;
}

/**
 * Sets the Service's selector to exactly `selector` (keys it has no more are removed) and its annotations;
 * nothing is written when it is already so.
 */
export async function setSelector(
  cluster: ClusterClients,
  namespace: string,
  name: string,
  selector: Selector,
  annotations: Record<string, string> = {},
): Promise<void> {
  const service = await readService(cluster, namespace, name);
  const current = service.spec?.selector ?? {};
  const currentAnnotations = service.metadata?.annotations ?? {};
  if (sameLabels(current, selector) && Object.entries(annotations).every(([key, value]) => currentAnnotations[key] === value)) return;
  const changes: Record<string, string | null> = { ...selector };
  for (const key of Object.keys(current)) if (!(key in selector)) changes[key] = null;
  await patch(cluster, serviceRef(namespace, name), { metadata: { annotations }, spec: { selector: changes } });
}

export const encodeSelector = (selector: Selector) => JSON.stringify(selector);
export const decodeSelector = (text: string | undefined): Selector => (text ? (JSON.parse(text) as Selector) : {});
