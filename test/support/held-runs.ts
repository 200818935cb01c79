/**
 * Abort moments, on any platform: a plan run by an in-process worker whose platform holds one call open
 * (held-platform.ts), a message sent while it is held, then the call let go and the run followed to its end; and
 * where in the run's history the rollback came, which must be after the held call closed.
 */
import type { WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { afterEach, expect } from 'vitest';
import type { Platforms } from '../../activities';
import type { Plan } from '../../plan/schema';
import { sendSignal } from '../../starters/actions';
import type { DeploymentStatus } from '../../workflows/status';
import { type Moment, holdAt } from './held-platform';
import { type Harness, startHarness, startPlan } from './temporal';

export interface HeldRun {
  handle: WorkflowHandle;
  /** The platform calls made, in order (held-platform.ts). */
  calls: string[];
  /** The final status of a run that ended promoted. */
  promoted?: DeploymentStatus;
  /** What the run's result rejected with otherwise. */
  err?: unknown;
}

export interface HeldRuns {
  /** Runs `plan` on `platforms` (one of them wrapped to hold `moment`); `act` runs while the call is held. */
  run(platforms: Platforms, plan: Plan, moment: Moment, act: (handle: WorkflowHandle) => Promise<void>): Promise<HeldRun>;
  /** `glidepath abort` as on-call sends it. */
  abort(handle: WorkflowHandle): Promise<string>;
  /** The client of the last run's harness. */
  client(): Harness['client'];
}

/** For a test file's top level: each run gets a worker with its held platform, closed after its test. */
export function useHeldRuns(): HeldRuns {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });
  return {
    async run(platforms, plan, moment, act) {
      const type = plan.target.type;
      const held = holdAt(platforms[type]!, moment);
      harness = await startHarness({ platforms: { ...platforms, [type]: held.platform } });
      const h = harness;
      return h.run(async () => {
        const handle = await startPlan(h.client, plan, h.taskQueue);
        await held.reached;
        await act(handle);
        held.release();
        const end = await handle.result().then(
          (r): Partial<HeldRun> => ({ promoted: r.status }),
          (err): Partial<HeldRun> => ({ err }),
        );
        return { handle, calls: held.calls, ...end };
      });
    },
    abort: (handle) => sendSignal(harness!.client, handle.workflowId, 'abort', { by: 'oncall', reason: 'test' }),
    client: () => harness!.client,
  };
}

/** Where in history the held call closed, and where the rollback was scheduled: the rollback must come after. */
export async function expectRollbackAfter(handle: WorkflowHandle, activityType: string): Promise<void> {
  const { EventType } = temporal.api.enums.v1;
  const events = (await handle.fetchHistory()).events ?? [];
  const scheduledIds = new Map<string, string>();
  for (const e of events) {
    if (e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)
      scheduledIds.set(String(e.eventId), e.activityTaskScheduledEventAttributes!.activityType!.name!);
  }
  const closedAt = events.findIndex((e) => {
    const attrs = e.activityTaskCompletedEventAttributes ?? e.activityTaskCanceledEventAttributes ?? e.activityTaskFailedEventAttributes;
    return attrs && scheduledIds.get(String(attrs.scheduledEventId)) === activityType;
  });
  const rollbackAt = events.findIndex(
    (e) =>
      e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED &&
      e.activityTaskScheduledEventAttributes!.activityType!.name === 'rollBack',
  );
  expect(closedAt).toBeGreaterThan(-1);
  expect(rollbackAt).toBeGreaterThan(closedAt);
}
