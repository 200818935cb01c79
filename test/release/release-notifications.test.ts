/**
 * A release's own notifications, on the real servers (Lambda-only releases on moto) with local receivers that check
 * the HMAC: the policy's sinks that match the release's system hear it start, its gate wait (with the command that
 * answers it, which a person then runs), the answer, and how it ended; a sink of the prod environment only hears
 * what concerns prod. A gate's analysis that fails is told before the release stops; one that is inconclusive
 * waits for promote, and says so. The release's deployments keep sending their own.
 */
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { createAnalyzer } from '../../activities/analysis';
import type { WebhookBody } from '../../activities/notify-message';
import { startRelease } from '../../starters/release';
import { abortSignal, rejectUpdate } from '../../workflows/messages';
import { writeYaml } from '../policy/support';
import { runCli } from '../support/cli';
import { type HttpCheck, startHttpCheck } from '../support/http-check';
import { lambdaPlatformAt } from '../support/lambda-fixture';
import { aliasOf, createReleaseFixture, lambdaRelease, releaseFailure } from '../support/releases';
import { type Harness, recordHistory, startHarness } from '../support/temporal';
import { type Receiver, startReceiver } from '../support/webhook-receiver';

const endpoint = inject('motoEndpoint');
const address = inject('temporalAddress');
const SECRET = 'release-webhook-key';
const UI = 'http://temporal-ui.test:8080';
const COMMIT = { sha: '9c1d0b3f2a', url: 'https://github.com/example/shop/commit/9c1d0b3f2a' };

let harness: Harness;
let ops: Receiver;
let prod: Receiver;
let healthy: HttpCheck<unknown>;
let failing: HttpCheck<unknown>;

beforeAll(async () => {
  ops = await startReceiver({ secret: SECRET });
  prod = await startReceiver({ secret: SECRET });
  healthy = await startHttpCheck(200, async () => undefined);
  failing = await startHttpCheck(503, async () => undefined);
  const policyFile = writeYaml('release-notifications.yaml', {
    apiVersion: 'glidepath/v1',
    kind: 'Policy',
    notifications: [
      { name: 'ops', type: 'webhook', urlFrom: 'OPS_URL', secretFrom: 'HOOK_KEY', match: { system: 'shop-*' } },
      { name: 'prod', type: 'webhook', urlFrom: 'PROD_URL', secretFrom: 'HOOK_KEY', match: { system: 'shop-*', environment: 'prod' } },
    ],
  });
  harness = await startHarness({
    platforms: { lambda: lambdaPlatformAt(endpoint) },
    analyze: createAnalyzer({ heartbeatEveryMs: 1_000 }),
    policyFile,
    notifications: {
      env: { OPS_URL: ops.url, PROD_URL: prod.url, HOOK_KEY: SECRET },
      webUiLink: (workflowId, namespace) => `${UI}/namespaces/${namespace}/workflows/${encodeURIComponent(workflowId)}`,
    },
  });
});

afterAll(async () => {
  await harness?.close();
  await Promise.all([ops, prod, healthy, failing].map((r) => r?.close()));
});

/** The release's own deliveries to `receiver` (not its deployments'), in the order of its events. */
const releaseEvents = (receiver: Receiver, workflowId: string): WebhookBody[] =>
  receiver.kept
    .map((k) => k.body)
    .filter((b) => b.workflowId === workflowId)
    .sort((a, b) => a.seq - b.seq);

async function startGated(edit: (doc: any) => void = () => undefined) {
  const f = await createReleaseFixture(endpoint);
  const release = lambdaRelease(f, (d) => {
    d.metadata.commit = COMMIT;
    d.stages[0].gate = { approval: { approvers: ['alice'] } };
    edit(d);
  });
  const started = await startRelease(harness.client, release, harness.taskQueue);
  if (started.kind === 'conflict') throw new Error('unexpected conflict');
  return { f, handle: started.handle };
}

it('a release tells its sinks it started, that its gate waits (the command in it answers it), the approval and the promotion', async () => {
  await harness.run(async () => {
    const { f, handle } = await startGated();
    const workflowId = handle.workflowId;
    const waiting = await ops.waitFor((b) => b.workflowId === workflowId && b.event === 'gate-waiting');
    expect(waiting).toMatchObject({
      environment: 'prod',
      phase: 'AwaitingApproval',
      gate: {
        kind: 'approval',
        name: 'promote-to-prod',
        approvers: ['alice'],
        needed: 1,
        onTimeout: 'abort',
        command: `glidepath approve ${workflowId} --gate promote-to-prod --by <you>`,
      },
    });
    // The command, as the approver pastes it.
    const args = waiting.gate!.command.replace('<you>', 'alice').split(' ').slice(1);
    const approved = await runCli([...args, '--reason', 'staging is quiet'], {
      TEMPORAL_ADDRESS: address,
      GLIDEPATH_TASK_QUEUE: harness.taskQueue,
    });
    expect(approved.stderr).toBe('');
    expect(approved.code).toBe(0);
    const result = await handle.result();
    expect(result.status.stages.map((s) => s.state)).toEqual(['promoted', 'promoted']);
    expect(await aliasOf(f.lambda, f.fns.eu)).toEqual({ version: '2', weights: {} });

    const { runId } = await handle.describe();
    const events = releaseEvents(ops, workflowId);
    expect(events.map((e) => [e.event, e.seq, e.environment])).toEqual([
      ['started', 1, 'staging'],
      ['gate-waiting', 2, 'prod'],
      ['approved', 3, 'prod'],
      ['promoted', 4, 'prod'],
    ]);
    for (const e of events) {
      expect(e).toMatchObject({
        id: `${workflowId}/${runId}/${e.seq}`,
        service: f.system,
        system: f.system,
        version: 'v2',
        requestedBy: 'ci',
        commit: COMMIT,
        links: { webUi: `${UI}/namespaces/default/workflows/${encodeURIComponent(workflowId)}`, commit: COMMIT.url },
      });
      expect(e.weight).toBeUndefined();
    }
    expect(events[0].summary).toBe(`${f.system} → staging @ v2: started: staging → prod, requested by ci`);
    expect(events[2]).toMatchObject({ by: 'alice', reason: 'staging is quiet' });
    expect(events[3]).toMatchObject({
      outcome: 'promoted',
      phase: 'Promoted',
      summary: `${f.system} → prod @ v2: promoted: v2 is live on every stage`,
    });
    // The prod sink hears what concerns prod only: not the start in staging.
    expect(releaseEvents(prod, workflowId).map((e) => e.event)).toEqual(['gate-waiting', 'approved', 'promoted']);
    expect(ops.duplicates.filter((id) => id.startsWith(`${workflowId}/`))).toEqual([]);
    expect([ops.badSignatures, prod.badSignatures]).toEqual([0, 0]);
    expect(result.status.notifications).toEqual({ delivered: 7, failed: 0 });
    // Its deployments still send their own, with the release's system.
    const staging = ops.kept.map((k) => k.body).filter((b) => b.workflowId === `deploy:${f.system}-api/staging`);
    expect(staging.map((b) => [b.event, b.system])).toEqual([
      ['started', f.system],
      ['promoted', f.system],
    ]);
    await recordHistory(handle, 'release-notifications-promoted');
  });
});

