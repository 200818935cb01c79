/**
 * A workflow interceptor for tests that stands in for a bug in workflow code: scheduling the 50% traffic step
 * throws a TypeError, the kind of error that would otherwise fail the workflow task and leave the run stuck.
 */
import type { WorkflowInterceptorsFactory } from '@temporalio/workflow';

export const interceptors: WorkflowInterceptorsFactory = () => ({
  outbound: [
    {
      scheduleActivity(input, next) {
        if (input.activityType === 'setTrafficWeight' && (input.args[0] as { weight?: number })?.weight === 50) {
          throw new TypeError("Cannot read properties of undefined (reading 'weight')");
        }
        return next(input);
      },
    },
  ],
});
