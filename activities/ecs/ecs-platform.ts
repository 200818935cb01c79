/**
 * Amazon ECS: two workloads behind one platform, picked by the plan's `deployment`: a service pair behind an
 * ALB (service-pair.ts, traffic by alb-router.ts), or ECS's own rolling update of one service (rolling.ts).
 * Migrations run as one-off tasks (migration.ts).
 */
import { ApplicationFailure } from '@temporalio/common';
import type { EcsTarget, Target } from '../../plan/targets';
import type { Platform } from '../types';
import { dispatch, releaseCalls } from '../workload';
import type { EcsClients } from './clients';
import { runEcsMigration } from './migration';
import { rollingUpdate } from './rolling';
import { servicePair } from './service-pair';

export interface EcsPlatformOptions {
  /** How often waits poll ECS and the target groups (default 5s; tests use less). */
  pollIntervalMs?: number;
}

function ecsTarget(target: Target): EcsTarget {
  if (target.type !== 'ecs') throw ApplicationFailure.nonRetryable(`not an ecs target: ${target.type}`, 'InvalidPlan');
  return target;
}

export function ecsPlatform(clients: EcsClients, options: EcsPlatformOptions = {}): Platform {
  const intervalMs = options.pollIntervalMs ?? 5_000;
  const rolling = releaseCalls(ecsTarget, rollingUpdate(clients, intervalMs));
  const pair = releaseCalls(ecsTarget, servicePair(clients, intervalMs));
  return {
    ...dispatch(({ target }) => (ecsTarget(target).deployment === 'rolling' ? rolling : pair)),
    async runMigration({ task, idempotencyKey, metadata }) {
      if (task.type !== 'ecs') throw ApplicationFailure.nonRetryable(`not an ecs migration: ${task.type}`, 'InvalidPlan');
      return runEcsMigration(clients(task.region).ecs, task, idempotencyKey, metadata, intervalMs);
    },
  };
}
