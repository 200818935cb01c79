/**
 * Notification sinks in the policy and the messages they receive (no servers): which sinks a run gets, what the
 * schema refuses, the signed webhook request, and the Slack message.
 */
import { createHmac } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { missingSinkSettings, sinkUrl } from '../../activities/notify';
import { releaseSinks } from '../../activities/release-sinks';
import { slackMessage, webhookBody, webhookRequest } from '../../activities/notify-message';
import type { Notification, NotificationSink } from '../../plan/notifications';
import { PlanError } from '../../plan/plan-error';
import { loadPolicyFile } from '../../plan/policy-load';
import { applicablePolicy } from '../../plan/policy-resolve';
import type { Release } from '../../plan/release-schema';
import type { PlannedStage } from '../../plan/release-stages';
import { writeYaml } from '../policy/support';

const policy = (notifications: unknown[]) => ({ apiVersion: 'glidepath/v1', kind: 'Policy', notifications });

const notification: Notification = {
  id: 'deploy:payments/prod/run-1/2',
  event: 'gate-waiting',
  seq: 2,
  at: '2026-11-28T10:00:00.000Z',
  summary: 'payments → prod @ v2: waiting for approval "go" by one of alice, bob until 2026-11-29T00:00:00.000Z (then abort)',
  service: 'payments',
  environment: 'prod',
  version: 'v2',
  commit: { sha: '3f2a9c1d', url: 'https://github.com/example/payments/commit/3f2a9c1d' },
  requestedBy: 'carol',
  workflowId: 'deploy:payments/prod',
  runId: 'run-1',
  phase: 'AwaitingApproval',
  weight: 0,
  gate: {
    kind: 'approval',
    name: 'go',
    approvers: ['alice', 'bob'],
    needed: 1,
    deadline: '2026-11-29T00:00:00.000Z',
    onTimeout: 'abort',
    command: 'glidepath approve deploy:payments/prod --gate go --by <you>',
  },
};

describe('sinks in the policy', () => {
  it('a run gets the sinks whose match covers it, with every event unless the sink lists some', () => {
    const loaded = loadPolicyFile(
      writeYaml(
        'sinks.yaml',
        policy([
          { name: 'ops', type: 'webhook', urlFrom: 'OPS_URL', secretFrom: 'OPS_KEY' },
          { name: 'prod-chat', type: 'slack', urlFrom: 'SLACK_URL', events: ['promoted', 'rolled-back'], match: { environment: 'prod*' } },
          { name: 'shop', type: 'webhook', url: 'https://hooks.example.com/shop', secretFrom: 'SHOP_KEY', match: { system: 'shop' } },
        ]),
      ),
    );
    const sinks = (environment: string, system?: string) =>
      applicablePolicy(loaded, { service: 'payments', environment, system }, undefined, 0).notifications?.map((s) => s.name);
    expect(sinks('staging')).toEqual(['ops']);
    expect(sinks('prod-eu')).toEqual(['ops', 'prod-chat']);
    expect(sinks('staging', 'shop')).toEqual(['ops', 'shop']);
    const [ops, chat] = applicablePolicy(loaded, { service: 'payments', environment: 'prod' }, undefined, 0).notifications ?? [];
    expect(ops).toEqual({
      name: 'ops',
      type: 'webhook',
      urlFrom: 'OPS_URL',
      secretFrom: 'OPS_KEY',
      events: ['started', 'gate-waiting', 'approved', 'rejected', 'analysis-failed', 'frozen', 'held', 'promoted', 'rolled-back'],
    });
    expect(chat.events).toEqual(['promoted', 'rolled-back']);
  });

  it("a release's own events get, per stage environment, the sinks that match its system as service and system", () => {
    const file = writeYaml(
      'release-sinks.yaml',
      policy([
        { name: 'ops', type: 'webhook', urlFrom: 'OPS_URL', secretFrom: 'OPS_KEY' },
        { name: 'prod-chat', type: 'slack', urlFrom: 'SLACK_URL', match: { environment: 'prod*', system: 'shop' } },
        { name: 'api-team', type: 'slack', urlFrom: 'API_URL', match: { service: 'shop-api' } },
        { name: 'other', type: 'slack', urlFrom: 'OTHER_URL', match: { system: 'bank' } },
      ]),
    );
    const release = { metadata: { system: 'shop', version: 'v2' } } as Release;
    const stages = [{ environment: 'staging' }, { environment: 'prod' }] as PlannedStage[];
    const names = (sinks: Record<string, NotificationSink[]> | undefined) =>
      Object.fromEntries(Object.entries(sinks ?? {}).map(([env, s]) => [env, s.map((sink) => sink.name)]));
    expect(names(releaseSinks(file, release, stages))).toEqual({ staging: ['ops'], prod: ['ops', 'prod-chat'] });
    expect(releaseSinks(undefined, release, stages)).toBeUndefined();
    const quiet = writeYaml('release-no-sinks.yaml', policy([{ name: 'other', type: 'slack', urlFrom: 'U', match: { system: 'bank' } }]));
    expect(releaseSinks(quiet, release, stages)).toBeUndefined();
  });

  it('refuses a Slack URL in the file, an unsigned webhook, two addresses, an unknown event and a sink named twice', () => {
    const problems = (sinks: unknown[]) => {
      try {
        loadPolicyFile(writeYaml('bad-sinks.yaml', policy(sinks)));
        return 'accepted';
      } catch (err) {
        expect(err).toBeInstanceOf(PlanError);
        return (err as Error).message;
      }
    };
    expect(problems([{ name: 'chat', type: 'slack', url: 'https://hooks.slack.com/services/T0/B0/secret' }])).toMatch(
      /notifications\[0\]\.url.*a Slack webhook URL is a secret.*urlFrom/s,
    );
    expect(problems([{ name: 'ops', type: 'webhook', urlFrom: 'OPS_URL' }])).toMatch(/notifications\[0\]\.secretFrom.*HMAC key/s);
    expect(problems([{ name: 'ops', type: 'webhook', url: 'https://a.example', urlFrom: 'OPS_URL', secretFrom: 'K' }])).toMatch(
      /notifications\[0\]\.urlFrom.*one of them/s,
    );
    expect(problems([{ name: 'ops', type: 'webhook', urlFrom: 'OPS_URL', secretFrom: 'K', events: ['deployed'] }])).toMatch(
      /notifications\[0\]\.events\[0\]: .*"started"\|"gate-waiting"/,
    );
    expect(problems([{ name: 'ops', type: 'webhook', urlFrom: 'OPS URL', secretFrom: 'K' }])).toMatch(/environment variable/);
    const twice = { name: 'ops', type: 'webhook', urlFrom: 'OPS_URL', secretFrom: 'K' };
    expect(problems([twice, twice])).toMatch(/notification sink "ops" is defined twice/);
  });

  it('reads URLs from the worker environment, refuses link-local ones, and names what the worker lacks', () => {
    const sink = { name: 'ops', type: 'webhook' as const, urlFrom: 'OPS_URL', secretFrom: 'OPS_KEY', events: [] };
    expect(sinkUrl(sink, { OPS_URL: 'https://hooks.example.com/x' })).toBe('https://hooks.example.com/x');
    const refusal = (env: Record<string, string>) => {
      try {
        sinkUrl(sink, env);
      } catch (err) {
        expect(err).toBeInstanceOf(ApplicationFailure);
        expect((err as ApplicationFailure).nonRetryable).toBe(true);
        return (err as Error).message;
      }
    };
    expect(refusal({})).toBe('notification sink "ops": the worker has no OPS_URL in its environment');
    expect(refusal({ OPS_URL: 'http://169.254.169.254/latest' })).toMatch(/link-local/);
    expect(refusal({ OPS_URL: 'ftp://example.com' })).toMatch(/not an http\(s\) URL/);
    expect(missingSinkSettings([sink], { OPS_URL: 'https://x.example' })).toEqual(['ops: OPS_KEY']);
  });
});

