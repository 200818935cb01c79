/**
 * The `notify` activity: one notification to one sink, one HTTP POST per attempt. The sink's URL and HMAC key are
 * read here, on the worker, from the environment variables the policy names, so they never pass through a
 * workflow. Retries (and their deadline) are the workflow's retry policy (workflows/notify.ts); every attempt
 * sends the same body and `X-Glidepath-Delivery` ID, so a receiver drops duplicates by it.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { linkLocalAllowed, linkLocalUrlProblem } from '../plan/link-local';
import type { Notification, NotificationSink } from '../plan/notifications';
import { webhookBody, webhookRequest } from './notify-message';

export interface NotifyInput {
  sink: NotificationSink;
  notification: Notification;
}

export interface NotificationActivities {
  notify(input: NotifyInput): Promise<void>;
}

export interface NotificationDependencies {
  /** Where `urlFrom` and `secretFrom` are read (default: the worker's environment). */
  env?: Record<string, string | undefined>;
  /** The Web UI page of a run, for the message's link (the worker's TEMPORAL_UI_URL); none: no link. */
  webUiLink?: (workflowId: string, namespace: string) => string;
}

/** Failure types no retry can fix: the worker's settings or the receiver must change first. */
export const NOTIFICATION_FAILURES = ['NotificationMisconfigured', 'NotificationRefused'];

/** One attempt gives up after this long (below the activity's start-to-close timeout in workflows/notify.ts). */
const REQUEST_TIMEOUT_MS = 10_000;

const misconfigured = (message: string) => ApplicationFailure.nonRetryable(message, 'NotificationMisconfigured');

/** The sink's URL, from the environment when `urlFrom` names it. */
export function sinkUrl(sink: NotificationSink, env: Record<string, string | undefined>): string {
  const url = sink.urlFrom ? env[sink.urlFrom] : sink.url;
  if (!url) throw misconfigured(`notification sink "${sink.name}": the worker has no ${sink.urlFrom} in its environment`);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw misconfigured(`notification sink "${sink.name}": ${sink.urlFrom ?? 'url'} is not a URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw misconfigured(`notification sink "${sink.name}": ${sink.urlFrom ?? 'url'} is not an http(s) URL`);
  const problem = linkLocalAllowed(env) ? undefined : linkLocalUrlProblem(url);
  if (problem) throw misconfigured(`notification sink "${sink.name}": ${problem}`);
  return url;
}

/** Environment variables the policy's sinks name that `env` lacks (the worker warns about them at start). */
export function missingSinkSettings(
  sinks: Array<Pick<NotificationSink, 'name' | 'urlFrom' | 'secretFrom'>>,
  env: NodeJS.ProcessEnv,
): string[] {
  return sinks.flatMap((s) =>
    [s.urlFrom, s.secretFrom].filter((name): name is string => name !== undefined && !env[name]).map((name) => `${s.name}: ${name}`),
  );
}

export function createNotificationActivities({ env = process.env, webUiLink }: NotificationDependencies = {}): NotificationActivities {
  return {
    async notify({ sink, notification }) {
      const url = sinkUrl(sink, env);
      const secret = sink.secretFrom ? env[sink.secretFrom] : undefined;
      if (sink.secretFrom && !secret)
        throw misconfigured(`notification sink "${sink.name}": the worker has no ${sink.secretFrom} in its environment`);
      const { info, cancellationSignal } = Context.current();
      const webUi = webUiLink?.(notification.workflowId, info.namespace);
      const { body, headers } = webhookRequest(sink.type, webhookBody(notification, webUi), secret);
      // Errors name the host only: a Slack URL's path is its token, and this message lands in the run's history.
      const where = `notification sink "${sink.name}" (${new URL(url).host})`;
      let response: Response;
      try {
        response = await fetch(url, {
          method: 'POST',
          headers,
          body,
          signal: AbortSignal.any([cancellationSignal, AbortSignal.timeout(REQUEST_TIMEOUT_MS)]),
        });
      } catch (err) {
        const cause = (err as Error).cause as { code?: string; message?: string } | undefined;
        const why =
          (err as Error).name === 'TimeoutError'
            ? `no answer within ${REQUEST_TIMEOUT_MS / 1000}s`
            : (cause?.code ?? cause?.message ?? (err as Error).message);
        throw ApplicationFailure.retryable(`${where}: ${why}`, 'NotificationUnreachable');
      }
      const answer = (await response.text().catch(() => '')).slice(0, 200);
      if (response.ok) return;
      const message = `${where} answered HTTP ${response.status}${answer ? `: ${answer}` : ''}`;
      // A refusal (bad signature, gone) stays a refusal; throttling, timeouts and 5xx may pass on a retry.
      if (response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429)
        throw ApplicationFailure.nonRetryable(message, 'NotificationRefused');
      throw ApplicationFailure.retryable(message, 'NotificationFailed');
    },
  };
}
