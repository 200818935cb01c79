/**
 * Kubernetes: canary beside the stable Deployment (canary.ts), blue-green with a Deployment per release
 * (blue-green.ts), and migrations as Jobs (migration.ts). Candidate.data says which (`mode`) and, for a canary,
 * how traffic moves (`traffic`: gatewayRoute or replicaRatio).
 */
import { ApplicationFailure } from '@temporalio/common';
import type { KubernetesTarget, Target } from '../../plan/targets';
import type { Candidate, CandidateInput, DeployInput, MigrationInput, Platform, RollbackInput, TrafficInput } from '../types';
import {
  type BlueGreenData,
  deployBlueGreen,
  findBlueGreen,
  previewBlueGreen,
  retireBlueGreen,
  rollbackBlueGreen,
  switchBlueGreen,
  waitBlueGreenReady,
} from './blue-green';
import {
  type CanaryData,
  canaryTraffic,
  deployCanary,
  findCanary,
  promoteCanary,
  removeCanary,
  rollbackCanary,
  waitCanaryReady,
} from './canary';
import type { KubernetesClients } from './clients';
import type { Ctx } from './context';
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

const isBlueGreen = (c: Candidate): c is Candidate & { data: BlueGreenData } => c.data.mode === 'blueGreen';
const canaryData = (c: Candidate) => c.data as CanaryData;

export function kubernetesPlatform(clients: KubernetesClients, options: KubernetesPlatformOptions = {}): Platform {
  const ctx = (target: Target): Ctx => {
    const t = kubernetesTarget(target);
    return { k: clients(t), t, intervalMs: options.pollIntervalMs ?? 2_000, sliceMs: options.sliceMs ?? 90_000 };
  };

  return {
    async deploy({ target, metadata, strategy }: DeployInput) {
      const c = ctx(target);
      return strategy === 'blueGreen' ? deployBlueGreen(c, metadata) : deployCanary(c, metadata);
    },

    async waitReady({ target, candidate }: CandidateInput) {
      const c = ctx(target);
      if (isBlueGreen(candidate)) return waitBlueGreenReady(c, candidate.data);
      return waitCanaryReady(c, canaryData(candidate));
    },

    async preview({ target, candidate }: CandidateInput) {
      if (isBlueGreen(candidate)) return previewBlueGreen(ctx(target), candidate.data);
    },

    async setTraffic({ target, candidate, weight }: TrafficInput) {
      if (isBlueGreen(candidate)) return; // blue-green switches all at once, in promote
      return canaryTraffic(ctx(target), canaryData(candidate), weight);
    },

    async promote({ target, candidate }: CandidateInput) {
      const c = ctx(target);
      if (isBlueGreen(candidate)) return switchBlueGreen(c, candidate.data);
      return promoteCanary(c, canaryData(candidate));
    },

    async rollback({ target, metadata, candidate }: RollbackInput) {
      const c = ctx(target);
      if (candidate) {
        if (isBlueGreen(candidate)) return rollbackBlueGreen(c, candidate.data);
        return rollbackCanary(c, canaryData(candidate));
      }
      // The deploy call never returned: undo whatever this release created, found by its names and labels.
      const canary = await findCanary(c, metadata);
      if (canary) await rollbackCanary(c, canary);
      const blueGreen = c.t.blueGreen ? await findBlueGreen(c, metadata) : undefined;
      if (blueGreen) await rollbackBlueGreen(c, blueGreen);
    },

    async retirePrevious({ target, candidate }: CandidateInput) {
      const c = ctx(target);
      if (isBlueGreen(candidate)) return retireBlueGreen(c, candidate.data);
      return removeCanary(c, canaryData(candidate)); // promote removed it already; this makes sure
    },

    async migrate({ task, idempotencyKey, metadata }: MigrationInput) {
      if (task.type !== 'kubernetes') throw ApplicationFailure.nonRetryable(`not a kubernetes migration: ${task.type}`, 'InvalidPlan');
      return runKubernetesMigration(clients(task), task, idempotencyKey, metadata, options.pollIntervalMs ?? 2_000);
    },
  };
}
