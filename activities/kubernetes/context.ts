/** What every call on one target works with: its clients, the target, and how it waits. */
import { durationMs } from '../../plan/duration';
import type { KubernetesTarget } from '../../plan/targets';
import type { ClusterClients } from './clients';
import type { WaitOptions } from './readiness';
import type { RoutePoint } from './traffic';

export interface Ctx {
  k: ClusterClients;
  t: KubernetesTarget;
  intervalMs: number;
  /** Longest wait inside one short platform call; past it the call fails retryably and is called again. */
  sliceMs: number;
}

export const route = (t: KubernetesTarget) => (t.traffic && 'gatewayRoute' in t.traffic ? t.traffic.gatewayRoute : undefined);

export function routePoint(t: KubernetesTarget): RoutePoint {
  const r = route(t)!;
  return {
    namespace: r.namespace ?? t.namespace,
    name: r.name,
    serviceNamespace: t.namespace,
    stableService: r.stableService,
    canaryService: r.canaryService,
  };
}

export const deadlineMs = (t: KubernetesTarget) => durationMs(t.progressDeadline);
/** Waits of a call: up to the progress deadline, or (quick calls) in slices that retry. */
export const waitOptions = (c: Ctx, what: string, sliced: boolean): WaitOptions => ({
  what,
  intervalMs: c.intervalMs,
  timeoutMs: deadlineMs(c.t) + 30_000, // the controller reports ProgressDeadlineExceeded a little after the deadline
  sliceMs: sliced ? c.sliceMs : undefined,
});
