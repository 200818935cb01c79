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

async function readRoute(k: ClusterClients, p: RoutePoint): Promise<HTTPRoute> {
  const route = await read<HTTPRoute & { apiVersion: string; kind: string }>(k, routeRef(p.namespace, p.name));
  if (!route) throw ApplicationFailure.nonRetryable(`HTTPRoute ${p.namespace}/${p.name} does not exist`, 'NotFound');
  return route;
}

/** Percent of the route's traffic to each Service in the rules that reach the stable one (the first such rule). */
export async function routeWeights(k: ClusterClients, p: RoutePoint): Promise<{ stable: number; canary: number }> {
  const route = await readRoute(k, p);
  const rule = (route.spec?.rules ?? []).find((r) =>
    r.backendRefs?.some((b) => isService(b, p.stableService, p.serviceNamespace, p.namespace)),
  );
  const refs = rule?.backendRefs ?? [];
  const weightOf = (name: string) =>
    refs.filter((b) => isService(b, name, p.serviceNamespace, p.namespace)).reduce((sum, b) => sum + (b.weight ?? 1), 0);
  const total = refs.reduce((sum, b) => sum + (b.weight ?? 1), 0);
  const pct = (w: number) => (total === 0 ? 0 : Math.round((w * 100) / total));
  return { stable: pct(weightOf(p.stableService)), canary: pct(weightOf(p.canaryService)) };
}

/** `weight`% to the canary Service and the rest to the stable one, in every rule that reaches the stable one. */
export async function setRouteWeights(k: ClusterClients, p: RoutePoint, weight: number): Promise<void> {
  const w = Math.max(0, Math.min(100, Math.round(weight)));
  const route = await readRoute(k, p);
  const rules = route.spec?.rules ?? [];
  let matched = 0;
  const updated = rules.map((rule) => {
    const refs = rule.backendRefs ?? [];
    const stable = refs.find((b) => isService(b, p.stableService, p.serviceNamespace, p.namespace));
    if (!stable) return rule;
    matched++;
    const canary = refs.find((b) => isService(b, p.canaryService, p.serviceNamespace, p.namespace)) ?? { ...stable, name: p.canaryService };
    const others = refs.filter((b) => b !== stable && !isService(b, p.canaryService, p.serviceNamespace, p.namespace));
    return { ...rule, backendRefs: [{ ...stable, weight: 100 - w }, { ...canary, weight: w }, ...others] };
  });
  if (matched === 0) {
    throw ApplicationFailure.nonRetryable(
      `HTTPRoute ${p.namespace}/${p.name} has no rule with a backendRef to Service ${p.stableService}`,
      'InvalidPlan',
    );
  }
  if (JSON.stringify(updated) === JSON.stringify(rules)) return; // already so: a retried call writes nothing
  await patch(k, routeRef(p.namespace, p.name), {
    metadata: { resourceVersion: route.metadata?.resourceVersion },
    spec: { rules: updated },
  });
}

/** Replica ratio: canary Pods for `weight`% of `total` (at least one for any traffic), and the stable ones for the rest. */
export function replicaSplit(total: number, weight: number): { canary: number; stable: number } {
  const w = Math.max(0, Math.min(100, weight));
  const canary = w === 0 ? 0 : Math.min(total, Math.max(1, Math.ceil((w * total) / 100)));
  return { canary, stable: total - canary };
}
