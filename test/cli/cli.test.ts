/**
 * The CLI as CI and on-call use it: the real `glidepath` binary against the real Temporal dev server, with a
 * worker driving Lambda on moto. Exit codes: 0 promoted, 1 rolled back, 2 invalid plan, 3 target busy.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { EXIT } from '../../starters/exit-codes';
import { createLambdaService, BUCKET, lambdaPlatformAt } from '../support/lambda-fixture';
import { type Harness, inPhase, startHarness, uniqueName, waitForStatus } from '../support/temporal';
import { type CliRun, harnessCli } from '../support/cli';

const endpoint = inject('motoEndpoint');
const address = inject('temporalAddress');
const dir = mkdtempSync(path.join(os.tmpdir(), 'glidepath-cli-'));
let harness: Harness;

beforeAll(async () => {
  harness = await startHarness({ platforms: { lambda: lambdaPlatformAt(endpoint) } });
});
afterAll(async () => harness?.close());

/** Runs `glidepath <args>`; `onOutput` sees stdout as it arrives (to act while --follow runs). */
const glidepath = harnessCli(() => harness.taskQueue);

function planFile(service: string, steps: unknown[], release = 'v2', extra: Record<string, unknown> = {}): string {
  const file = path.join(dir, `${service}-${release}.yaml`);
  writeFileSync(
    file,
    stringify({
      apiVersion: 'glidepath/v1',
      metadata: { service, environment: 'test', release },
      target: { type: 'lambda', functionName: service, alias: 'live', code: { s3Bucket: BUCKET, s3Key: `${service}/${release}.zip` } },
      strategy: { type: 'canary', steps },
      ...extra,
    }),
  );
  return file;
}

describe('glidepath CLI', () => {
  it('validate: exit 0 for a good plan, 2 with the field named for a bad one', async () => {
    const good = await glidepath(['validate', planFile('valid', [{ setWeight: 10 }])]);
    expect(good.code).toBe(EXIT.ok);
    const bad = await glidepath(['validate', planFile('invalid', [{ setWeight: 10 }, { setWeight: 5 }])]);
    expect(bad.code).toBe(EXIT.invalidPlan);
    expect(bad.stderr).toContain('strategy.steps[1].setWeight: weights must increase: 5 comes after 10');
  });

  it('deploy of an invalid plan exits 2 and starts nothing', async () => {
    const service = uniqueName('bad');
    const result = await glidepath(['deploy', planFile(service, [{ setWeight: 150 }]), '--follow']);
    expect(result.code).toBe(EXIT.invalidPlan);
    expect(result.stderr).toContain('Nothing was started.');
    await expect(harness.client.workflow.getHandle(`deploy:${service}/test`).describe()).rejects.toThrow(/not found/i);
  });

  it('deploy --follow: approve from the CLI while following; exit 0 when promoted', async () => {
    const service = uniqueName('cli');
    await createLambdaService(endpoint, service);
    const file = planFile(service, [{ setWeight: 25 }, { approval: { name: 'go', approvers: ['alice'] } }, { setWeight: 100 }]);
    let approved: Promise<CliRun> | undefined;
    const result = await harness.run(() =>
      glidepath(['deploy', file, '--follow'], (out) => {
        if (!approved && out.includes('waiting for approval')) {
          approved = glidepath(['approve', `${service}/test`, '--by', 'alice', '--reason', 'canary healthy']);
        }
      }),
    );
    expect(result.stdout).toContain(`started deploy:${service}/test`);
    expect(result.stdout).toMatch(/AwaitingApproval\s+step 2\/3\s+traffic 25%/);
    expect(result.stdout).toContain(`glidepath approve deploy:${service}/test`);
    expect(result.stdout).toContain('PROMOTED');
    expect(result.code).toBe(EXIT.ok);
    expect((await approved!).stdout).toContain('approved go');

    const status = await glidepath(['status', `${service}/test`, '--full']);
    expect(status.stdout).toMatch(/approve \(go\) by alice: canary healthy/);
    expect(status.stdout).toContain('outcome:  promoted');
  });

  it('a second release for a busy target exits 3; abort from the CLI makes the first exit 1', async () => {
    const service = uniqueName('busy');
    await createLambdaService(endpoint, service);
    await harness.run(async () => {
      const first = glidepath(['deploy', planFile(service, [{ setWeight: 10 }, { pause: {} }]), '--follow']);
      const handle = harness.client.workflow.getHandle(`deploy:${service}/test`);
      await waitForStatus(handle, inPhase('AwaitingPromotion'));

      const other = await glidepath(['deploy', planFile(service, [{ setWeight: 10 }], 'v3')]);
      expect(other.code).toBe(EXIT.conflict);
      expect(other.stderr).toContain(`already deploying release v2`);

      const same = await glidepath(['deploy', planFile(service, [{ setWeight: 10 }, { pause: {} }])]);
      expect(same.code).toBe(EXIT.ok);
      expect(same.stdout).toContain('attached to running');

      // list is read from visibility, which the server indexes a moment after each change.
      let listed = '';
      for (let i = 0; i < 50 && !listed.includes('AwaitingPromotion'); i++) listed = (await glidepath(['list'])).stdout;
      expect(listed).toMatch(new RegExp(`deploy:${service}/test\\s+v2\\s+AwaitingPromotion\\s+10%`));

      const refused = await glidepath(['approve', `${service}/test`, '--by', 'alice']);
      expect(refused.code).toBe(EXIT.failed);
      expect(refused.stderr).toContain('approve refused: not waiting for an approval');

      const abort = await glidepath(['abort', `${service}/test`, '--reason', 'wrong build']);
      expect(abort.code).toBe(EXIT.ok);
      const followed = await first;
      expect(followed.code).toBe(EXIT.failed);
      expect(followed.stdout).toContain('ROLLED BACK: aborted by ci-bot: wrong build');
    });
  });
});

