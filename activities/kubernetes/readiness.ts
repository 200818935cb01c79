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

/** The annotation to write with a change of replicas (none when `d` has that many already: a retry keeps the clock). */
export function scaledAnnotation(d: V1Deployment | undefined, replicas: number): Record<string, string> {
  if (d && (d.spec?.replicas ?? 1) === replicas) return {};
  return { [ANNOTATION_SCALED]: `${replicas}@${new Date().toISOString()}` };
}

export interface RolloutState {
  done: boolean;
  /** Set when the controller gave up: the Progressing condition's reason and message. */
  failed?: string;
  summary: string;
}

export function rolloutState(d: V1Deployment): RolloutState {
  const want = d.spec?.replicas ?? 1;
  const s = d.status ?? {};
  const observed = (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 1);
  const updated = s.updatedReplicas ?? 0;
  const available = s.availableReplicas ?? 0;
  const total = s.replicas ?? 0;
  const progressing = s.conditions?.find((c) => c.type === 'Progressing');
  const counts = `${updated}/${want} updated, ${available}/${want} available${total > want ? `, ${total - want} old` : ''}`;
  const summary = progressing?.message ? `${counts}; ${progressing.message}` : counts;
  if (!observed) return { done: false, summary: `${summary} (spec not yet observed by the controller)` };
  if (progressing?.status === 'False' && progressing.reason === 'ProgressDeadlineExceeded') {
    return { done: false, failed: `${progressing.reason}: ${progressing.message ?? 'no progress'}`, summary };
  }
  const done = updated === want && available === want && total === want;
  const [scaledTo, scaledAt] = (d.metadata?.annotations?.[ANNOTATION_SCALED] ?? '').split('@');
  const deadline = d.spec?.progressDeadlineSeconds;
  if (
    !done &&
    progressing?.reason === 'NewReplicaSetAvailable' &&
    Number(scaledTo) === want &&
    deadline !== undefined &&
    Date.now() - Date.parse(scaledAt) > deadline * 1000
  ) {
    const availability = s.conditions?.find((c) => c.type === 'Available' && c.status === 'False')?.message;
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
export async function waitRolledOut(k: ClusterClients, namespace: string, name: string, opts: WaitOptions): Promise<void> {
  let last = 'not read yet';
  const sliced = opts.sliceMs !== undefined && opts.sliceMs < opts.timeoutMs;
  try {
    await pollUntil(
      async () => {
        const d = await read<V1Deployment>(k, deploymentRef(namespace, name));
        if (!d) throw ApplicationFailure.nonRetryable(`${opts.what}: Deployment ${namespace}/${name} does not exist`, 'NotFound');
        const state = rolloutState(d);
        last = state.summary;
        if (state.failed)
          throw ApplicationFailure.nonRetryable(`${opts.what}: ${state.failed} (${state.summary})${await unreadyPod(k, d)}`, 'NotReady');
        return state.done ? true : undefined;
      },
      { what: opts.what, intervalMs: opts.intervalMs, timeoutMs: sliced ? opts.sliceMs! : opts.timeoutMs },
    );
  } catch (err) {
    const timedOut = err instanceof ApplicationFailure && err.type === 'NotReady' && /not reached within/.test(err.message);
    if (!timedOut) throw err;
    if (sliced) throw ApplicationFailure.retryable(`${opts.what}: still rolling out (${last})`, 'RollingOut');
    throw ApplicationFailure.nonRetryable(`${err.message}; last seen: ${last}`, 'NotReady');
  }
}

/** Why one of the Deployment's Pods is not Ready, as its Ready condition says (e.g. a failing readiness probe). */
async function unreadyPod(k: ClusterClients, d: V1Deployment): Promise<string> {
  try {
    const labels = d.spec?.selector?.matchLabels;
    if (!labels) return '';
    const pods = await list<V1Pod>(k, 'v1', 'Pod', d.metadata!.namespace!, selectorString(labels));
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
