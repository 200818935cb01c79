/**
 * Tells the policy's webhook sinks about a run's events. Each event starts one `notify` activity per sink and
 * does not wait for it: the rollout goes on while the activity retries with its own deadline, so a receiver that
 * is down or hangs never delays or fails a rollout. A delivery that fails for good is counted in the status
 * (`notifications`) and the metric glidepath_notifications_failed_total.
 *
 * The end of a run waits for what is still being delivered, at most FINAL_DELIVERY_WAIT_MS once the outcome is
 * in the status and the search attributes: a closed run can retry nothing, so the last event would otherwise be
 * lost. What is still undelivered then is abandoned and counted as failed. Workflow code: deterministic.
 */
import { ActivityCancellationType, CancellationScope, condition, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { NotificationActivities } from '../activities/notify';
import type { Notification, NotificationEvent, NotificationSink, NotifiedGate } from '../plan/notifications';
import { describeFailure } from './failures';
import { recordNotificationFailed } from './policy-metrics';
import type { Rollout } from './rollout';
import type { Gate } from './status';
import { gateCommand, gateText } from './status-text';

/** The patch of runs that notify; asked only when the run's policy has sinks, so other runs' histories stay as they were. */
export const NOTIFICATIONS = 'notifications';

/** How long the end of a run waits for deliveries still in flight (each attempt gives up after 10s on the worker). */
export const FINAL_DELIVERY_WAIT_MS = 5_000;

/**
 * A delivery is tried for up to 3 minutes, each attempt for up to 15s (activities/notify.ts stops its request at
 * 10s). ABANDON: nothing ever waits for a delivery to acknowledge a cancellation.
 */
const delivery = proxyActivities<NotificationActivities>({
  scheduleToCloseTimeout: '3m',
  startToCloseTimeout: '15s',
  cancellationType: ActivityCancellationType.ABANDON,
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '30s',
    nonRetryableErrorTypes: ['NotificationMisconfigured', 'NotificationRefused'],
  },
});

type Details = Pick<Notification, 'gate' | 'by' | 'reason' | 'outcome'>;

/** A shell word: as it is when it is plain, else single-quoted. */
const shellWord = (text: string) => (/^[\w.:@/+-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`);

export class Notifier {
  /** Events of this run so far: the `seq` of the next one, and part of its ID. */
  private seq = 0;
  private deliveries = 0;
  private readonly pending = new Map<number, { sink: string; event: NotificationEvent }>();

  constructor(
    private readonly sinks: NotificationSink[],
    private readonly rollout: Rollout,
    private readonly system?: string,
  ) {}

  /** Starts one delivery per sink that takes `event`; returns at once. */
  send(event: NotificationEvent, text: string, details: Details = {}): void {
    const seq = ++this.seq;
    const sinks = this.sinks.filter((s) => s.events.includes(event));
    if (sinks.length === 0) return;
    const { workflowId, runId } = workflowInfo();
    const { metadata } = this.rollout.plan;
    const { status } = this.rollout;
    const notification: Notification = {
      id: `${workflowId}/${runId}/${seq}`,
      event,
      seq,
      at: new Date().toISOString(),
      summary: `${metadata.service} → ${metadata.environment} @ ${metadata.release}: ${text}`,
      service: metadata.service,
      environment: metadata.environment,
      version: metadata.release,
      ...(this.system ? { system: this.system } : {}),
      ...(metadata.commit ? { commit: metadata.commit } : {}),
      ...(metadata.requestedBy ? { requestedBy: metadata.requestedBy } : {}),
      workflowId,
      runId,
      phase: status.phase,
      weight: status.weight,
      ...details,
    };
    for (const sink of sinks) {
      const key = ++this.deliveries;
      this.pending.set(key, { sink: sink.name, event });
      // Outside the forward scope: an abort must not stop the news of it (nor of anything before it).
      void CancellationScope.nonCancellable(() =>
        delivery.notify.executeWithOptions({ summary: `notify ${sink.name}: ${event}` }, [{ sink, notification }]),
      ).then(
        () => this.settled(key),
        (err) => this.settled(key, describeFailure(err)),
      );
    }
  }

  /** A gate opened: who may answer it, until when, and the exact command that does. */
  gateWaiting(gate: Gate): void {
    const { workflowId } = workflowInfo();
    const notified: NotifiedGate = {
      kind: gate.kind,
      name: gate.name,
      ...(gate.approvers?.length ? { approvers: gate.approvers } : {}),
      ...(gate.kind === 'approval' ? { needed: (gate.required ?? 1) - (gate.approvedBy?.length ?? 0) } : {}),
      ...(gate.deadline ? { deadline: gate.deadline, onTimeout: gate.onTimeout ?? 'abort' } : {}),
      command: `${gateCommand(gate, workflowId)}${gate.kind === 'approval' ? ` --gate ${shellWord(gate.name)}` : ''} --by <you>`,
    };
    this.send('gate-waiting', `waiting for ${gateText(gate)}`, { gate: notified });
  }

  /** An approval gate passed (`approvedBy`: every approver of a policy gate) or was rejected. */
  gateAnswered(name: string, approved: boolean, answer: { by: string; reason: string }, approvedBy?: string[]): void {
    const reason = answer.reason ? { reason: answer.reason } : {};
    if (!approved) {
      this.send('rejected', `rejected at "${name}" by ${answer.by}${answer.reason ? `: ${answer.reason}` : ''}`, {
        by: answer.by,
        ...reason,
      });
      return;
    }
    const by = (approvedBy?.length ? approvedBy : [answer.by]).join(', ');
    this.send('approved', `approval "${name}" passed, approved by ${by}`, { by, ...reason });
  }

  /** At the end of the run: waits a little for deliveries in flight, then counts what is left as failed. */
  async settle(): Promise<void> {
    if (this.pending.size > 0)
      await condition(() => this.pending.size === 0, FINAL_DELIVERY_WAIT_MS, { summary: 'deliver the last notifications' });
    if (this.pending.size === 0) return;
    const left = [...this.pending.values()];
    this.pending.clear();
    for (const d of left) recordNotificationFailed(this.rollout.plan, d.sink, d.event);
    const undelivered = left.map((d) => `${d.event} → ${d.sink}`).join(', ');
    this.tally(0, left.length, `still undelivered when the run ended (abandoned): ${undelivered}`);
  }

  private settled(key: number, error?: string): void {
    const d = this.pending.get(key);
    if (!d) return; // abandoned at the end of the run
    this.pending.delete(key);
    if (error === undefined) {
      this.tally(1, 0);
      return;
    }
    recordNotificationFailed(this.rollout.plan, d.sink, d.event);
    this.tally(0, 1, `${d.event} → ${d.sink}: ${error}`);
  }

  private tally(delivered: number, failed: number, error?: string): void {
    const n = this.rollout.status.notifications ?? { delivered: 0, failed: 0 };
    const lastError = error ?? n.lastError;
    this.rollout.update({
      notifications: { delivered: n.delivered + delivered, failed: n.failed + failed, ...(lastError ? { lastError } : {}) },
    });
  }
}
