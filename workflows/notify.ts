/**
 * A deployment's notifications (the events and their delivery: notify-events.ts): each message tells the plan's
 * service, environment and release, and the run's phase and traffic weight when the event happened.
 * Workflow code: deterministic.
 */
import { patched } from '@temporalio/workflow';
import type { NotificationSink, NotificationTally } from '../plan/notifications';
import { EventNotifier, type NotificationSubject } from './notify-events';
import type { Rollout } from './rollout';

/** The patch of runs that notify; asked only when the run's policy has sinks, so other runs' histories stay as they were. */
export const NOTIFICATIONS = 'notifications';

/**
 * The patch of runs whose deliveries still being tried when they end go on after them (notify-after-run.ts); runs
 * before it abandoned them. Asked only by a run that ends with such deliveries, after the final wait's timer: a run
 * of any generation may have ended before it (lean-history.ts's `inForce` would answer "in force" for those).
 */
export const NOTIFICATIONS_AFTER_RUN = 'notifications-after-run';

export class Notifier extends EventNotifier {
  constructor(
    private readonly sinks: NotificationSink[],
    private readonly rollout: Rollout,
    private readonly system?: string,
  ) {
    super();
  }

  protected subject(): NotificationSubject {
    const { metadata } = this.rollout.plan;
    const { status } = this.rollout;
    return {
      service: metadata.service,
      environment: metadata.environment,
      version: metadata.release,
      ...(this.system ? { system: this.system } : {}),
      ...(metadata.commit ? { commit: metadata.commit } : {}),
      ...(metadata.requestedBy ? { requestedBy: metadata.requestedBy } : {}),
      phase: status.phase,
      weight: status.weight,
    };
  }

  protected sinksFor(): NotificationSink[] {
    return this.sinks;
  }

  protected readTally(): NotificationTally | undefined {
    return this.rollout.status.notifications;
  }

  protected writeTally(notifications: NotificationTally): void {
    this.rollout.update({ notifications });
  }

  protected continuesAfterRun(): boolean {
    return patched(NOTIFICATIONS_AFTER_RUN);
  }
}
