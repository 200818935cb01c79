/**
 * Encrypted histories on the real Temporal server: what the server stores (read raw through its API, without
 * the codec) holds no plaintext of the plan, status, approvals or measurements, for a rejected, a cancelled and a
 * promoted run, their memos and their analysis children; a run started with key k1
 * completes after k2 becomes the newest key; and a reader without the key gets an error naming it.
 */
import { spawn } from 'node:child_process';
import { type Server, createServer } from 'node:http';
import path from 'node:path';
import { Client, type WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { createAnalyzer } from '../../activities/analysis';
import { ENCRYPTED_ENCODING, EncryptionCodec, KEY_ID_METADATA } from '../../encryption/codec';
import { glidepathDataConverter } from '../../encryption/data-converter';
import { startDeployment } from '../../starters/deploy';
import { approveUpdate, rejectUpdate, resumeSignal } from '../../workflows/messages';
import type { DeploymentStatus } from '../../workflows/status';
import { runCli } from '../support/cli';
import { encryptingWorkflowBundle, keyringOf, newKeys } from '../support/encryption';
import { eventually } from '../support/eventually';
import { createLambdaService, lambdaPlatformAt } from '../support/lambda-fixture';
import { freePort } from '../support/moto';
import { canary, lambdaPlan } from '../support/plans';
import { type Harness, expectClosedCancelled, inPhase, rolledBack, startHarness, uniqueName, waitForStatus } from '../support/temporal';

const endpoint = inject('motoEndpoint');
const address = inject('temporalAddress');
const keys = newKeys('k1', 'k2');
const k1Only = glidepathDataConverter(keyringOf(keys.k1));
const k2Newest = glidepathDataConverter(keyringOf(keys.k2, keys.k1));

/** Values that must never reach the server in plain text. */
const SECRET = {
  url: '/internal/health-7f3a9c',
  approver: 'approver-5b81e2',
  reason: 'reason-c0ffee-checked-dashboards',
  measurement: 0.0314159,
  requestedBy: 'requester-9d4e17',
  /** An ARN in the plan (here in a check's URL), with its account ID. */
  arn: 'arn:aws:iam::210987654321:role/glidepath-deployer',
};
const ACCOUNT_ID = '210987654321';
/** Text of the plan and the status that must not be readable either. */
const PLAIN_TEXT = [...Object.values(SECRET).map(String), ACCOUNT_ID, 'canary steps', 'Canary steps', 'error-rate'];

let harness: Harness;
let checks: Server;
let checksUrl: string;

beforeAll(async () => {
  checks = createServer((_req, res) =>
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ errorRate: SECRET.measurement })),
  );
  const port = await freePort();
  await new Promise<void>((r) => checks.listen(port, '127.0.0.1', r));
  checksUrl = `http://127.0.0.1:${port}${SECRET.url}?role=${SECRET.arn}`;
  harness = await startHarness(
    {
      platforms: { lambda: lambdaPlatformAt(endpoint) },
      analyze: createAnalyzer({ heartbeatEveryMs: 1_000 }),
    },
    address,
    { dataConverter: k1Only, workflowBundlePath: await encryptingWorkflowBundle() },
  );
}, 120_000);
afterAll(async () => {
  await harness?.close();
  checks?.closeAllConnections();
  await new Promise((r) => checks?.close(r));
});

function plan(name: string) {
  const steps = canary(
    { setWeight: 10 },
    {
      analysis: {
        name: 'smoke',
        metrics: [
          {
            name: 'error-rate',
            provider: { type: 'http', url: checksUrl, jsonPath: 'errorRate' },
            failureCondition: 'result > 0.5',
            interval: '1s',
            count: 2,
          },
        ],
      },
    },
    { approval: { name: 'go', approvers: [SECRET.approver] } },
    { setWeight: 100 },
  );
  const p = lambdaPlan(name, steps);
  p.metadata.requestedBy = SECRET.requestedBy;
  return p;
}

