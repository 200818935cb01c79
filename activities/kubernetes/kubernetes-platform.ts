/**
 * Kubernetes: two workloads behind one platform, picked by the strategy (deploy) or the candidate's `mode`:
 * a canary beside the stable Deployment (canary.ts; traffic by route-router.ts or replica-ratio-router.ts), and
 * blue-green with a Deployment per release (blue-green.ts; traffic by service-switch-router.ts). Migrations run
 * as Jobs (migration.ts).
 */
import { ApplicationFailure } from '@temporalio/common';
import type { KubernetesTarget, Target } from '../../plan/targets';
import type { Platform } from '../types';
import { dispatch, releaseCalls } from '../workload';
import { blueGreenDeployments } from './blue-green';
import { canaryDeployment } from './canary';
import type { KubernetesClients } from './clients';
import type { KubeContext } from './context';
import { runKubernetesMigration } from './migration';

export interface KubernetesPlatformOptions {
  /** How often waits read the cluster (default 2s; tests use less). */
  pollIntervalMs?: number;
  /** Longest wait inside one quick platform call (traffic, promote, rollback) before it retries (default 90s). */
  sliceMs?: number;
}

function kubernetesTarget(target: Target): KubernetesTarget {
  if (target.type !== 'kubernetes') throw ApplicationFailure.nonRetryable(`not a kubernetes target: ${target.type}`, 'InvalidPlan');
  return target;
}

export function kubernetesPlatform(clients: KubernetesClients, options: KubernetesPlatformOptions = {}): Platform {
  const intervalMs = options.pollIntervalMs ?? 2_000;
  const contextOf = (target: KubernetesTarget): KubeContext => ({
    cluster: clients(target),
    target,
    intervalMs,
    sliceMs: options.sliceMs ?? 90_000,
  });
  const canary = releaseCalls(kubernetesTarget, canaryDeployment(contextOf));
  const blueGreen = releaseCalls(kubernetesTarget, blueGreenDeployments(contextOf));
  const calls = dispatch(({ strategy, candidate }) => ((strategy ?? candidate?.data.mode) === 'blueGreen' ? blueGreen : canary));
  return {
    ...calls,
    async rollBack(input) {
      if (input.candidate) return calls.rollBack(input);
      // The deploy call never returned: undo whatever this release created, of either kind, found by its names and labels.
      await canary.rollBack(input);
      await blueGreen.rollBack(input);
    },
    async runMigration({ task, idempotencyKey, metadata }) {
      if (task.type !== 'kubernetes') throw ApplicationFailure.nonRetryable(`not a kubernetes migration: ${task.type}`, 'InvalidPlan');
      return runKubernetesMigration(clients(task), task, idempotencyKey, metadata, intervalMs);
    },
  };
}
