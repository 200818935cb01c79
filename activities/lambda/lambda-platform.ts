/**
 * AWS Lambda: a release is a published function version (function-versions.ts); traffic moves by the alias's
 * weighted routing (alias-router.ts); migrations invoke a function once per key (migration.ts).
 */
import { LambdaClient } from '@aws-sdk/client-lambda';
import { ApplicationFailure } from '@temporalio/common';
import type { LambdaTarget, Target } from '../../plan/targets';
import { perRegion } from '../aws-clients';
import type { Platform } from '../types';
import { releaseCalls } from '../workload';
import { functionVersions } from './function-versions';
import { runLambdaMigration } from './migration';

export type LambdaClients = (region?: string) => LambdaClient;

function lambdaTarget(target: Target): LambdaTarget {
  if (target.type !== 'lambda') throw ApplicationFailure.nonRetryable(`not a lambda target: ${target.type}`, 'InvalidPlan');
  return target;
}

export function lambdaPlatform(clients: LambdaClients, options: { readyTimeoutMs?: number } = {}): Platform {
  return {
    ...releaseCalls(lambdaTarget, functionVersions(clients, options.readyTimeoutMs ?? 5 * 60_000)),
    async runMigration({ task, idempotencyKey, metadata }) {
      if (task.type !== 'lambda') throw ApplicationFailure.nonRetryable(`not a lambda migration: ${task.type}`, 'InvalidPlan');
      return runLambdaMigration(clients(task.region), task, idempotencyKey, metadata);
    },
  };
}

export function defaultLambdaClients(): LambdaClients {
  return perRegion((config) => new LambdaClient(config));
}
