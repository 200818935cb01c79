/**
 * The CLI's actions on a running plan and on finished ones, with the real binary against the real Temporal dev
 * server and Lambda on moto: each sending is its own action, a cancelled run's status stays readable, and a
 * worker started before Temporal is reachable waits for it instead of dying.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { GetAliasCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { EXIT } from '../../starters/exit-codes';
import { statusQuery } from '../../workflows/messages';
import type { DeploymentStatus } from '../../workflows/status';
import { BUCKET, createLambdaService, lambdaPlatformAt } from '../support/lambda-fixture';
import { awsConfig } from '../support/moto';
import { type Harness, startHarness, uniqueName, waitForStatus } from '../support/temporal';
import { type CliRun, runCli } from '../support/cli';

const endpoint = inject('motoEndpoint');
const address = inject('temporalAddress');
const dir = mkdtempSync(path.join(os.tmpdir(), 'glidepath-cli-actions-'));
const bin = path.join(__dirname, '..', '..', 'bin', 'glidepath');
const lambda = new LambdaClient(awsConfig(endpoint));
let harness: Harness;

beforeAll(async () => {
  harness = await startHarness({ platforms: { lambda: lambdaPlatformAt(endpoint) } });
});
afterAll(async () => harness?.close());

function glidepath(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return runCli(args, { TEMPORAL_ADDRESS: address, GLIDEPATH_TASK_QUEUE: harness.taskQueue, GLIDEPATH_USER: 'ci-bot', ...env });
}

function planFile(service: string, steps: unknown[]): string {
  const file = path.join(dir, `${service}.yaml`);
  writeFileSync(
    file,
    stringify({
      apiVersion: 'glidepath/v1',
      metadata: { service, environment: 'test', release: 'v2' },
      target: { type: 'lambda', functionName: service, alias: 'live', code: { s3Bucket: BUCKET, s3Key: `${service}/v2.zip` } },
      strategy: { type: 'canary', steps },
    }),
  );
  return file;
}

async function alias(fn: string) {
  const a = await lambda.send(new GetAliasCommand({ FunctionName: fn, Name: 'live' }));
  return { version: a.FunctionVersion, weights: a.RoutingConfig?.AdditionalVersionWeights ?? {} };
}

describe('glidepath actions', () => {
  it('the same person promotes two soaks in turn: each promote is its own action with its own receipt', async () => {
    const service = uniqueName('twice');
    await createLambdaService(endpoint, service);
    await harness.run(async () => {
      const deployed = await glidepath([
        'deploy',
        planFile(service, [{ setWeight: 10 }, { pause: { duration: '1h' } }, { setWeight: 30 }, { pause: { duration: '1h' } }]),
      ]);
      expect(deployed.code).toBe(EXIT.ok);
      const handle = harness.client.workflow.getHandle(`deploy:${service}/test`);

      await waitForStatus(handle, (s) => s.phase === 'Soaking' && s.weight === 10);
      // A name that would recolour the terminal is refused before anything is sent: exit 2, naming the flag.
      const spoofed = await glidepath(['abort', `${service}/test`, '--by', 'eve\u001b[32m alice', '--reason', 'x']);
      expect(spoofed.code).toBe(EXIT.invalidPlan);
      expect(spoofed.stderr).toContain('--by: "by" contains an escape character');
      expect((await handle.query(statusQuery)).actions).toEqual([]);
      const first = await glidepath(['promote', `${service}/test`, '--by', 'alice', '--reason', 'first soak clean']);
      expect(first.code).toBe(EXIT.ok);
      const second30 = await waitForStatus(handle, (s) => s.phase === 'Soaking' && s.weight === 30);
      expect(await alias(service)).toEqual({ version: '1', weights: { [second30.candidateVersion!]: 0.3 } });

      const second = await glidepath(['promote', `${service}/test`, '--by', 'alice', '--reason', 'second soak clean']);
      expect(second.code).toBe(EXIT.ok);
      expect(second.stdout).not.toBe(first.stdout);
      const { status } = await handle.result();
      expect(
        status.actions.filter((a: DeploymentStatus['actions'][number]) => a.action === 'promote').map((a: { reason: string }) => a.reason),
      ).toEqual(['first soak clean', 'second soak clean']);
      expect(await alias(service)).toEqual({ version: status.candidateVersion, weights: {} });
    });
  });

  it('status --json of a cancelled run says who cancelled and that it rolled back', async () => {
    const service = uniqueName('cancelled');
    await createLambdaService(endpoint, service);
    await harness.run(async () => {
      expect((await glidepath(['deploy', planFile(service, [{ setWeight: 20 }, { pause: {} }])])).code).toBe(EXIT.ok);
      const handle = harness.client.workflow.getHandle(`deploy:${service}/test`);
      await waitForStatus(handle, (s) => s.phase === 'AwaitingPromotion');
      await handle.cancel();
      await handle.result().catch(() => undefined);
    });
    const read = await glidepath(['status', `${service}/test`, '--json']); // no worker runs now
    expect(read.code).toBe(EXIT.ok);
    const status = JSON.parse(read.stdout) as DeploymentStatus;
    expect(status).toMatchObject({ phase: 'RolledBack', weight: 0, outcome: { result: 'cancelled' } });
    expect(status.actions.at(-1)).toMatchObject({ action: 'cancel', by: 'temporal' });
    expect(await alias(service)).toEqual({ version: '1', weights: {} });
  });
});

describe('glidepath worker', () => {
  it('started while Temporal is unreachable, it waits with backoff and says so, then serves once Temporal answers', async () => {
    // A port that refuses Temporal (closes every connection) until `up`, then forwards to the real server.
    let up = false;
    const [host, port] = address.split(':');
    const gate = net.createServer((socket) => {
      if (!up) return socket.destroy();
      const upstream = net.connect(Number(port), host);
      socket.pipe(upstream).pipe(socket);
      upstream.on('error', () => socket.destroy());
      socket.on('error', () => upstream.destroy());
    });
    await new Promise<void>((r) => gate.listen(0, '127.0.0.1', r));
    const gateAddress = `127.0.0.1:${(gate.address() as net.AddressInfo).port}`;
    const child = spawn(bin, ['worker'], {
      env: { ...process.env, TEMPORAL_ADDRESS: gateAddress, GLIDEPATH_TASK_QUEUE: uniqueName('waits'), GLIDEPATH_POLICY_FILE: '' },
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const until = async (pattern: RegExp) => {
      for (const deadline = Date.now() + 60_000; !pattern.test(output); ) {
        if (child.exitCode !== null || Date.now() > deadline) throw new Error(`never saw ${pattern}:\n${output}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    try {
      await until(/waiting for Temporal at 127\.0\.0\.1:\d+ \(attempt 2, next in/);
      expect(output).not.toContain('tonic::transport::Error');
      // Started without GLIDEPATH_POLICY_FILE: it says runs get no policy rules, before waiting for Temporal.
      expect(output).toContain('glidepath worker: no policy: GLIDEPATH_POLICY_FILE is not set');
      expect(child.exitCode).toBeNull();
      up = true;
      await until(/glidepath worker: task queue/);
      expect(output).toMatch(/reached Temporal at 127\.0\.0\.1:\d+ after \d+ attempts/);
    } finally {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      gate.close();
    }
  });
});