async function start(client: Client, name: string): Promise<WorkflowHandle> {
  await createLambdaService(endpoint, name);
  const started = await startDeployment(client, plan(name), harness.taskQueue);
  if (started.kind === 'conflict') throw new Error('conflict');
  return started.handle;
}

/** The history as the server stores it: fetched with the raw gRPC API, no data converter involved. */
async function rawHistory(run: { workflowId: string }): Promise<temporal.api.history.v1.IHistory> {
  const events: temporal.api.history.v1.IHistoryEvent[] = [];
  let nextPageToken: Uint8Array | undefined;
  do {
    const page = await harness.client.workflowService.getWorkflowExecutionHistory({
      namespace: 'default',
      execution: { workflowId: run.workflowId },
      nextPageToken,
    });
    events.push(...(page.history?.events ?? []));
    nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
  } while (nextPageToken);
  return { events };
}

/**
 * Every payload in the history, with where it is. Left out: search attributes (they stay readable), the SDK's own
 * patch markers, which the SDK writes without the data converter and which hold only a patch's name, and the
 * bookkeeping of local activity markers (activity type, attempt, times; their result is encrypted).
 */
function payloadsOf(value: unknown, at = '', found: Array<{ at: string; payload: temporal.api.common.v1.IPayload }> = []) {
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return found;
  const object = value as Record<string, unknown>;
  if (object.markerName === LOCAL_ACTIVITY_MARKER) {
    const { data: _bookkeeping, ...details } = object.details as Record<string, unknown>;
    return payloadsOf(details, `${at}.details`, found);
  }
  if (object.metadata && typeof object.metadata === 'object' && 'encoding' in (object.metadata as object)) {
    found.push({ at, payload: object as temporal.api.common.v1.IPayload });
    return found;
  }
  for (const [key, child] of Object.entries(object)) {
    if (key === 'searchAttributes' || key === 'patch-data') continue;
    payloadsOf(child, `${at}.${key}`, found);
  }
  return found;
}

const LOCAL_ACTIVITY_MARKER = 'core_local_activity';

const metadataText = (p: temporal.api.common.v1.IPayload, key: string) => Buffer.from(p.metadata?.[key] ?? []).toString();

/** None of `needles` in the stored bytes, and every payload encrypted with k1. */
function expectOnlyCiphertext(where: string, history: temporal.api.history.v1.IHistory, needles: string[]): void {
  const bytes = Buffer.from(temporal.api.history.v1.History.encode(history).finish());
  for (const needle of needles) expect(bytes.includes(needle), `"${needle}" in the stored history of ${where}`).toBe(false);
  const payloads = payloadsOf(history.events);
  expect(payloads.length, where).toBeGreaterThan(3);
  for (const { at, payload } of payloads) {
    expect({ where, at, encoding: metadataText(payload, 'encoding'), key: metadataText(payload, KEY_ID_METADATA) }).toEqual({
      where,
      at,
      encoding: ENCRYPTED_ENCODING,
      key: 'k1',
    });
  }
}