describe('messages', () => {
  it('a webhook request carries the ID, the event and an HMAC-SHA256 of exactly the bytes sent', () => {
    const message = webhookBody(notification, 'http://ui.example/namespaces/default/workflows/deploy%3Apayments%2Fprod');
    const { body, headers } = webhookRequest('webhook', message, 'k3y');
    expect(headers['X-Glidepath-Delivery']).toBe(notification.id);
    expect(headers['X-Glidepath-Event']).toBe('gate-waiting');
    const expected = createHmac('sha256', 'k3y').update(body).digest('hex');
    expect(headers['X-Glidepath-Signature']).toBe(`sha256=${expected}`);
    expect(JSON.parse(body)).toEqual({
      ...notification,
      links: {
        webUi: 'http://ui.example/namespaces/default/workflows/deploy%3Apayments%2Fprod',
        commit: 'https://github.com/example/payments/commit/3f2a9c1d',
      },
    });
    // The same notification (a retry) is the same request.
    expect(webhookRequest('webhook', message, 'k3y')).toEqual({ body, headers });
  });

  it('a Slack message is the one-liner, the command that answers the gate, and the links, escaped for mrkdwn', () => {
    const message = webhookBody({ ...notification, summary: 'payments → prod @ v2: a <b> & c' }, 'http://ui.example/run');
    const { body, headers } = webhookRequest('slack', message, undefined);
    expect(headers['X-Glidepath-Signature']).toBeUndefined();
    expect(JSON.parse(body)).toEqual(slackMessage(message));
    const slack = slackMessage(message);
    expect(slack.text).toBe('payments → prod @ v2: a &lt;b&gt; &amp; c');
    expect(JSON.stringify(slack.blocks)).toContain('Answer with `glidepath approve deploy:payments/prod --gate go --by &lt;you&gt;`');
    expect(JSON.stringify(slack.blocks)).toContain('<http://ui.example/run|Web UI>');
    expect(JSON.stringify(slack.blocks)).toContain('<https://github.com/example/payments/commit/3f2a9c1d|commit 3f2a9c1d>');
  });
});
