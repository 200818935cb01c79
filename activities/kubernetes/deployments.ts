/**
 * Release Deployments: the stable Deployment's pod template with the plan's image in one container, labelled
 * with the release (and a track), created beside the stable one by server-side apply. The Candidate they
 * belong to is kept in an annotation, so a rollback whose deploy call never returned still knows what to undo.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { V1Container, V1Deployment } from '@kubernetes/client-node';
import type { Metadata } from '../../plan/schema';
import { releaseMarker } from '../release-marks';
import type { CandidateData } from '../types';
import type { ClusterClients } from './clients';
import { ANNOTATION_CANDIDATE, ANNOTATION_RELEASE, LABEL_MANAGED_BY, LABEL_RELEASE, apply, deploymentRef, patch, read } from './objects';
import { scaledAnnotation } from './readiness';

export async function readDeployment(cluster: ClusterClients, namespace: string, name: string): Promise<V1Deployment> {
  const deployment = await read<V1Deployment>(cluster, deploymentRef(namespace, name));
  if (!deployment) throw ApplicationFailure.nonRetryable(`Deployment ${namespace}/${name} does not exist`, 'NotFound');
  return deployment;
}

export function containerOf(deployment: V1Deployment, name: string): V1Container {
  const containers = deployment.spec?.template?.spec?.containers ?? [];
  const found = containers.find((c) => c.name === name);
  if (!found) {
    throw ApplicationFailure.nonRetryable(
      `Deployment ${deployment.metadata?.namespace}/${deployment.metadata?.name} has no container "${name}"; its ` +
        `containers: ${containers.map((c) => c.name).join(', ')}`,
      'InvalidPlan',
    );
  }
  return found;
}

export interface ReleaseDeployment {
  name: string;
  image: string;
  container: string;
  replicas: number;
  /** Added to the Pods' labels and to the Deployment's selector (glidepath/release, glidepath/track). */
  labels: Record<string, string>;
  progressDeadlineSeconds: number;
  metadata: Metadata;
  /** Candidate.data, kept on the Deployment. */
  candidate: CandidateData;
}

/** Creates (or re-applies, unchanged) a Deployment like `base` running the release. */
export async function applyReleaseDeployment(
  cluster: ClusterClients,
  base: V1Deployment,
  release: ReleaseDeployment,
): Promise<V1Deployment> {
  const namespace = base.metadata!.namespace!;
  const template = base.spec!.template;
  const selector = base.spec!.selector;
  const object: V1Deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: release.name,
      namespace,
      labels: { ...base.metadata?.labels, ...release.labels, [LABEL_MANAGED_BY]: 'glidepath' },
      annotations: { [ANNOTATION_RELEASE]: releaseMarker(release.metadata), [ANNOTATION_CANDIDATE]: JSON.stringify(release.candidate) },
    },
    spec: {
      replicas: release.replicas,
      // The stable selector plus the release labels: this Deployment never claims the stable one's Pods.
      selector: { matchLabels: { ...selector.matchLabels, ...release.labels }, matchExpressions: selector.matchExpressions },
      template: {
        metadata: { labels: { ...template.metadata?.labels, ...release.labels }, annotations: template.metadata?.annotations },
        spec: {
          ...template.spec!,
          containers: template.spec!.containers.map((c) => (c.name === release.container ? { ...c, image: release.image } : c)),
        },
      },
      strategy: base.spec?.strategy,
      minReadySeconds: base.spec?.minReadySeconds,
      revisionHistoryLimit: base.spec?.revisionHistoryLimit,
      progressDeadlineSeconds: release.progressDeadlineSeconds,
    },
  };
  return apply(cluster, object);
}

/** The Candidate.data a release Deployment carries, if it belongs to `release` (text fields only, as stored). */
export function candidateDataOf(deployment: V1Deployment | undefined, release: string): CandidateData | undefined {
  if (!deployment || deployment.metadata?.labels?.[LABEL_RELEASE] !== release) return undefined;
  const text = deployment.metadata?.annotations?.[ANNOTATION_CANDIDATE];
  const parsed: unknown = text ? JSON.parse(text) : undefined;
  if (!parsed || typeof parsed !== 'object') return undefined;
  return Object.fromEntries(Object.entries(parsed).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

/** Sets the replicas, recording when (see readiness.ts: the controller's progress deadline does not cover scaling). */
export async function scale(cluster: ClusterClients, namespace: string, name: string, replicas: number): Promise<void> {
  const current = await read<V1Deployment>(cluster, deploymentRef(namespace, name));
  if (current && replicasOf(current) === replicas) return;
  await patch(cluster, deploymentRef(namespace, name), {
    metadata: { annotations: scaledAnnotation(current, replicas) },
    spec: { replicas },
  });
}

export const replicasOf = (deployment: V1Deployment) => deployment.spec?.replicas ?? 1;
