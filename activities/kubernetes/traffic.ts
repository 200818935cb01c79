/**
 * Canary traffic. With a Gateway API HTTPRoute: every rule that sends traffic to the stable Service gets a
 * weighted backendRef to the canary Service beside it (a copy of the stable ref: same port, filters and
 * namespace). Rules are an atomic list, so they are read, changed and written back with the read
 * resourceVersion: a concurrent change makes the write fail with 409, and the retried call starts over.
 * Without a route: the share of canary Pods behind the shared Service (replica ratio).
 */
import { ApplicationFailure } from '@temporalio/common';
import type { ClusterClients } from './clients';
import { patch, read, routeRef } from './objects';

export interface BackendRef {
  group?: string;
  kind?: string;
  name: string;
  namespace?: string;
  port?: number;
  weight?: number;
  [field: string]: unknown;
}

interface RouteRule {
  backendRefs?: BackendRef[];
  [field: string]: unknown;
}

export interface HTTPRoute {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; resourceVersion?: string };
  spec?: { rules?: RouteRule[]; [field: string]: unknown };
}

export interface RoutePoint {
  /** The HTTPRoute's namespace and name. */
  namespace: string;
  name: string;
  /** Where the Services live (the target's namespace). */
  serviceNamespace: string;
  stableService: string;
  canaryService: string;
}

const isService = (ref: BackendRef, name: string, namespace: string, routeNamespace: string) =>
  (ref.group ?? '') === '' && (ref.kind ?? 'Service') === 'Service' && ref.name === name && (ref.namespace ?? routeNamespace) === namespace;

async function readRoute(cluster: ClusterClients, point: RoutePoint): Promise<HTTPRoute> {
  const route = await read<HTTPRoute & { apiVersion: string; kind: string }>(cluster, routeRef(point.namespace, point.name));
  if (!route) throw ApplicationFailure.nonRetryable(`HTTPRoute ${point.namespace}/${point.name} does not exist`, 'NotFound');
  return route;
}

/** Percent of the route's traffic to each Service in the rules that reach the stable one (the first such rule). */
export async function routeWeights(cluster: ClusterClients, point: RoutePoint): Promise<{ stable: number; canary: number }> {
  const route = await readRoute(cluster, point);
  const rule = (route.spec?.rules ?? []).find((r) =>
    r.backendRefs?.some((ref) => isService(ref, point.stableService, point.serviceNamespace, point.namespace)),
  );
  const refs = rule?.backendRefs ?? [];
  const weightOf = (name: string) =>
    refs.filter((ref) => isService(ref, name, point.serviceNamespace, point.namespace)).reduce((sum, ref) => sum + (ref.weight ?? 1), 0);
  const total = refs.reduce((sum, ref) => sum + (ref.weight ?? 1), 0);
  const pct = (weight: number) => (total === 0 ? 0 : Math.round((weight * 100) / total));
  return { stable: pct(weightOf(point.stableService)), canary: pct(weightOf(point.canaryService)) };
}

/** `weight`% to the canary Service and the rest to the stable one, in every rule that reaches the stable one. */
export async function setRouteWeights(cluster: ClusterClients, point: RoutePoint, weight: number): Promise<void> {
  const percent = Math.max(0, Math.min(100, Math.round(weight)));
  const route = await readRoute(cluster, point);
  const rules = route.spec?.rules ?? [];
  let matched = 0;
  const updated = rules.map((rule) => {
    const refs = rule.backendRefs ?? [];
    const stable = refs.find((ref) => isService(ref, point.stableService, point.serviceNamespace, point.namespace));
    if (!stable) return rule;
    matched++;
    const canary = refs.find((ref) => isService(ref, point.canaryService, point.serviceNamespace, point.namespace)) ?? {
      ...stable,
      name: point.canaryService,
    };
    const others = refs.filter((ref) => ref !== stable && !isService(ref, point.canaryService, point.serviceNamespace, point.namespace));
    return { ...rule, backendRefs: [{ ...stable, weight: 100 - percent }, { ...canary, weight: percent }, ...others] };
  });
  if (matched === 0) {
    throw ApplicationFailure.nonRetryable(
      `HTTPRoute ${point.namespace}/${point.name} has no rule with a backendRef to Service ${point.stableService}`,
      'InvalidPlan',
    );
  }
  if (JSON.stringify(updated) === JSON.stringify(rules)) return; // already so: a retried call writes nothing
  await patch(cluster, routeRef(point.namespace, point.name), {
    metadata: { resourceVersion: route.metadata?.resourceVersion },
    spec: { rules: updated },
  });
}

/** Replica ratio: canary Pods for `weight`% of `total` (at least one for any traffic), and the stable ones for the rest. */
export function replicaSplit(total: number, weight: number): { canary: number; stable: number } {
  const percent = Math.max(0, Math.min(100, weight));
  const canary = percent === 0 ? 0 : Math.min(total, Math.max(1, Math.ceil((percent * total) / 100)));
  return { canary, stable: total - canary };
}
