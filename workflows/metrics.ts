/**
 * Deployment metrics, emitted from workflow code through the worker's metric meter (never on replay), so a
 * worker started with GLIDEPATH_METRICS_ADDRESS exposes them to Prometheus:
 *   glidepath_deployments{outcome}          success rate; per strategy, the canary pass rate (promoted / all)
 *   glidepath_deployment_duration{outcome}  time to deploy, trigger to promoted or rolled back (ms)
 *   glidepath_rollback_duration             time from the decision to roll back to traffic restored (ms)
 *   glidepath_abort_duration                time from an abort accepted to traffic restored (ms)
 *   glidepath_actions{action}               pauses, aborts, approvals, promotions and timeouts by people or rules
 *   glidepath_promotions{how}               promoted runs: manual when a person let it past its last gate, else automatic
 *   glidepath_analyses{outcome}             analysis results: passed, failed, inconclusive (the analysis pass rate)
 *   glidepath_paused_deployments{outcome}   runs a person paused at least once: pause rate over glidepath_deployments
 *   glidepath_rollbacks_stuck               rollback steps that failed past their retries (the run shows RollbackStuck)
 * Every series carries service, environment and strategy.
 */
import { metricMeter } from '@temporalio/workflow';
import type { AnalysisResult } from '../activities/types';
import type { Plan } from '../plan/schema';
import { strategyLabel } from './describe';

function meter(plan: Plan) {
  return metricMeter.withTags({
    service: plan.metadata.service,
    environment: plan.metadata.environment,
    strategy: strategyLabel(plan),
  });
}

export function recordOutcome(plan: Plan, outcome: 'promoted' | 'rolled-back' | 'cancelled', durationMs: number): void {
  const m = meter(plan);
  m.createCounter('glidepath_deployments', '1', 'Deployments by outcome').add(1, { outcome });
  m.createHistogram('glidepath_deployment_duration', 'int', 'ms', 'From start to promoted or rolled back').record(durationMs, { outcome });
}

export function recordRollback(plan: Plan, durationMs: number): void {
  meter(plan)
    .createHistogram('glidepath_rollback_duration', 'int', 'ms', 'From the decision to roll back to traffic restored')
    .record(durationMs);
}

/** From the moment the run accepted an abort (it may still wait for a platform call in flight) to traffic restored. */
export function recordAbortLatency(plan: Plan, durationMs: number): void {
  meter(plan)
    .createHistogram('glidepath_abort_duration', 'int', 'ms', 'From an abort accepted to traffic restored on the previous version')
    .record(Math.max(0, durationMs));
}

export function recordAction(plan: Plan, action: string): void {
  meter(plan).createCounter('glidepath_actions', '1', 'Actions on deployments by kind').add(1, { action });
}

/** `manual`: a person's approve or promote let the run past the last gate it passed; `automatic`: the plan did. */
export function recordPromotion(plan: Plan, how: 'manual' | 'automatic'): void {
  meter(plan).createCounter('glidepath_promotions', '1', 'Promoted deployments, by who let them past their last gate').add(1, { how });
}

export function recordAnalysis(plan: Plan, outcome: AnalysisResult['outcome']): void {
  meter(plan).createCounter('glidepath_analyses', '1', 'Analysis results by outcome').add(1, { outcome });
}

export function recordPausedRun(plan: Plan, outcome: 'promoted' | 'rolled-back' | 'cancelled'): void {
  meter(plan)
    .createCounter('glidepath_paused_deployments', '1', 'Deployments a person paused at least once, by outcome')
    .add(1, { outcome });
}

export function recordRollbackStuck(plan: Plan): void {
  meter(plan).createCounter('glidepath_rollbacks_stuck', '1', 'Rollback steps that failed past their retries and wait for a person').add(1);
}