it('the history on the server holds only ciphertext: no plan, status, approval or measurement in plain text', async () => {
  const name = uniqueName('sealed');
  await harness.run(async () => {
    const handle = await start(harness.client, name);
    await waitForStatus(handle, inPhase('AwaitingApproval'));
    await handle.executeUpdate(rejectUpdate, { args: [{ by: SECRET.approver, reason: SECRET.reason }] });
    const { message, status } = await rolledBack(handle);
    // Read through the codec, everything is there.
    expect(message).toContain(SECRET.reason);
    expect(status.actions).toContainEqual(expect.objectContaining({ action: 'reject', by: SECRET.approver, reason: SECRET.reason }));
    expect(status.measurements.map((m) => m.value)).toContain(SECRET.measurement);
    expect(await (await handle.describe()).staticDetails()).toContain(`**Requested by:** ${SECRET.requestedBy}`);

    const history = await rawHistory(handle);
    expectOnlyCiphertext('the rejected run', history, [...PLAIN_TEXT, 'rolled back']);
    expect(payloadsOf(history.events).length).toBeGreaterThan(10);
    // Failures carry no message of their own: it is in their encrypted attributes.
    const failures = (history.events ?? []).map((e) => e.workflowExecutionFailedEventAttributes?.failure).filter(Boolean);
    expect(failures).toHaveLength(1);
    expect(failures[0]!.message).toBe('Encoded failure');

    // The search attributes stay readable, so runs are still found.
    const found = [];
    for await (const run of harness.client.workflow.list({ query: `DeployService = "${name}"` })) found.push(run.workflowId);
    expect(found).toEqual([handle.workflowId]);
  });

  // `glidepath audit` decrypts the history with the configured key; without it, it names the key it needs.
  const env = { TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: 'default' };
  const audited = await eventually(
    () => runCli(['audit', `${name}/test`, '--format', 'json'], { ...env, GLIDEPATH_ENCRYPTION_KEYS: keys.k1 }),
    (r) => r.code === 0 && r.stdout.includes('"action":"end"'),
    'the closed run in the audit',
  );
  const rows = audited.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
  expect(rows).toContainEqual(
    expect.objectContaining({ action: 'reject', by: SECRET.approver, reason: SECRET.reason, gate: 'go', result: 'accepted: rejected go' }),
  );
  expect(rows[0]).toMatchObject({ action: 'start', by: SECRET.requestedBy });
  expect(rows.at(-1)).toMatchObject({ action: 'end', outcome: 'rolled-back', reason: expect.stringContaining(SECRET.reason) });
  const withoutKey = await runCli(['audit', `${name}/test`, '--format', 'json'], { ...env, GLIDEPATH_ENCRYPTION_KEYS: keys.k2 });
  expect(withoutKey.code).toBe(1);
  expect(withoutKey.stderr).toContain('payload encrypted with key "k1", which is not configured (configured: k2)');
});

it('a cancelled run (its final status in the memo) and a promoted run (promotedBy in the memo) store only ciphertext too', async () => {
  const [cancelled, promoted] = [uniqueName('sealed-cancel'), uniqueName('sealed-promote')];
  await harness.run(async () => {
    const handles = await Promise.all([start(harness.client, cancelled), start(harness.client, promoted)]);
    await Promise.all(handles.map((h) => waitForStatus(h, inPhase('AwaitingApproval'))));
    const [toCancel, toPromote] = handles;
    await toCancel.cancel();
    await toPromote.executeUpdate(approveUpdate, { args: [{ by: SECRET.approver, reason: SECRET.reason }] });
    await expectClosedCancelled(toCancel);
    expect((await toPromote.result()).status.outcome?.result).toBe('promoted');

    // Read through the codec, the memos hold what `status` and `where` read.
    const cancelledMemo = (await toCancel.describe()).memo as { status: DeploymentStatus };
    expect(cancelledMemo.status.outcome?.result).toBe('cancelled');
    expect(cancelledMemo.status.measurements.map((m) => m.value)).toContain(SECRET.measurement);
    expect((await toPromote.describe()).memo).toMatchObject({ promotedBy: SECRET.approver });

    for (const [label, handle, outcomeText] of [
      ['the cancelled run', toCancel, 'workflow cancelled'],
      ['the promoted run', toPromote, 'is live'],
    ] as const) {
      const needles = [...PLAIN_TEXT, outcomeText];
      const history = await rawHistory(handle);
      expectOnlyCiphertext(label, history, needles);
      const memoUpserts = (history.events ?? []).filter((e) => e.workflowPropertiesModifiedEventAttributes?.upsertedMemo);
      expect(memoUpserts, `${label}: its memo was written`).toHaveLength(1);
      // Its analysis child holds the measurements and the check's URL.
      expectOnlyCiphertext(`${label}'s analysis`, await rawHistory({ workflowId: `${handle.workflowId}/analysis/smoke` }), needles);
      // The memo as visibility stores it, read raw.
      const described = await harness.client.workflowService.describeWorkflowExecution({
        namespace: 'default',
        execution: { workflowId: handle.workflowId },
      });
      const bytes = Buffer.from(temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse.encode(described).finish());
      for (const needle of needles) expect(bytes.includes(needle), `"${needle}" in the description of ${label}`).toBe(false);
    }
  });
});

