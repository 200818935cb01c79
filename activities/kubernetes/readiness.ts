/**
 * Whether a Deployment has rolled out, read from its own status as `kubectl rollout status` does: the
 * controller has seen the latest spec (observedGeneration), every replica runs the current template
 * (updatedReplicas) and is available, no old replica is left, and the Progressing condition has not given
 * up (ProgressDeadlineExceeded, set by the controller after spec.progressDeadlineSeconds without progress).
 *
 * The controller applies that deadline to rollouts (a new template) only, not to scaling: a Deployment scaled up
 * whose new Pods never turn Ready stays "NewReplicaSetAvailable" for ever. So when Glidepath scales a
 * Deployment it records when (annotation glidepath/scaled), and holds the scale-up to the same deadline.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { V1Deployment, V1Pod } from '@kubernetes/client-node';
import { pollUntil } from '../poll';
import type { ClusterClients } from './clients';
import { deploymentRef, list, read, selectorString } from './objects';

/** On a Deployment Glidepath scaled: `<replicas>@<ISO time>` of the last change of spec.replicas. */
export const ANNOTATION_SCALED = 'glidepath/scaled';

/** The annotation to write with a change of replicas (none when `deployment` has that many already: a retry keeps the clock). */
export function scaledAnnotation(deployment: V1Deployment | undefined, replicas: number): Record<string, string> {
  if (deployment && (deployment.spec?.replicas ?? 1) === replicas) return {};
  return { [ANNOTATION_SCALED]: `${replicas}@${new Date().toISOString()}` };
}

export interface RolloutState {
  done: boolean;
  /** Set when the controller gave up: the Progressing condition's reason and message. */
  failed?: string;
  summary: string;
}

export function rolloutState(deployment: V1Deployment): RolloutState {
  const want = deployment.spec?.replicas ?? 1;
  const status = deployment.status ?? {};
  const observed = (status.observedGeneration ?? 0) >= (deployment.metadata?.generation ?? 1);
  const updated = status.updatedReplicas ?? 0;
  const available = status.availableReplicas ?? 0;
  const total = status.replicas ?? 0;
  const progressing = status.conditions?.find((c) => c.type === 'Progressing');
  const counts = `${updated}/${want} updated, ${available}/${want} available${total > want ? `, ${total - want} old` : ''}`;
  const summary = progressing?.message ? `${counts}; ${progressing.message}` : counts;
  if (!observed) return { done: false, summary: `${summary} (spec not yet observed by the controller)` };
  if (progressing?.status === 'False' && progressing.reason === 'ProgressDeadlineExceeded') {
    return { done: false, failed: `${progressing.reason}: ${progressing.message ?? 'no progress'}`, summary };
  }
  const done = updated === want && available === want && total === want;
  const [scaledTo, scaledAt] = (deployment.metadata?.annotations?.[ANNOTATION_SCALED] ?? '').split('@');
  const deadline = deployment.spec?.progressDeadlineSeconds;
  if (
    !done &&
    progressing?.reason === 'NewReplicaSetAvailable' &&
    Number(scaledTo) === want &&
    deadline !== undefined &&
    Date.now() - Date.parse(scaledAt) > deadline * 1000
  ) {
    const availability = status.conditions?.find((c) => c.type === 'Available' && c.status === 'False')?.message;
    return {
      done,
      failed: `not available ${deadline}s after scaling to ${want} Pods${availability ? ` (${availability})` : ''}`,
      summary: counts,
    };
  }
  return { done, summary };
}

export interface WaitOptions {
  /** What is awaited, for heartbeats and messages. */
  what: string;
  intervalMs: number;
  /** Past this the rollout has failed (its progress deadline plus a margin for the controller to say so). */
  timeoutMs: number;
  /**
   * Return control after this long with a retryable failure when the rollout is still progressing: calls with a
   * short activity timeout wait in slices, and the Deployment's own progress deadline decides failure.
   */
  sliceMs?: number;
}

/** Waits until the Deployment has rolled out; fails with type NotReady and the controller's reason if it cannot. */
export async function waitRolledOut(cluster: ClusterClients, namespace: string, name: string, options: WaitOptions): Promise<void> {
  let last = 'not read yet';
  const sliced = options.sliceMs !== undefined && options.sliceMs < options.timeoutMs;
  try {
    await pollUntil(
      async () => {
        const deployment = await read<V1Deployment>(cluster, deploymentRef(namespace, name));
        if (!deployment)
          throw ApplicationFailure.nonRetryable(`${options.what}: Deployment ${namespace}/${name} does not exist`, 'NotFound');
        const state = rolloutState(deployment);
        last = state.summary;
        if (state.failed)
          throw ApplicationFailure.nonRetryable(
            `${options.what}: ${state.failed} (${state.summary})${await unreadyPod(cluster, deployment)}`,
            'NotReady',
          );
        return state.done ? true : undefined;
      },
      { what: options.what, intervalMs: options.intervalMs, timeoutMs: sliced ? options.sliceMs! : options.timeoutMs },
    );
  } catch (err) {
    const timedOut = err instanceof ApplicationFailure && err.type === 'NotReady' && /not reached within/.test(err.message);
    if (!timedOut) throw err;
    if (sliced) throw ApplicationFailure.retryable(`${options.what}: still rolling out (${last})`, 'RollingOut');
    throw ApplicationFailure.nonRetryable(`${err.message}; last seen: ${last}`, 'NotReady');
  }
}

/** Why one of the Deployment's Pods is not Ready, as its Ready condition says (e.g. a failing readiness probe). */
async function unreadyPod(cluster: ClusterClients, deployment: V1Deployment): Promise<string> {
  try {
    const labels = deployment.spec?.selector?.matchLabels;
    if (!labels) return '';
    const pods = await list<V1Pod>(cluster, 'v1', 'Pod', deployment.metadata!.namespace!, selectorString(labels));
    for (const pod of pods) {
      const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
      if (ready?.status === 'True' || pod.metadata?.deletionTimestamp) continue;
      const waiting = pod.status?.containerStatuses?.find((c) => c.state?.waiting)?.state?.waiting;
      const why =
        ready?.message ??
        waiting?.message ??
        waiting?.reason ??
        pod.status?.conditions?.find((c) => c.status === 'False')?.message ??
        pod.status?.phase;
      return `; Pod ${pod.metadata?.name}: ${why}`;
    }
  } catch {
    /* the reason above stands on its own */
  }
  return '';
}
