/**
 * Tells the policy's webhook sinks about a run's events: a deployment's (notify.ts) or a release's own
 * (release-notify.ts). Each event starts one `notify` activity per sink and does not wait for it: the run goes on
 * while the activity retries with its own deadline, so a receiver that is down or hangs never delays or fails a
 * rollout. A delivery that fails for good is counted in the status (`notifications`) and the metric
 * glidepath_notifications_failed_total.
 *
 * The end of a run waits for what is still being delivered, at most FINAL_DELIVERY_WAIT_MS once the outcome is
 * in the status: most deliveries land in that time and the final status counts them. A closed run can retry
 * nothing, so what is still being tried then goes on in a workflow of its own per delivery (notify-after-run.ts),
 * up to the delivery's deadline; runs that ended before that abandoned it and counted it failed.
 * Workflow code: deterministic.
 */
import { CancellationScope, condition, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { NotificationActivities, NotifyInput } from '../activities/notify';
import type { Notification, NotificationEvent, NotificationSink, NotificationTally, NotifiedGate } from '../plan/notifications';
import { describeFailure } from './failures';
import { DELIVERY_OPTIONS, continueAfterRun } from './notify-after-run';
import { recordNotificationFailed } from './policy-metrics';
import type { Gate } from './status';
import { gateCommand, gateText } from './status-text';

/** How long the end of a run waits for deliveries in flight (each attempt gives up after 10s on the worker). */
export const FINAL_DELIVERY_WAIT_MS = 5_000;

const delivery = proxyActivities<NotificationActivities>(DELIVERY_OPTIONS);

/** What a message says of the run when the event happens. */
export type NotificationSubject = Pick<
  Notification,
  'service' | 'environment' | 'version' | 'system' | 'commit' | 'requestedBy' | 'phase' | 'weight'
>;

type Details = Pick<Notification, 'gate' | 'by' | 'reason' | 'outcome'>;

/** A shell word: as it is when it is plain, else single-quoted. */
const shellWord = (text: string) => (/^[\w.:@/+-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`);

export abstract class EventNotifier {
  /** Events of this run so far: the `seq` of the next one, and part of its ID. */
  private seq = 0;
  private deliveries = 0;
  private readonly pending = new Map<number, NotifyInput>();

  /** The run as the next message tells it; `environment` is the one an event names when it gives none. */
  protected abstract subject(): NotificationSubject;
  /** The sinks whose `match` covers the run in `environment`. */
  protected abstract sinksFor(environment: string): NotificationSink[];
  protected abstract readTally(): NotificationTally | undefined;
  protected abstract writeTally(tally: NotificationTally): void;
  /** Whether deliveries still being tried at the end go on after the run (else: abandoned, as older runs did). */
  protected abstract continuesAfterRun(): boolean;

  /** Starts one delivery per sink that takes `event`; returns at once. `environment`: the stage a release's event concerns. */
  send(event: NotificationEvent, text: string, details: Details = {}, environment?: string): void {
    const seq = ++this.seq;
    const subject = { ...this.subject(), ...(environment ? { environment } : {}) };
    const sinks = this.sinksFor(subject.environment).filter((s) => s.events.includes(event));
    if (sinks.length === 0) return;
    const { workflowId, runId } = workflowInfo();
    const notification: Notification = {
      id: `${workflowId}/${runId}/${seq}`,
      event,
      seq,
      at: new Date().toISOString(),
      summary: `${subject.service} → ${subject.environment} @ ${subject.version}: ${text}`,
      service: subject.service,
      environment: subject.environment,
      version: subject.version,
      ...(subject.system ? { system: subject.system } : {}),
      ...(subject.commit ? { commit: subject.commit } : {}),
      ...(subject.requestedBy ? { requestedBy: subject.requestedBy } : {}),
      workflowId,
      runId,
      phase: subject.phase,
      ...(subject.weight !== undefined ? { weight: subject.weight } : {}),
      ...details,
    };
    for (const sink of sinks) {
      const key = ++this.deliveries;
      this.pending.set(key, { sink, notification });
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
  gateWaiting(gate: Gate, environment?: string): void {
    const { workflowId } = workflowInfo();
    const notified: NotifiedGate = {
      kind: gate.kind,
      name: gate.name,
      ...(gate.approvers?.length ? { approvers: gate.approvers } : {}),
      ...(gate.kind === 'approval' ? { needed: (gate.required ?? 1) - (gate.approvedBy?.length ?? 0) } : {}),
      ...(gate.deadline ? { deadline: gate.deadline, onTimeout: gate.onTimeout ?? 'abort' } : {}),
      command: `${gateCommand(gate, workflowId)}${gate.kind === 'approval' ? ` --gate ${shellWord(gate.name)}` : ''} --by <you>`,
    };
    this.send('gate-waiting', `waiting for ${gateText(gate)}`, { gate: notified }, environment);
  }

  /** An approval gate passed (`approvedBy`: every approver of a policy gate) or was rejected. */
  gateAnswered(name: string, approved: boolean, answer: { by: string; reason: string }, approvedBy?: string[], environment?: string): void {
    const reason = answer.reason ? { reason: answer.reason } : {};
    if (!approved) {
      const text = `rejected at "${name}" by ${answer.by}${answer.reason ? `: ${answer.reason}` : ''}`;
      this.send('rejected', text, { by: answer.by, ...reason }, environment);
      return;
    }
    const by = (approvedBy?.length ? approvedBy : [answer.by]).join(', ');
    this.send('approved', `approval "${name}" passed, approved by ${by}`, { by, ...reason }, environment);
  }

  /**
   * At the end of the run: waits a little for deliveries in flight, then hands what is left to workflows that go on
   * after the run. Call it in a scope nothing cancels.
   */
  async settle(): Promise<void> {
    if (this.pending.size > 0)
      await condition(() => this.pending.size === 0, FINAL_DELIVERY_WAIT_MS, { summary: 'deliver the last notifications' });
    if (this.pending.size === 0) return;
    const left = [...this.pending.values()];
    this.pending.clear();
    // Asked after the wait's timer fired, and only by runs that get here: other runs' histories stay as they were.
    if (this.continuesAfterRun()) return this.handOver(left);
    for (const d of left) recordNotificationFailed(d.notification, d.sink.name, d.notification.event);
    const undelivered = left.map((d) => `${d.notification.event} → ${d.sink.name}`).join(', ');
    this.tally({ failed: left.length }, `still undelivered when the run ended (abandoned): ${undelivered}`);
  }

  private async handOver(left: NotifyInput[]): Promise<void> {
    const errors = await Promise.all(left.map((d) => continueAfterRun(d)));
    let lastError: string | undefined;
    for (const [i, error] of errors.entries()) {
      if (error === undefined) continue;
      const { sink, notification } = left[i];
      recordNotificationFailed(notification, sink.name, notification.event);
      lastError = `${notification.event} → ${sink.name}: could not go on after the run: ${error}`;
    }
    const failed = errors.filter((e) => e !== undefined).length;
    this.tally({ failed, afterRun: left.length - failed }, lastError);
  }

  private settled(key: number, error?: string): void {
    const d = this.pending.get(key);
    if (!d) return; // handed over (or abandoned) at the end of the run
    this.pending.delete(key);
    if (error === undefined) {
      this.tally({ delivered: 1 });
      return;
    }
    recordNotificationFailed(d.notification, d.sink.name, d.notification.event);
    this.tally({ failed: 1 }, `${d.notification.event} → ${d.sink.name}: ${error}`);
  }

  private tally(change: { delivered?: number; failed?: number; afterRun?: number }, error?: string): void {
    const n = this.readTally() ?? { delivered: 0, failed: 0 };
    const lastError = error ?? n.lastError;
    const afterRun = (n.afterRun ?? 0) + (change.afterRun ?? 0);
    this.writeTally({
      delivered: n.delivered + (change.delivered ?? 0),
      failed: n.failed + (change.failed ?? 0),
      ...(lastError ? { lastError } : {}),
      ...(afterRun ? { afterRun } : {}),
    });
  }
}