it('a run started with key k1 reads and completes after k2 becomes the newest key; without k1, readers name it', {
  timeout: 240_000,
}, async () => {
  const name = uniqueName('rotate');
  const handle = await harness.run(async () => {
    const h = await start(harness.client, name);
    await waitForStatus(h, inPhase('AwaitingApproval'));
    return h;
  });

  // The CLI without k1 says which key it needs, instead of garbage or a crash.
  const status = await glidepathStatus(handle.workflowId, { GLIDEPATH_ENCRYPTION_KEYS: keys.k2 });
  expect(status.code).toBe(1);
  expect(status.stderr).toContain('payload encrypted with key "k1", which is not configured (configured: k2)');
  expect(status.stdout).toBe('');

  const rotated = new Client({ connection: harness.client.connection, namespace: 'default', dataConverter: k2Newest });
  const after = rotated.workflow.getHandle(handle.workflowId);

  // A worker without k1 cannot replay the run: it fails the workflow task, names the key, and keeps running.
  const k2Only = glidepathDataConverter(keyringOf(keys.k2));
  await harness.run(
    async () => {
      await after.signal(resumeSignal, { by: 'oncall', reason: 'nudge' });
      const deadline = Date.now() + 20_000;
      while (!(await taskFailures(handle)).length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    },
    { dataConverter: k2Only },
  );
  const failures = await taskFailures(handle);
  expect(failures.length).toBeGreaterThan(0);
  expect(failures[0]).toContain('payload encrypted with key "k1", which is not configured (configured: k2)');
  await harness.run(
    async () => {
      // The server takes updates again once a worker that can read the run completes its failed workflow task; it
      // retries a task that keeps failing with a growing backoff, so this can take a while.
      for (const deadline = Date.now() + 150_000; ; ) {
        const sent = await after.executeUpdate(approveUpdate, { args: [{ by: SECRET.approver, reason: 'after rotation' }] }).then(
          () => true,
          (err) => {
            if (!/Workflow Task in failed state/.test(String(err?.cause?.details ?? err?.cause?.message ?? err)) || Date.now() > deadline)
              throw err;
            return false;
          },
        );
        if (sent) break;
        await new Promise((r) => setTimeout(r, 250));
      }
      const result = await after.result();
      expect(result.status.outcome?.result).toBe('promoted');
      expect(result.status.measurements.length).toBeGreaterThan(0);
    },
    { dataConverter: k2Newest },
  );
  const keyIds = new Set(payloadsOf((await rawHistory(handle)).events).map(({ payload }) => metadataText(payload, KEY_ID_METADATA)));
  expect([...keyIds].sort()).toEqual(['k1', 'k2']);

  // And with both keys, the CLI reads the whole run.
  const done = await glidepathStatus(handle.workflowId, { GLIDEPATH_ENCRYPTION_KEYS: `${keys.k2},${keys.k1}` });
  expect(done.stderr).toBe('');
  expect(done.stdout).toContain(`approve (go) by ${SECRET.approver}: after rotation`);
});

/** The messages of the run's failed workflow tasks, decrypted (they are encrypted, as all failure messages). */
async function taskFailures(handle: WorkflowHandle): Promise<string[]> {
  const codec = new EncryptionCodec(keyringOf(keys.k2, keys.k1));
  const failures = (await rawHistory(handle)).events!.map((e) => e.workflowTaskFailedEventAttributes?.failure).filter((f) => !!f);
  return Promise.all(
    failures.map(async (f) => {
      if (!f.encodedAttributes) return f.message ?? '';
      const [attributes] = await codec.decode([f.encodedAttributes]);
      return defaultPayloadConverter.fromPayload<{ message: string }>(attributes).message;
    }),
  );
}

function glidepathStatus(id: string, env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  const bin = path.join(__dirname, '..', '..', 'bin', 'glidepath');
  const child = spawn(bin, ['status', id, '--full'], {
    env: { ...process.env, TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: 'default', ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr })));
}
