/**
 * A workflow interceptor for tests that stands in for a bug in workflow code: a TypeError, the kind of error that
 * would otherwise fail the workflow task on every retry and leave the run stuck. Where it throws depends on the
 * service the plan deploys (the deployment's workflow ID is `deploy:<service>/<environment>`):
 * - `before-…`: at the plan check, before anything changed;
 * - `tail-…`: in every metric recorded once the previous version's removal was scheduled (the promoted run's end);
 * - `undo-…`: at the 50% traffic step, then at the first undo call, at the first wait of the stuck rollback, and in
 *   every metric recorded from the first undo call on (the rollback);
 * - any other: at the 50% traffic step (on the way forward).
 * The state is per run, and the same calls come in the same order on replay, so a replay throws where the run did.
 */
import { type WorkflowInterceptorsFactory, workflowInfo } from '@temporalio/workflow';

const bug = (where: string) => new TypeError(`Cannot read properties of undefined (reading 'weight') [${where}]`);

export const interceptors: WorkflowInterceptorsFactory = () => {
  const service = workflowInfo().workflowId.replace(/^deploy:/, '');
  const mode = ['before', 'tail', 'undo'].find((m) => service.startsWith(`${m}-`)) ?? 'forward';
  let metricsBroken = false;
  let undoCalls = 0;
  let stuckWaits = 0;
  return {
    outbound: [
      {
        scheduleLocalActivity(input, next) {
          if (mode === 'before' && input.activityType === 'checkRun') throw bug('plan check');
          return next(input);
        },
        scheduleActivity(input, next) {
          const weight = (input.args[0] as { weight?: number })?.weight;
          if (mode !== 'before' && mode !== 'tail' && input.activityType === 'setTrafficWeight' && weight === 50) throw bug('traffic 50%');
          if (mode === 'tail' && input.activityType === 'retirePrevious') metricsBroken = true;
          if (mode === 'undo' && input.activityType === 'rollBack') {
            metricsBroken = true;
            if (undoCalls++ === 0) throw bug('undo call');
          }
          return next(input);
        },
        startTimer(input, next) {
          if (mode === 'undo' && input.options?.summary?.startsWith('rollback stuck') && stuckWaits++ === 0) throw bug('stuck wait');
          return next(input);
        },
        getMetricTags(input, next) {
          if (metricsBroken) throw bug('metric');
          return next(input);
        },
      },
    ],
  };
};
