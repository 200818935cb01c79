/**
 * What every call on one target works with: its cluster's clients, the target, and how it waits. (Not a
 * kubeconfig context: that is `target.context`, which picked the cluster.)
 */
import { durationMs } from '../../plan/duration';
import type { KubernetesTarget } from '../../plan/targets';
import type { ClusterClients } from './clients';
import type { WaitOptions } from './readiness';
import type { RoutePoint } from './traffic';

export interface KubeContext {
  cluster: ClusterClients;
  target: KubernetesTarget;
  intervalMs: number;
  /** Longest wait inside one short platform call; past it the call fails retryably and is called again. */
  sliceMs: number;
}

export const route = (target: KubernetesTarget) =>
  target.traffic && 'gatewayRoute' in target.traffic ? target.traffic.gatewayRoute : undefined;

export function routePoint(target: KubernetesTarget): RoutePoint {
  const gatewayRoute = route(target)!;
  return {
    namespace: gatewayRoute.namespace ?? target.namespace,
    name: gatewayRoute.name,
    serviceNamespace: target.namespace,
    stableService: gatewayRoute.stableService,
    canaryService: gatewayRoute.canaryService,
  };
}

export const deadlineMs = (target: KubernetesTarget) => durationMs(target.progressDeadline);
/** Waits of a call: up to the progress deadline, or (quick calls) in slices that retry. */
export const waitOptions = (context: KubeContext, what: string, sliced: boolean): WaitOptions => ({
  what,
  intervalMs: context.intervalMs,
  timeoutMs: deadlineMs(context.target) + 30_000, // the controller reports ProgressDeadlineExceeded a little after the deadline
  sliceMs: sliced ? context.sliceMs : undefined,
});
