/** Activity stubs with the timeouts and retries each kind of call needs. */
import { ActivityCancellationType, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { DeploymentActivities } from '../activities/types';

/** Errors that no retry can fix: the plan or the platform state must change first. */
export const NON_RETRYABLE = ['InvalidPlan', 'NotFound', 'AccessDenied', 'NotReady', 'MigrationFailed'];

/**
 * Heartbeat timeout of every call that heartbeats: a call whose worker died is retried on another worker after
 * this long. Workers heartbeat at least every second (workers/worker.ts), so 10s leaves room for a busy event
 * loop while keeping failover of a call in flight near 11s (this plus the first retry interval).
 */
const HEARTBEAT_TIMEOUT = '10s';

/**
 * Quick platform calls: retried with backoff on throttling, 5xx and lost workers.
 *
 * An abort waits for the call in flight to stop (the call hears the cancel on its next heartbeat, or runs to
 * its end) before any rollback call starts, so a slow traffic change can never land after the rollback.
 */
export const platform = proxyActivities<DeploymentActivities>({
  startToCloseTimeout: '2m',
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '30s',
    maximumAttempts: 8,
    nonRetryableErrorTypes: NON_RETRYABLE,
  },
});

/** Checking the plan's rules where zod may run (outside workflow code). */
export const checks = proxyActivities<DeploymentActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', maximumAttempts: 3, nonRetryableErrorTypes: NON_RETRYABLE },
});

/** The same checks as local activities: pure CPU on the worker that runs the workflow, one marker in history. */
export const localChecks = proxyLocalActivities<DeploymentActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', maximumAttempts: 3, nonRetryableErrorTypes: NON_RETRYABLE },
});

/** Long waits (readiness, migrations, analyses): they heartbeat, so a lost worker is noticed in 10s. */
export const waits = proxyActivities<DeploymentActivities>({
  startToCloseTimeout: '1h',
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 5, nonRetryableErrorTypes: NON_RETRYABLE },
});

/**
 * Undo calls (rollback, down-migration) must reach a known state. Every error is retried with backoff (the
 * activities report even "access denied" as retryable for these); after ~4 minutes of failures the rollout shows
 * RollbackStuck with the reason, and the same step is tried again every few minutes or when a person resumes it.
 */
export const rescue = proxyActivities<DeploymentActivities>({
  startToCloseTimeout: '2m',
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 10 },
});

/**
 * After promotion: removing what is left of the previous version. A failure here never undoes the promotion;
 * it is reported on the promoted run as a cleanup to finish by hand.
 */
export const cleanup = proxyActivities<DeploymentActivities>({
  startToCloseTimeout: '2m',
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 10 },
});
