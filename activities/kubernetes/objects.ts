/**
 * Reading and writing Kubernetes objects the way every Glidepath call does: objects Glidepath creates (release
 * Deployments, migration Jobs) by server-side apply with field manager "glidepath" (force), the user's objects
 * (the stable Deployment, Services, HTTPRoutes) by patches of only the fields that change, so running a step
 * again leaves the same state. Names and labels derived from a release live here too.
 */
import { type KubernetesObject, PatchStrategy } from '@kubernetes/client-node';
import { sha256Hex } from '../../plan/sha256-hex';
import type { ClusterClients } from './clients';

export const FIELD_MANAGER = 'glidepath';
/** On Pods (and their Deployments): the release they run. */
export const LABEL_RELEASE = 'glidepath/release';
/** On Pods: `canary` or `stable` (canary strategy). */
export const LABEL_TRACK = 'glidepath/track';
/** On objects Glidepath creates. */
export const LABEL_MANAGED_BY = 'app.kubernetes.io/managed-by';
/** On a release Deployment: the Candidate it belongs to (JSON), so a rollback without one finds what to undo. */
export const ANNOTATION_CANDIDATE = 'glidepath/candidate';
/** On a release Deployment or Job: service/environment/release of the plan that made it. */
export const ANNOTATION_RELEASE = 'glidepath/release';
/** The label each ReplicaSet's Pods carry; Services are pinned to one ReplicaSet by it. */
export const POD_TEMPLATE_HASH = 'pod-template-hash';

export interface Ref {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
}

const header = ({ apiVersion, kind, namespace, name }: Ref) => ({ apiVersion, kind, metadata: { name, namespace } });

export const isNotFound = (err: unknown) => (err as { code?: unknown })?.code === 404;

/** The object, or undefined when it does not exist. */
export async function read<T extends KubernetesObject>(cluster: ClusterClients, ref: Ref): Promise<T | undefined> {
  try {
    return (await cluster.objects.read(header(ref))) as T;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** Creates or updates an object Glidepath owns: the fields given are exactly the fields it manages. */
export async function apply<T extends KubernetesObject>(cluster: ClusterClients, object: T): Promise<T> {
  return (await cluster.objects.patch(object, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply)) as T;
}

/**
 * Changes some fields of an object: `merge` is a JSON merge patch (null removes a key; lists are replaced),
 * `strategic` merges lists such as containers by name.
 */
export async function patch<T extends KubernetesObject>(
  cluster: ClusterClients,
  ref: Ref,
  changes: Record<string, unknown>,
  how: 'merge' | 'strategic' = 'merge',
): Promise<T> {
  const { metadata, ...rest } = changes as { metadata?: Record<string, unknown> };
  const body = { ...header(ref), ...rest, metadata: { ...metadata, name: ref.name, namespace: ref.namespace } };
  const strategy = how === 'merge' ? PatchStrategy.MergePatch : PatchStrategy.StrategicMergePatch;
  return (await cluster.objects.patch(body as KubernetesObject, undefined, undefined, FIELD_MANAGER, undefined, strategy)) as T;
}

/** Deletes the object if it exists (its Pods and ReplicaSets go with it). True if it was there. */
export async function remove(cluster: ClusterClients, ref: Ref): Promise<boolean> {
  try {
    await cluster.objects.delete(header(ref), undefined, undefined, undefined, undefined, 'Background');
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

export async function list<T extends KubernetesObject>(
  cluster: ClusterClients,
  apiVersion: string,
  kind: string,
  namespace: string,
  labelSelector?: string,
): Promise<T[]> {
  const out = await cluster.objects.list<T>(apiVersion, kind, namespace, undefined, undefined, undefined, undefined, labelSelector);
  return out.items;
}

export const deploymentRef = (namespace: string, name: string): Ref => ({ apiVersion: 'apps/v1', kind: 'Deployment', namespace, name });
export const serviceRef = (namespace: string, name: string): Ref => ({ apiVersion: 'v1', kind: 'Service', namespace, name });
export const jobRef = (namespace: string, name: string): Ref => ({ apiVersion: 'batch/v1', kind: 'Job', namespace, name });
export const routeRef = (namespace: string, name: string): Ref => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'HTTPRoute',
  namespace,
  name,
});

const shortHash = (text: string) => sha256Hex(text, 10);

/** A release as a label value (at most 63 of [A-Za-z0-9._-], alphanumeric at both ends). */
export function releaseLabel(release: string): string {
  const value = release.replace(/[^A-Za-z0-9._-]/g, '_');
  if (value === release && value.length <= 63 && /[A-Za-z0-9]$/.test(value)) return value;
  return `${value.slice(0, 52).replace(/[^A-Za-z0-9]+$/, '')}-${shortHash(release)}`;
}

/** `<base>-<suffix>` as a lowercase DNS name of at most 63 characters (a hash keeps long names unique). */
export function childName(base: string, suffix: string): string {
  const clean = suffix
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
  const name = `${base}-${clean || shortHash(suffix)}`;
  return name.length <= 63 ? name : `${name.slice(0, 52).replace(/[^a-z0-9]+$/, '')}-${shortHash(name)}`;
}

/** `a=b,c=d` for a labelSelector query. */
export const selectorString = (labels: Record<string, string>) =>
  Object.entries(labels)
    .map(([key, value]) => `${key}=${value}`)
    .join(',');

export const sameLabels = (a: Record<string, string> = {}, b: Record<string, string> = {}) =>
  Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([key, value]) => b[key] === value);

/** True when every label of `selector` is in `labels`. */
export const selects = (selector: Record<string, string>, labels: Record<string, string> = {}) =>
  Object.entries(selector).every(([key, value]) => labels[key] === value);
