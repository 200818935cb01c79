/**
 * A migration as a Kubernetes Job, run at most once per idempotency key: the Job's name is derived from the
 * key, so an attempt after a worker crash finds the Job the first one created (running or finished) and waits
 * for it instead of creating another. The finished Job is the record that the key was applied; it has no
 * ttlSecondsAfterFinished, so it stays until someone deletes it.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { V1Job, V1Pod } from '@kubernetes/client-node';
import { durationMs } from '../../plan/duration';
import type { Metadata } from '../../plan/schema';
import type { KubernetesMigration } from '../../plan/targets';
import { pollUntil } from '../poll';
import { sha256Hex } from '../../plan/sha256-hex';
import { releaseMarker } from '../release-marks';
import type { MigrationResult } from '../types';
import type { ClusterClients } from './clients';
import { ANNOTATION_RELEASE, LABEL_MANAGED_BY, apply, jobRef, list, read } from './objects';

const CONTAINER = 'migrate';
const LABEL_MIGRATION = 'glidepath/migration';
const MAX_LOG_CHARS = 2_000;

/** `<service>-migrate-<hash of the key>`: at most 63 characters (the Job's Pods carry it as a label). */
export function migrationJobName(service: string, key: string): string {
  return `${service.slice(0, 40).replace(/-+$/, '')}-migrate-${sha256Hex(key, 12)}`;
}

function jobSpec(task: KubernetesMigration, name: string, key: string, metadata: Metadata): V1Job {
  const labels = { [LABEL_MANAGED_BY]: 'glidepath', [LABEL_MIGRATION]: name.slice(-12) };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name,
      namespace: task.namespace,
      labels,
      annotations: { [ANNOTATION_RELEASE]: releaseMarker(metadata), 'glidepath/idempotency-key': key },
    },
    spec: {
      backoffLimit: task.backoffLimit,
      activeDeadlineSeconds: Math.ceil(durationMs(task.timeout) / 1000),
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          serviceAccountName: task.serviceAccountName,
          containers: [
            {
              name: CONTAINER,
              image: task.image,
              command: task.command,
              env: [
                ...Object.entries(task.env ?? {}).map(([envName, value]) => ({ name: envName, value })),
                ...(task.secretEnv ?? []).map((secret) => ({
                  name: secret.name,
                  valueFrom: { secretKeyRef: { name: secret.secretName, key: secret.key } },
                })),
              ],
            },
          ],
        },
      },
    },
  };
}

const condition = (job: V1Job, type: string) => job.status?.conditions?.find((c) => c.type === type && c.status === 'True');

export async function runKubernetesMigration(
  cluster: ClusterClients,
  task: KubernetesMigration,
  key: string,
  metadata: Metadata,
  intervalMs: number,
): Promise<MigrationResult> {
  const name = migrationJobName(metadata.service, key);
  const where = `${task.namespace}/${name}`;
  const existing = await read<V1Job>(cluster, jobRef(task.namespace, name));
  const finishedBefore = existing !== undefined && (condition(existing, 'Complete') ?? condition(existing, 'Failed')) !== undefined;
  if (!existing) await apply(cluster, jobSpec(task, name, key, metadata));

  const job = await pollUntil(
    async () => {
      const current = await read<V1Job>(cluster, jobRef(task.namespace, name));
      if (!current) throw ApplicationFailure.nonRetryable(`migration Job ${where} was deleted before it finished`, 'MigrationFailed');
      return condition(current, 'Complete') || condition(current, 'Failed') ? current : undefined;
    },
    { what: `migration Job ${where}`, intervalMs, timeoutMs: durationMs(task.timeout) + 60_000 },
  );
  const failed = condition(job, 'Failed');
  if (failed) {
    const why = `${failed.reason ?? 'Failed'}${failed.message ? `: ${failed.message}` : ''}`;
    throw ApplicationFailure.nonRetryable(
      `migration Job ${where} failed (${why})${await podReport(cluster, task.namespace, name)}`,
      'MigrationFailed',
    );
  }
  return finishedBefore ? { ran: false, output: `already applied by Job ${where}` } : { ran: true, output: `Job ${where} completed` };
}

/** What the Job's failed Pods say: exit codes and reasons, and the end of their logs when the node keeps them. */
async function podReport(cluster: ClusterClients, namespace: string, job: string): Promise<string> {
  let pods: V1Pod[];
  try {
    pods = await list<V1Pod>(cluster, 'v1', 'Pod', namespace, `job-name=${job}`);
  } catch (err) {
    return `; its Pods could not be listed: ${(err as Error).message.split('\n')[0]}`;
  }
  const failed = pods.filter((pod) => pod.status?.phase === 'Failed').slice(-2);
  const parts: string[] = [];
  for (const pod of failed) {
    const podName = pod.metadata?.name ?? '?';
    const terminated = pod.status?.containerStatuses?.find((status) => status.name === CONTAINER)?.state?.terminated;
    const exit = terminated
      ? `exit code ${terminated.exitCode}` +
        (terminated.reason ? ` (${terminated.reason}${terminated.message ? `: ${terminated.message}` : ''})` : '')
      : (pod.status?.reason ?? 'failed');
    parts.push(`Pod ${podName}: ${exit}; ${await podLog(cluster, namespace, podName)}`);
  }
  return parts.length ? `; ${parts.join('; ')}` : '; no failed Pod left to inspect';
}

async function podLog(cluster: ClusterClients, namespace: string, name: string): Promise<string> {
  try {
    const text = await cluster.core.readNamespacedPodLog({ name, namespace, container: CONTAINER, tailLines: 30 });
    const trimmed = (text ?? '').trim();
    if (!trimmed) return 'its log is empty';
    return `log:\n${trimmed.length > MAX_LOG_CHARS ? `…${trimmed.slice(-MAX_LOG_CHARS)}` : trimmed}`;
  } catch (err) {
    // Nodes forget logs (and simulated ones never had any): the exit code above still says what happened.
    return `log unavailable (${statusMessage(err)})`;
  }
}

function statusMessage(err: unknown): string {
  const body = (err as { body?: unknown }).body;
  try {
    const status = typeof body === 'string' ? JSON.parse(body) : body;
    if (status && typeof status === 'object' && 'message' in status) return String((status as { message: unknown }).message);
  } catch {
    /* not a Status */
  }
  return (err as Error).message?.split('\n')[0] ?? String(err);
}
