/**
 * Notifications on real servers: a `glidepath worker` process with a policy whose sinks are local HTTP receivers,
 * the URLs and the HMAC key in the worker's environment, Lambda canaries on moto. A receiver that checks the
 * signature gets every event of a run once (a retried delivery carries the same ID and is dropped), a Slack
 * receiver gets the end; a receiver that is down and one that hangs do not delay the promotion, and the run's
 * status and the worker's metric count the deliveries that failed.
 */
import { GetAliasCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import type { WebhookBody } from '../../activities/notify-message';
import { startDeployment } from '../../starters/deploy';
import { rejectUpdate } from '../../workflows/messages';
import { runCli } from '../support/cli';
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

beforeAll(async () => {
  // The receiver keeps the first delivery of each run's `started` and answers 503: the retry is a duplicate.
  ops = await startReceiver({ secret: SECRET, answer: (body, firstTime) => (body.event === 'started' && firstTime ? 503 : 200) });
  chat = await startReceiver();
  hung = await startReceiver({ hang: true });
  const down = `http://127.0.0.1:${await freePort()}/hooks`; // nothing listens there
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
  await Promise.all([ops, chat, hung].map((r) => r?.close()));
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

it('a receiver down and one that hangs: the run promotes with the hung request open; status and metric count the failures', async () => {
  const name = uniqueName('unheard');
  const { handle, lambda } = await start(name, 'notify-dead', [{ setWeight: 50 }, { setWeight: 100 }]);
  const result = await handle.result();
  // Promoted while the hanging receiver still holds a request it never answered.
  expect(hung.open()).toBeGreaterThan(0);
  expect(result.outcome).toBe('promoted');
  const alias = await lambda.send(new GetAliasCommand({ FunctionName: name, Name: 'live' }));
  expect(alias.FunctionVersion).toBe(result.status.candidateVersion);

  // started and promoted, to both sinks: none delivered, each counted once.
  expect(result.status.notifications).toMatchObject({ delivered: 0, failed: 4 });
  expect(result.status.notifications?.lastError).toMatch(/^still undelivered when the run ended \(abandoned\): .*promoted → (dead|hung)/);
  const status = await runCli(['status', handle.workflowId], { TEMPORAL_ADDRESS: address, GLIDEPATH_TASK_QUEUE: taskQueue });
  expect(status.stdout).toMatch(/warning: {2}4 of 4 notifications failed to deliver; last: still undelivered/);

  const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  const failed = metrics
    .split('\n')
    .filter((line) => line.startsWith('glidepath_notifications_failed_total{') && line.includes(`service="${name}"`))
    .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
  expect(failed).toBe(4);
});
