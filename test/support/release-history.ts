/**
 * What a release did, read from its workflow history: the activities it scheduled, the children it started, the
 * targets that reported themselves moved, the messages it sent them, and how each child closed, in order.
 */
import type { WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { TargetHeld } from '../../workflows/release-messages';

const E = temporal.api.enums.v1.EventType;

/**
 * Lines such as `activity runMigration`, `start deploy:a/prod`, `held deploy:a/prod`, `confirm deploy:a/prod`, `closed deploy:a/prod`.
 * The release file's check at start (`checkRelease`) is left out: it changes nothing on a platform.
 */
export async function releaseTimeline(handle: WorkflowHandle): Promise<string[]> {
  const lines: string[] = [];
  for (const e of (await handle.fetchHistory()).events ?? []) {
    switch (e.eventType) {
      case E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED: {
        const type = e.activityTaskScheduledEventAttributes!.activityType!.name;
        if (type !== 'checkRelease') lines.push(`activity ${type}`);
        break;
      }
      case E.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED:
        lines.push(`start ${e.startChildWorkflowExecutionInitiatedEventAttributes!.workflowId}`);
        break;
      case E.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED: {
        const a = e.workflowExecutionSignaledEventAttributes!;
        if (a.signalName !== 'targetHeld') break;
        const report = defaultPayloadConverter.fromPayload<TargetHeld>(a.input!.payloads![0]);
        lines.push(`held ${report.workflowId}`);
        break;
      }
      case E.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED: {
        const a = e.signalExternalWorkflowExecutionInitiatedEventAttributes!;
        lines.push(`${a.signalName} ${a.workflowExecution!.workflowId}`);
        break;
      }
      case E.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED:
        lines.push(`promoted ${e.childWorkflowExecutionCompletedEventAttributes!.workflowExecution!.workflowId}`);
        break;
      case E.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_FAILED:
        lines.push(`failed ${e.childWorkflowExecutionFailedEventAttributes!.workflowExecution!.workflowId}`);
        break;
    }
  }
  return lines;
}

/** Where `line` is in the timeline (a test failure if it is not there). */
export function at(timeline: string[], line: string): number {
  const i = timeline.indexOf(line);
  if (i < 0) throw new Error(`"${line}" is not in the release's history:\n${timeline.join('\n')}`);
  return i;
}
