/**
 * Notifications on real servers: a `glidepath worker` process with a policy whose sinks are local HTTP receivers,
 * the URLs and the HMAC key in the worker's environment, Lambda canaries on moto. A receiver that checks the
 * signature gets every event of a run once (a retried delivery carries the same ID and is dropped), a Slack
 * receiver gets the end; a receiver that is down and one that hangs do not delay the promotion. What is still
 * being delivered when the run ends goes on in a workflow per delivery: a receiver that comes back gets the final
 * event once, and one that comes back refusing it is counted in the worker's metric and fails that workflow.
 */
import { GetAliasCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { Client, Connection, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import type { WebhookBody } from '../../activities/notify-message';
import { startDeployment } from '../../starters/deploy';
import { rejectUpdate } from '../../workflows/messages';
import { runCli } from '../support/cli';
import { eventually } from '../support/eventually';
import { createLambdaService } from '../support/lambda-fixture';
import { freePort } from '../support/moto';
import { canary, lambdaPlan } from '../support/plans';
import { recordHistory, rolledBack, uniqueName } from '../support/temporal';
import { type Receiver, startReceiver } from '../support/webhook-receiver';
import { type WorkerProcess, spawnWorker, workerEnv } from '../support/worker-process';
import { writeYaml } from './support';

const endpoint = inject('motoEndpoint');
const address = inject('temporalAddress');
const SECRET = 'webhook-key-for-tests';
const UI = 'http://temporal-ui.test:8080';
const COMMIT = { sha: '3f2a9c1d0b', url: 'https://github.com/example/shop/commit/3f2a9c1d0b' };
const taskQueue = uniqueName('notify-tq');

let connection: Connection;
let client: Client;
let worker: WorkerProcess;
let metricsPort: number;
let ops: Receiver;
let chat: Receiver;
let hung: Receiver;
/** Down when a run ends, up later: their ports, free until then. */
let latePort: number;
let gonePort: number;
let late: Receiver | undefined;
let gone: Receiver | undefined;

beforeAll(async () => {
  // The receiver keeps the first delivery of each run's `started` and answers 503: the retry is a duplicate.
  ops = await startReceiver({ secret: SECRET, answer: (body, firstTime) => (body.event === 'started' && firstTime ? 503 : 200) });
  chat = await startReceiver();
  hung = await startReceiver({ hang: true });
  const down = `http://127.0.0.1:${await freePort()}/hooks`; // nothing listens there
  latePort = await freePort();
  gonePort = await freePort();
  const policy = writeYaml('notifications.yaml', {
    apiVersion: 'glidepath/v1',
    kind: 'Policy',
    groups: { sre: ['bob', 'carol'] },
    rules: [{ name: 'gate', match: { environment: 'notify' }, approvals: { from: ['sre'], timeout: '1h' } }],
    notifications: [
      { name: 'ops', type: 'webhook', urlFrom: 'TEST_OPS_URL', secretFrom: 'TEST_OPS_KEY', match: { environment: 'notify' } },
      { name: 'chat', type: 'slack', urlFrom: 'TEST_CHAT_URL', events: ['promoted', 'rolled-back'], match: { environment: 'notify' } },
      { name: 'dead', type: 'webhook', urlFrom: 'TEST_DEAD_URL', secretFrom: 'TEST_OPS_KEY', match: { environment: 'notify-dead' } },
      { name: 'hung', type: 'webhook', urlFrom: 'TEST_HUNG_URL', secretFrom: 'TEST_OPS_KEY', match: { environment: 'notify-dead' } },
      { name: 'late', type: 'webhook', urlFrom: 'TEST_LATE_URL', secretFrom: 'TEST_OPS_KEY', match: { environment: 'notify-late' } },
      { name: 'gone', type: 'webhook', urlFrom: 'TEST_GONE_URL', secretFrom: 'TEST_OPS_KEY', match: { environment: 'notify-late' } },
    ],
  });
  const env = workerEnv(taskQueue, endpoint, {
    TEMPORAL_UI_URL: UI,
    GLIDEPATH_POLICY_FILE: policy,
    TEST_OPS_URL: ops.url,
    TEST_OPS_KEY: SECRET,
    TEST_CHAT_URL: chat.url,
    TEST_DEAD_URL: down,
    TEST_HUNG_URL: hung.url,
    TEST_LATE_URL: `http://127.0.0.1:${latePort}/hooks/glidepath`,
    TEST_GONE_URL: `http://127.0.0.1:${gonePort}/hooks/glidepath`,
  });
  // A worker serving metrics on a free port; another port is tried if something took this one first.
  for (let attempt = 1; !worker; attempt++) {
    metricsPort = await freePort();
    try {
      worker = await spawnWorker({ ...env, GLIDEPATH_METRICS_ADDRESS: `127.0.0.1:${metricsPort}` });
    } catch (err) {
      if (attempt >= 3) throw err;
    }
  }
  connection = await Connection.connect({ address });
  client = new Client({ connection, namespace: 'default' });
});

afterAll(async () => {
  await Promise.all([ops, chat, hung, late, gone].map((r) => r?.close()));
  await worker?.kill('SIGTERM');
  await connection?.close();
});

async function start(name: string, environment: string, steps: unknown[]): Promise<{ handle: WorkflowHandle; lambda: LambdaClient }> {
  const lambda = await createLambdaService(endpoint, name);
  const plan = lambdaPlan(name, canary(...steps));
  plan.metadata.environment = environment;
  plan.metadata.requestedBy = 'alice';
  plan.metadata.commit = COMMIT;
  const started = await startDeployment(client, plan, taskQueue);
  if (started.kind === 'conflict') throw new Error('conflict');
  return { handle: started.handle, lambda };
}

/** The run's deliveries to `receiver`, in the order of its events. */
const deliveriesOf = (receiver: Receiver, handle: WorkflowHandle): WebhookBody[] =>
  receiver.kept
    .map((k) => k.body)
    .filter((b) => b.workflowId === handle.workflowId)
    .sort((a, b) => a.seq - b.seq);

it('a run tells the signed webhook every event once, gate waiting with who, until when and the command that answers it', async () => {
  const name = uniqueName('notified');
  const { handle, lambda } = await start(name, 'notify', [{ setWeight: 20 }, { setWeight: 100 }]);
  const workflowId = handle.workflowId;

  const waiting = await ops.waitFor((b) => b.workflowId === workflowId && b.event === 'gate-waiting');
  expect(waiting.gate).toMatchObject({
    kind: 'approval',
    name: 'policy:gate',
    approvers: ['bob', 'carol'],
    needed: 1,
    deadline: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    onTimeout: 'abort',
    command: `glidepath approve ${workflowId} --gate policy:gate --by <you>`,
  });
  expect(Date.parse(waiting.gate!.deadline!) - Date.parse(waiting.at)).toBe(3_600_000);
  // The command, as an approver pastes it.
  const args = waiting.gate!.command.replace('<you>', 'bob').split(' ').slice(1);
  const approved = await runCli(args, { TEMPORAL_ADDRESS: address, GLIDEPATH_TASK_QUEUE: taskQueue });
  expect(approved.stderr).toBe('');
  expect(approved.code).toBe(0);

  const result = await handle.result();
  expect(result.outcome).toBe('promoted');
  const { runId } = await handle.describe();
  const events = deliveriesOf(ops, handle);
  expect(events.map((e) => [e.event, e.seq])).toEqual([
    ['started', 1],
    ['gate-waiting', 2],
    ['approved', 3],
    ['promoted', 4],
  ]);
  for (const e of events) {
    expect(e).toMatchObject({
      id: `${workflowId}/${runId}/${e.seq}`,
      service: name,
      environment: 'notify',
      version: 'v2',
      requestedBy: 'alice',
      commit: COMMIT,
      links: { webUi: `${UI}/namespaces/default/workflows/${encodeURIComponent(workflowId)}`, commit: COMMIT.url },
    });
  }
  expect(events[2]).toMatchObject({ by: 'bob', summary: `${name} → notify @ v2: approval "policy:gate" passed, approved by bob` });
  expect(events[3]).toMatchObject({ outcome: 'promoted', weight: 100, phase: 'Promoted' });
  // `started` was answered 503 once after the receiver kept it: the retry carried the same ID, and was dropped.
  expect(ops.duplicates.filter((id) => id.startsWith(`${workflowId}/`))).toEqual([events[0].id]);
  expect(ops.badSignatures).toBe(0);

  const slack = chat.kept.filter((k) => k.headers['x-glidepath-delivery'] === events[3].id);
  expect(slack).toHaveLength(1);
  expect(slack[0].body.text).toBe(`${name} → notify @ v2: promoted: v2 is live on lambda ${name}:live`);
  expect(JSON.stringify(slack[0].body.blocks)).toContain(`<${COMMIT.url}|commit 3f2a9c1d0b>`);
  expect(result.status.notifications).toEqual({ delivered: 5, failed: 0 });

  const alias = await lambda.send(new GetAliasCommand({ FunctionName: name, Name: 'live' }));
  expect(alias.FunctionVersion).toBe(result.status.candidateVersion);
  await recordHistory(handle, 'canary-notifications-promoted');
});

it('a rejected run: the webhook hears the rejection, then the rollback with its reason', async () => {
  const name = uniqueName('refused');
  const { handle } = await start(name, 'notify', [{ setWeight: 20 }, { setWeight: 100 }]);
  await ops.waitFor((b) => b.workflowId === handle.workflowId && b.event === 'gate-waiting');
  await handle.executeUpdate(rejectUpdate, { args: [{ by: 'carol', reason: 'not during the sale' }] });
  const { status } = await rolledBack(handle);

  const reason = 'rejected at "policy:gate" by carol: not during the sale';
  const events = deliveriesOf(ops, handle);
  expect(events.map((e) => e.event)).toEqual(['started', 'gate-waiting', 'rejected', 'rolled-back']);
  expect(events[2]).toMatchObject({ by: 'carol', reason: 'not during the sale' });
  expect(events[3]).toMatchObject({ reason, outcome: 'rolled-back', summary: `${name} → notify @ v2: rolled back: ${reason}` });
  const slack = chat.kept.filter((k) => k.headers['x-glidepath-delivery'] === events[3].id);
  expect(slack.map((k) => k.body.text)).toEqual([`${name} → notify @ v2: rolled back: ${reason}`]);
  expect(status.notifications).toEqual({ delivered: 5, failed: 0 });
  await recordHistory(handle, 'canary-notifications-rejected');
});

/** The worker's glidepath_notifications_failed_total for one service and sink, summed over events. */
async function failedDeliveries(service: string, sink: string): Promise<number> {
  const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  return metrics
    .split('\n')
    .filter((line) => line.startsWith('glidepath_notifications_failed_total{') && line.includes(`service="${service}"`))
    .filter((line) => line.includes(`sink="${sink}"`))
    .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
}

/** The workflows that go on with a run's deliveries after it ended, by visibility, as its status says to list them. */
async function deliveriesAfter(handle: WorkflowHandle): Promise<string[]> {
  const ids: string[] = [];
  const query = `WorkflowType = "notificationWorkflow" AND ParentWorkflowId = "${handle.workflowId}"`;
  for await (const w of client.workflow.list({ query })) ids.push(w.workflowId);
  return ids.sort();
}

it('a receiver down and one that hangs: the run promotes with the hung request open; its status says the deliveries go on', async () => {
  const name = uniqueName('unheard');
  const { handle, lambda } = await start(name, 'notify-dead', [{ setWeight: 50 }, { setWeight: 100 }]);
  const result = await handle.result();
  // Promoted while the hanging receiver still holds a request it never answered.
  expect(hung.open()).toBeGreaterThan(0);
  expect(result.outcome).toBe('promoted');
  const alias = await lambda.send(new GetAliasCommand({ FunctionName: name, Name: 'live' }));
  expect(alias.FunctionVersion).toBe(result.status.candidateVersion);

  // started and promoted, to both sinks: none delivered yet, none failed: each goes on in a workflow of its own.
  expect(result.status.notifications).toEqual({ delivered: 0, failed: 0, afterRun: 4 });
  const status = await runCli(['status', handle.workflowId], { TEMPORAL_ADDRESS: address, GLIDEPATH_TASK_QUEUE: taskQueue });
  expect(status.stdout).toContain(
    `notify:   4 still being delivered when the run ended, each by a workflow of its own: WorkflowType = ` +
      `"notificationWorkflow" AND ParentWorkflowId = "${handle.workflowId}"`,
  );
  const { runId } = await handle.describe();
  const ids = ['1/dead', '1/hung', '2/dead', '2/hung'].map((d) => `notify:${handle.workflowId}/${runId}/${d}`);
  expect(
    await eventually(
      () => deliveriesAfter(handle),
      (listed) => listed.length === 4,
      'four deliveries listed',
    ),
  ).toEqual(ids);
  for (const id of ids) expect((await client.workflow.getHandle(id).describe()).status.name).toBe('RUNNING');
  expect(await failedDeliveries(name, 'dead')).toBe(0);
});

it('a receiver down when the run ends gets the final event once back; one back refusing it fails that delivery (metric)', async () => {
  const name = uniqueName('late');
  const { handle } = await start(name, 'notify-late', [{ setWeight: 50 }, { setWeight: 100 }]);
  const result = await handle.result();
  expect(result.outcome).toBe('promoted');
  expect(result.status.notifications).toEqual({ delivered: 0, failed: 0, afterRun: 4 });
  const { runId } = await handle.describe();
  const after = (seq: number, sink: string) => client.workflow.getHandle(`notify:${handle.workflowId}/${runId}/${seq}/${sink}`);
  expect((await after(2, 'late').describe()).status.name).toBe('RUNNING');

  // Both receivers come up after the run closed: `late` takes every delivery, `gone` answers 410 (gone for good).
  late = await startReceiver({ secret: SECRET, port: latePort });
  gone = await startReceiver({ secret: SECRET, port: gonePort, answer: () => 410 });
  await after(1, 'late').result();
  await after(2, 'late').result();
  const events = deliveriesOf(late, handle);
  expect(events.map((e) => [e.event, e.seq])).toEqual([
    ['started', 1],
    ['promoted', 2],
  ]);
  expect(events[1]).toMatchObject({
    id: `${handle.workflowId}/${runId}/2`,
    outcome: 'promoted',
    phase: 'Promoted',
    weight: 100,
    commit: COMMIT,
    links: { webUi: `${UI}/namespaces/default/workflows/${encodeURIComponent(handle.workflowId)}`, commit: COMMIT.url },
  });
  expect(late.duplicates).toEqual([]);
  expect(late.badSignatures).toBe(0);

  for (const seq of [1, 2]) {
    const refused = await after(seq, 'gone')
      .result()
      .then(
        () => undefined,
        (err) => err,
      );
    expect(refused).toBeInstanceOf(WorkflowFailedError);
    expect(refused.cause.message).toMatch(new RegExp(`^${seq === 1 ? 'started' : 'promoted'} → gone: .* answered HTTP 410$`));
  }
  expect(gone.kept.filter((k) => k.body.workflowId === handle.workflowId)).toHaveLength(2);
  expect(await failedDeliveries(name, 'gone')).toBe(2);
  expect(await failedDeliveries(name, 'late')).toBe(0);
  await recordHistory(handle, 'canary-notifications-after-run');
  await recordHistory(after(2, 'late'), 'notification-after-run-delivered');
  await recordHistory(after(2, 'gone'), 'notification-after-run-refused');
});
