/**
 * A release's own notifications (the events and their delivery: notify-events.ts), beside those each of its
 * deployments sends. A message tells the release as a deployment's tells its plan: `service` and `system` are the
 * release's system, `version` its version, and `environment` the stage the event concerns, whose sinks get it:
 * `started` the first stage's, a gate's events the stage it lets start, `promoted` the last stage's, and the end of
 * a release that did not promote the stage that failed or was stopped before it. No traffic weight: a release's
 * targets each have their own. Workflow code: deterministic.
 */
import type { NotificationSink, NotificationTally } from '../plan/notifications';
import { EventNotifier, type NotificationSubject } from './notify-events';
import type { ReleaseRun } from './release-run';

/**
 * The patch of releases that notify; asked in the release's first workflow task. The sinks come with the release's
 * check (activities/release-sinks.ts); a release with none schedules nothing more.
 */
export const RELEASE_NOTIFICATIONS = 'release-notifications';

export class ReleaseNotifier extends EventNotifier {
  constructor(
    private readonly sinks: Record<string, NotificationSink[]>,
    private readonly run: ReleaseRun,
  ) {
    super();
  }

  /** The environment of the stage named `stage`. */
  environmentOf(stage: string): string {
    return this.run.stage(stage).environment;
  }

  protected subject(): NotificationSubject {
    const { system, version, commit, requestedBy } = this.run.release.metadata;
    return {
      service: system,
      environment: this.run.stages[0].environment,
      version,
      system,
      ...(commit ? { commit } : {}),
      ...(requestedBy ? { requestedBy } : {}),
      phase: this.run.status.phase,
    };
  }

  protected sinksFor(environment: string): NotificationSink[] {
    return this.sinks[environment] ?? [];
  }

  protected readTally(): NotificationTally | undefined {
    return this.run.status.notifications;
  }

  protected writeTally(notifications: NotificationTally): void {
    this.run.status.notifications = notifications;
    this.run.publish();
  }

  /** The whole feature came with this: a release that notifies hands its last deliveries over. */
  protected continuesAfterRun(): boolean {
    return true;
  }
}
