/**
 * What a sink receives for one notification: the generic webhook's JSON body with its headers and HMAC-SHA256
 * signature, or a Slack incoming-webhook message. Pure but for the HMAC.
 */
import { createHmac } from 'node:crypto';
import type { Notification } from '../plan/notifications';

/** The notification with its links, as the generic webhook's body carries it. */
export interface WebhookBody extends Notification {
  links: { webUi?: string; commit?: string };
}

export const DELIVERY_HEADER = 'X-Glidepath-Delivery';
export const EVENT_HEADER = 'X-Glidepath-Event';
export const SIGNATURE_HEADER = 'X-Glidepath-Signature';

/** `sha256=<hex>` of the raw body, as `X-Glidepath-Signature` carries it. */
export function signature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export function webhookBody(notification: Notification, webUi: string | undefined): WebhookBody {
  const commit = notification.commit?.url;
  return { ...notification, links: { ...(webUi ? { webUi } : {}), ...(commit ? { commit } : {}) } };
}

/** The request for a sink: the body as sent (the signature covers exactly these bytes) and its headers. */
export function webhookRequest(
  type: 'webhook' | 'slack',
  message: WebhookBody,
  secret: string | undefined,
): { body: string; headers: Record<string, string> } {
  const body = JSON.stringify(type === 'slack' ? slackMessage(message) : message);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'glidepath',
    [DELIVERY_HEADER]: message.id,
    [EVENT_HEADER]: message.event,
  };
  if (secret !== undefined) headers[SIGNATURE_HEADER] = signature(secret, body);
  return { body, headers };
}

/** Slack's mrkdwn: `&`, `<` and `>` are its control characters. */
const slackText = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const link = (url: string, label: string) => `<${url}|${slackText(label)}>`;

/** A Slack incoming-webhook message: the one-liner as `text` (notifications, fallbacks), details as blocks. */
export function slackMessage(m: WebhookBody): { text: string; blocks: unknown[] } {
  const lines = [slackText(m.summary)];
  if (m.gate) lines.push(`Answer with \`${slackText(m.gate.command)}\``);
  const context = [
    m.links.webUi ? link(m.links.webUi, 'Web UI') : undefined,
    m.commit
      ? m.links.commit
        ? link(m.links.commit, `commit ${m.commit.sha.slice(0, 12)}`)
        : `commit ${m.commit.sha.slice(0, 12)}`
      : undefined,
    m.requestedBy ? `requested by ${slackText(m.requestedBy)}` : undefined,
    `${slackText(m.event)} · ${slackText(m.id)}`,
  ].filter((part): part is string => part !== undefined);
  return {
    text: slackText(m.summary),
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: lines.join('\n') } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: context.join(' · ') }] },
    ],
  };
}
