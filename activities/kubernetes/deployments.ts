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

export async function readDeployment(k: ClusterClients, namespace: string, name: string): Promise<V1Deployment> {
  const d = await read<V1Deployment>(k, deploymentRef(namespace, name));
  if (!d) throw ApplicationFailure.nonRetryable(`Deployment ${namespace}/${name} does not exist`, 'NotFound');
  return d;
}

export function containerOf(d: V1Deployment, name: string): V1Container {
  const containers = d.spec?.template?.spec?.containers ?? [];
  const found = containers.find((c) => c.name === name);
  if (!found) {
    throw ApplicationFailure.nonRetryable(
      `Deployment ${d.metadata?.namespace}/${d.metadata?.name} has no container "${name}"; its containers: ${containers.map((c) => c.name).join(', ')}`,
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
export async function applyReleaseDeployment(k: ClusterClients, base: V1Deployment, r: ReleaseDeployment): Promise<V1Deployment> {
  const namespace = base.metadata!.namespace!;
  const template = base.spec!.template;
  const selector = base.spec!.selector;
  const object: V1Deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: r.name,
      namespace,
      labels: { ...base.metadata?.labels, ...r.labels, [LABEL_MANAGED_BY]: 'glidepath' },
      annotations: { [ANNOTATION_RELEASE]: releaseMarker(r.metadata), [ANNOTATION_CANDIDATE]: JSON.stringify(r.candidate) },
    },
    spec: {
      replicas: r.replicas,
      // The stable selector plus the release labels: this Deployment never claims the stable one's Pods.
      selector: { matchLabels: { ...selector.matchLabels, ...r.labels }, matchExpressions: selector.matchExpressions },
      template: {
        metadata: { labels: { ...template.metadata?.labels, ...r.labels }, annotations: template.metadata?.annotations },
        spec: {
          ...template.spec!,
          containers: template.spec!.containers.map((c) => (c.name === r.container ? { ...c, image: r.image } : c)),
        },
      },
      strategy: base.spec?.strategy,
      minReadySeconds: base.spec?.minReadySeconds,
      revisionHistoryLimit: base.spec?.revisionHistoryLimit,
      progressDeadlineSeconds: r.progressDeadlineSeconds,
    },
  };
  return apply(k, object);
}

/** The Candidate.data a release Deployment carries, if it belongs to `release` (text fields only, as stored). */
export function candidateDataOf(d: V1Deployment | undefined, release: string): CandidateData | undefined {
  if (!d || d.metadata?.labels?.[LABEL_RELEASE] !== release) return undefined;
  const text = d.metadata?.annotations?.[ANNOTATION_CANDIDATE];
  const parsed: unknown = text ? JSON.parse(text) : undefined;
  if (!parsed || typeof parsed !== 'object') return undefined;
  return Object.fromEntries(Object.entries(parsed).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

/** Sets the replicas, recording when (see readiness.ts: the controller's progress deadline does not cover scaling). */
export async function scale(k: ClusterClients, namespace: string, name: string, replicas: number): Promise<void> {
  const current = await read<V1Deployment>(k, deploymentRef(namespace, name));
  if (current && replicasOf(current) === replicas) return;
  await patch(k, deploymentRef(namespace, name), { metadata: { annotations: scaledAnnotation(current, replicas) }, spec: { replicas } });
}

export const replicasOf = (d: V1Deployment) => d.spec?.replicas ?? 1;
