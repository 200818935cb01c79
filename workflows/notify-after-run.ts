/**
 * Deliveries that outlive their run. A run cannot retry once it has closed, so a delivery still being tried when
 * the run ends (its receiver down through a restart, say) is handed to a `notificationWorkflow` of its own: the run
 * starts it as a child it abandons (ParentClosePolicy ABANDON), so it goes on after the run closed and retries up to
 * the delivery's deadline, 3 minutes after the event, like the run would have. Its ID is the delivery's
 * (`notify:<notification id>/<sink>`) and a second start with it is refused, so one workflow at most goes on with a
 * delivery (a replay of the run issues no command again). A delivery that fails for good is counted in
 * glidepath_notifications_failed_total, and its workflow closes Failed with the cause. Workflow code: deterministic.
 */
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import {
  type ActivityOptions,
  ActivityCancellationType,
  ApplicationFailure,
  ParentClosePolicy,
  WorkflowIdReusePolicy,
  proxyActivities,
  startChild,
} from '@temporalio/workflow';
import type { NotificationActivities, NotifyInput } from '../activities/notify';
import type { NotificationSink } from '../plan/notifications';
import { describeFailure } from './failures';
import { recordNotificationFailed } from './policy-metrics';

/** How long a delivery is tried, from its event on. */
export const DELIVERY_DEADLINE_MS = 3 * 60_000;

/**
 * A delivery is tried for up to DELIVERY_DEADLINE_MS, each attempt for up to 15s (activities/notify.ts stops its
 * request at 10s). ABANDON: nothing ever waits for a delivery to acknowledge a cancellation.
 */
export const DELIVERY_OPTIONS = {
  scheduleToCloseTimeout: DELIVERY_DEADLINE_MS,
  startToCloseTimeout: '15s',
  cancellationType: ActivityCancellationType.ABANDON,
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '30s',
    nonRetryableErrorTypes: ['NotificationMisconfigured', 'NotificationRefused'],
  },
} satisfies ActivityOptions;

export interface DeliveryAfterRun extends NotifyInput {
  /** When trying stops: DELIVERY_DEADLINE_MS after the event (an ISO instant). */
  deadline: string;
}

/** The workflow ID of a delivery that outlives its run. */
export const deliveryWorkflowId = (notificationId: string, sink: NotificationSink) => `notify:${notificationId}/${sink.name}`;

/** Delivers one notification to one sink until its deadline; fails, with the cause, when it cannot. */
export async function notificationWorkflow({ sink, notification, deadline }: DeliveryAfterRun): Promise<void> {
  // At least one whole attempt, even for a delivery handed over just before its deadline.
  const left = Math.max(Date.parse(deadline) - Date.now(), 15_000);
  const delivery = proxyActivities<NotificationActivities>({ ...DELIVERY_OPTIONS, scheduleToCloseTimeout: left });
  try {
    await delivery.notify.executeWithOptions({ summary: `notify ${sink.name}: ${notification.event}` }, [{ sink, notification }]);
  } catch (err) {
    recordNotificationFailed(notification, sink.name, notification.event);
    throw ApplicationFailure.create({
      message: `${notification.event} → ${sink.name}: ${describeFailure(err)}`,
      type: 'NotificationUndelivered',
      nonRetryable: true,
    });
  }
}

/**
 * Starts the workflow that goes on with a delivery after its run; resolves once it started (or one with its ID had
 * been started before: that one delivers it), with the error when it could not start.
 */
export async function continueAfterRun({ sink, notification }: NotifyInput): Promise<string | undefined> {
  try {
    await startChild(notificationWorkflow, {
      workflowId: deliveryWorkflowId(notification.id, sink),
      args: [{ sink, notification, deadline: new Date(Date.parse(notification.at) + DELIVERY_DEADLINE_MS).toISOString() }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      staticSummary: `notify ${sink.name}: ${notification.summary}`.slice(0, 200),
    });
    return undefined;
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return undefined;
    return describeFailure(err);
  }
}