describe('glidepath deploy --follow without a worker', () => {
  it('says no worker is answering, instead of printing nothing', async () => {
    const service = uniqueName('idle');
    const bin = path.join(__dirname, '..', '..', 'bin', 'glidepath');
    const child = spawn(bin, ['deploy', planFile(service, [{ setWeight: 10 }]), '--follow'], {
      env: { ...process.env, TEMPORAL_ADDRESS: address, GLIDEPATH_TASK_QUEUE: uniqueName('nobody-polls'), GLIDEPATH_USER: 'ci-bot' },
    });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    const deadline = Date.now() + 60_000;
    while (!stdout.includes('no worker is answering yet') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    child.kill('SIGTERM');
    expect(stdout).toContain(`started deploy:${service}/test`);
    expect(stdout).toContain('no worker is answering yet: is `glidepath worker` running on this task queue?');
    await harness.client.workflow.getHandle(`deploy:${service}/test`).terminate('test cleanup: no worker ever ran it');
  });

  it('status and approve say no worker answers and send nothing; abort is sent and says it waits for one', async () => {
    const service = uniqueName('idle');
    // The harness's worker runs only inside harness.run: nothing polls its task queue now.
    expect((await glidepath(['deploy', planFile(service, [{ setWeight: 10 }, { approval: { approvers: ['alice'] } }])])).code).toBe(
      EXIT.ok,
    );
    const status = await glidepath(['status', `${service}/test`]);
    expect(status.code).toBe(EXIT.failed);
    expect(status.stderr).toContain(`deploy:${service}/test is running, but no worker is answering yet`);
    // An abort is a signal: it waits in the run's history and acts when a worker runs; the CLI says so in seconds.
    const abort = await glidepath(['abort', `${service}/test`, '--reason', 'wrong build']);
    expect(abort.code).toBe(EXIT.ok);
    expect(abort.stdout).toContain(`abort sent to deploy:${service}/test; it acts when a worker runs (`);
    const approve = await glidepath(['approve', `${service}/test`, '--by', 'alice']);
    expect(approve.code).toBe(EXIT.failed);
    expect(approve.stderr).toContain(`approve not sent to deploy:${service}/test: no worker is answering yet`);
    const { events } = await harness.client.workflow.getHandle(`deploy:${service}/test`).fetchHistory();
    expect(events?.some((e) => e.workflowExecutionUpdateAcceptedEventAttributes || e.workflowExecutionUpdateAdmittedEventAttributes)).toBe(
      false,
    );
    await harness.client.workflow.getHandle(`deploy:${service}/test`).terminate('test cleanup: no worker ever ran it');
  });
});
