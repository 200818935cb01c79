/** Activity stubs with the timeouts and retries each kind of call needs. */
import { proxyActivities } from '@temporalio/workflow';
import type { DeploymentActivities } from '../activities/types';

/** Errors that no retry can fix: the plan or the platform state must change first. */
export const NON_RETRYABLE = ['InvalidPlan', 'NotFound', 'AccessDenied', 'NotReady', 'MigrationFailed'];

/** Quick platform calls: retried with backoff on throttling, 5xx and lost workers. */
export const platform = proxyActivities<DeploymentActivities>({
  startToCloseTimeout: '2m',
  heartbeatTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 8, nonRetryableErrorTypes: NON_RETRYABLE },
});

/** Long waits (readiness, migrations, analyses): they heartbeat, so a lost worker is noticed in 30s. */
export const waits = proxyActivities<DeploymentActivities>({
  startToCloseTimeout: '1h',
  heartbeatTimeout: '30s',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 5, nonRetryableErrorTypes: NON_RETRYABLE },
});

/** Rollback must reach a known state: it retries until it succeeds, visibly, in the UI's pending activities. */
export const rescue = proxyActivities<DeploymentActivities>({
  startToCloseTimeout: '2m',
  heartbeatTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
});
