/** A run's timers and activities as its history records them, with the workflow's (possibly skipped) clock. */
import type { WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

const { EVENT_TYPE_TIMER_STARTED, EVENT_TYPE_TIMER_FIRED, EVENT_TYPE_ACTIVITY_TASK_SCHEDULED } = temporal.api.enums.v1.EventType;

type Event = temporal.api.history.v1.IHistoryEvent;

const ms = (t: { seconds?: unknown; nanos?: number | null } | null | undefined) =>
  Number(t?.seconds ?? 0) * 1000 + Math.floor((t?.nanos ?? 0) / 1e6);

export interface Timer {
  summary: string;
  startedAt: number;
  durationMs: number;
  /** When it fired; absent when it was cancelled (its condition came true first). */
  firedAt?: number;
}

export interface ScheduledActivity {
  type: string;
  summary: string;
  at: number;
}

function summaryOf(e: Event): string {
  const data = e.userMetadata?.summary?.data;
  return data ? JSON.parse(Buffer.from(data).toString()) : '';
}

export async function historyEvents(handle: WorkflowHandle): Promise<{ timers: Timer[]; activities: ScheduledActivity[] }> {
  const events = (await handle.fetchHistory()).events ?? [];
  const timers = new Map<string, Timer>();
  const activities: ScheduledActivity[] = [];
  for (const e of events) {
    if (e.eventType === EVENT_TYPE_TIMER_STARTED)
      timers.set(e.timerStartedEventAttributes!.timerId!, {
        summary: summaryOf(e),
        startedAt: ms(e.eventTime),
        durationMs: ms(e.timerStartedEventAttributes!.startToFireTimeout),
      });
    if (e.eventType === EVENT_TYPE_TIMER_FIRED) timers.get(e.timerFiredEventAttributes!.timerId!)!.firedAt = ms(e.eventTime);
    if (e.eventType === EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)
      activities.push({ type: e.activityTaskScheduledEventAttributes!.activityType!.name!, summary: summaryOf(e), at: ms(e.eventTime) });
  }
  return { timers: [...timers.values()], activities };
}