it('a rejected gate: the sinks hear the rejection, then that the release stopped before prod, with the reason', async () => {
  await harness.run(async () => {
    const { f, handle } = await startGated();
    const workflowId = handle.workflowId;
    await ops.waitFor((b) => b.workflowId === workflowId && b.event === 'gate-waiting');
    await handle.executeUpdate(rejectUpdate, { args: [{ by: 'alice', reason: 'not during the sale' }] });
    const { type, status } = await releaseFailure(handle);
    expect(type).toBe('Stopped');

    const reason = 'before prod: rejected at "promote-to-prod" by alice: not during the sale; staging stays promoted';
    const events = releaseEvents(ops, workflowId);
    expect(events.map((e) => [e.event, e.environment])).toEqual([
      ['started', 'staging'],
      ['gate-waiting', 'prod'],
      ['rejected', 'prod'],
      ['rolled-back', 'prod'],
    ]);
    expect(events[2]).toMatchObject({ by: 'alice', reason: 'not during the sale' });
    expect(events[3]).toMatchObject({
      outcome: 'stopped',
      reason,
      phase: 'Stopped',
      summary: `${f.system} → prod @ v2: stopped: ${reason}`,
    });
    expect(releaseEvents(prod, workflowId).map((e) => e.event)).toEqual(['gate-waiting', 'rejected', 'rolled-back']);
    expect(status.notifications).toEqual({ delivered: 7, failed: 0 });
    await recordHistory(handle, 'release-notifications-rejected');
  });
});

/** A release whose staging gate runs an analysis with this metric (no approval). */
async function startAnalysed(metric: Record<string, unknown>) {
  return startGated((d) => {
    d.stages[0].gate = { analysis: { name: 'staging-health', metrics: [{ name: 'smoke', interval: '1s', count: 1, ...metric }] } };
  });
}

it("a gate's analysis that fails: the sinks hear it, then that the release stopped before prod", async () => {
  await harness.run(async () => {
    const { f, handle } = await startAnalysed({ provider: { type: 'http', url: failing.url } });
    const { type } = await releaseFailure(handle);
    expect(type).toBe('Stopped');
    const events = releaseEvents(ops, handle.workflowId);
    expect(events.map((e) => [e.event, e.environment])).toEqual([
      ['started', 'staging'],
      ['analysis-failed', 'prod'],
      ['rolled-back', 'prod'],
    ]);
    expect(events[1].reason).toMatch(/^analysis "staging-health" failed: .*HTTP 503, expected 200/);
    expect(events[1].summary).toBe(`${f.system} → prod @ v2: ${events[1].reason}; prod does not start`);
    expect(events[2]).toMatchObject({ outcome: 'stopped', reason: expect.stringContaining(`before prod: ${events[1].reason}`) });
  });
});

it("a gate's analysis that is inconclusive: the sinks hear the release waits for promote, then the abort that stopped it", async () => {
  await harness.run(async () => {
    const { handle } = await startAnalysed({
      provider: { type: 'http', url: healthy.url, jsonPath: 'status' },
      successCondition: 'result < 100',
      failureCondition: 'result > 500',
    });
    const waiting = await ops.waitFor((b) => b.workflowId === handle.workflowId && b.event === 'gate-waiting');
    expect(waiting).toMatchObject({
      environment: 'prod',
      phase: 'AwaitingPromotion',
      gate: {
        kind: 'inconclusive-analysis',
        name: 'staging-health',
        onTimeout: 'abort',
        command: `glidepath promote ${handle.workflowId} --by <you>`,
      },
    });
    await handle.signal(abortSignal, { by: 'oncall', reason: 'not today' });
    const { type } = await releaseFailure(handle);
    expect(type).toBe('Stopped');
    const events = releaseEvents(ops, handle.workflowId);
    expect(events.map((e) => e.event)).toEqual(['started', 'gate-waiting', 'rolled-back']);
    expect(events[2]).toMatchObject({
      outcome: 'stopped',
      reason: 'before prod: aborted by oncall: not today; staging stays promoted',
    });
  });
});
