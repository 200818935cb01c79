/**
 * Notifications a run sends to the policy's webhook sinks: the events, and the message the workflow hands the
 * `notify` activity. Pure: imported by workflow code, the activities and the policy schema.
 */

/** Every event a run notifies, in the order a run meets them. A sink without `events` gets all of them. */
export const NOTIFICATION_EVENTS = [
  'started',
  'gate-waiting',
  'approved',
  'rejected',
  'analysis-failed',
  'frozen',
  'held',
  'promoted',
  'rolled-back',
] as const;

export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];

/**
 * A sink as the run receives it: names of the worker's environment variables, never their values (the activity
 * reads them on the worker), so no secret enters a workflow input or history. `url` is only for endpoints
 * whose address is no secret: it is recorded in the run's history.
 */
export interface NotificationSink {
  name: string;
  type: 'webhook' | 'slack';
  url?: string;
  urlFrom?: string;
  /** The HMAC-SHA256 key of a webhook's `X-Glidepath-Signature`. */
  secretFrom?: string;
  events: NotificationEvent[];
}

/** A gate a run waits at, as a notification tells it: who may answer, how, and until when. */
export interface NotifiedGate {
  kind: 'approval' | 'promotion' | 'inconclusive-analysis';
  name: string;
  approvers?: string[];
  /** Distinct approvers still needed (policy gates); one otherwise. */
  needed?: number;
  deadline?: string;
  onTimeout?: 'abort' | 'promote';
  /** The exact CLI command that answers it, with `<you>` for the sender's name. */
  command: string;
}

/**
 * One event of one run, built by the workflow. The activity adds the links and sends it as the webhook's body
 * (or as a Slack message). `id` is the same for every retry of a delivery: receivers drop duplicates by it.
 */
export interface Notification {
  /** `<workflowId>/<runId>/<seq>`. */
  id: string;
  event: NotificationEvent;
  /** The event's number in its run, from 1: receivers order events by it (deliveries may overtake each other). */
  seq: number;
  at: string;
  /** One line for people, e.g. `payments → prod @ v2: promoted, v2 is live`. */
  summary: string;
  service: string;
  environment: string;
  version: string;
  /** The release's system: of a release's own events, and of a deployment a release runs. */
  system?: string;
  commit?: { sha: string; url?: string };
  requestedBy?: string;
  workflowId: string;
  runId: string;
  phase: string;
  /** Percent of traffic on the new version when the event happened (absent where no one number tells it). */
  weight?: number;
  gate?: NotifiedGate;
  /** Who acted (approved, rejected, froze). */
  by?: string;
  /** Why: a rejection's or a freeze's reason, an analysis failure, the cause of a rollback. */
  reason?: string;
  /** How the run ended; a release's `rolled-back` event also ends a release that `halted` or `stopped`. */
  outcome?: 'promoted' | 'rolled-back' | 'cancelled' | 'halted' | 'stopped';
}

/** What a run's status says of its deliveries; a failed one never changes the outcome. */
export interface NotificationTally {
  delivered: number;
  failed: number;
  lastError?: string;
  /** Still being tried when the run ended: each goes on in its own `notificationWorkflow` (workflows/notify-after-run.ts). */
  afterRun?: number;
}
