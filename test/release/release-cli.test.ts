/**
 * `glidepath release` as CI and on-call use it: the real binary against the real Temporal dev server, a worker
 * driving Lambda on moto. Exit codes as deploy's: 0 promoted, 1 not promoted or refused, 2 invalid, 3 busy.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { EXIT } from '../../starters/exit-codes';
import { createReleaseFixture, lambdaRelease } from '../support/releases';
import { type Harness, startHarness, uniqueName } from '../support/temporal';
import { harnessCli } from '../support/cli';
import { lambdaPlatformAt } from '../support/lambda-fixture';

const endpoint = inject('motoEndpoint');
const address = inject('temporalAddress');
const dir = mkdtempSync(path.join(os.tmpdir(), 'glidepath-release-cli-'));
let harness: Harness;

beforeAll(async () => {
  harness = await startHarness({ platforms: { lambda: lambdaPlatformAt(endpoint) } });
});
afterAll(async () => harness?.close());

const glidepath = harnessCli(() => harness.taskQueue);

it('release --follow waits at the gate, refuses a 2nd version (3), a wrong approver, a promote (1), pauses, promotes (0)', async () => {
  const f = await createReleaseFixture(endpoint);
  const file = path.join(dir, `${f.system}.yaml`);
  const release = lambdaRelease(f, (d) => {
    d.stages[0].gate = { approval: { approvers: ['alice'] } };
    delete d.metadata.requestedBy; // the requester is who runs `glidepath release` (GLIDEPATH_USER), never a name in the file
  });
  writeFileSync(file, stringify(release));
  const id = `release:${f.system}`;

  const bad = path.join(dir, `${f.system}-bad.yaml`);
  writeFileSync(bad, stringify(lambdaRelease(f, () => undefined)).replace('after:\n      - api', 'after:\n      - database'));
  const invalid = await glidepath(['release', bad]);
  expect(invalid.code).toBe(EXIT.invalidPlan);
  expect(invalid.stderr).toContain('components.worker.after[0]: unknown component "database"; components are: api, worker');
  const full = await glidepath(['promote', id, '--full']);
  expect(full.code).toBe(EXIT.invalidPlan);
  expect(full.stderr).toContain(`--full: a release has no steps to skip. To skip the soak before the next stage: glidepath promote ${id}`);
  expect(full.stderr).toContain('Nothing was sent.');

  await harness.run(async () => {
    let atGate!: () => void;
    const gated = new Promise<void>((resolve) => (atGate = resolve));
    const following = glidepath(['release', file, '--follow'], (out) => out.includes('AwaitingApproval') && atGate());
    await gated;

    const busy = await glidepath(['release', file, '--set', 'version=v3']);
    expect(busy.code).toBe(EXIT.conflict);
    expect(busy.stderr).toContain(`${f.system} is already releasing v2`);
    expect((await glidepath(['release', file])).stdout).toContain(`attached to running ${id}`);

    const status = await glidepath(['status', id]);
    expect(status.stdout).toContain('phase:    AwaitingApproval');
    expect(status.stdout).toMatch(new RegExp(`staging \\(staging\\): promoted\\n  wave 1  api +deploy:${f.system}-api/staging +promoted`));
    expect(status.stdout).toMatch(new RegExp(`wave 2  worker +deploy:${f.system}-worker/prod +waiting`));

    const wrong = await glidepath(['approve', id, '--by', 'mallory']);
    expect(wrong.code).toBe(EXIT.failed);
    expect(wrong.stderr).toContain('mallory may not answer approval "promote-to-prod"');
    const promote = await glidepath(['promote', id]);
    expect(promote.code).toBe(EXIT.failed);
    expect(promote.stderr).toContain(
      'promote refused: nothing to promote: the release waits for approval "promote-to-prod"; answer it with approve',
    );

    // Paused at the gate: the approval is still taken, but prod starts only once the release is resumed.
    const pause = await glidepath(['pause', id, '--reason', 'change freeze at noon']);
    expect([pause.code, pause.stdout]).toEqual([EXIT.ok, expect.stringContaining(`paused ${id}; no target was moving at `)]);
    const again = await glidepath(['pause', id]);
    expect([again.code, again.stderr]).toEqual([EXIT.failed, expect.stringContaining('pause refused: already paused by ci-bot')]);
    expect((await glidepath(['approve', id, '--by', 'alice', '--reason', 'staging quiet'])).code).toBe(EXIT.ok);
    const paused = await glidepath(['status', id]);
    expect(paused.stdout).toContain('phase:    Paused');
    expect(paused.stdout).toMatch(new RegExp(`paused: +by ci-bot at \\S+: change freeze at noon \\(glidepath resume ${id}\\)`));
    expect(paused.stdout).toMatch(new RegExp(`wave 1  api +deploy:${f.system}-api/prod-eu +waiting`));
    const resume = await glidepath(['resume', id, '--reason', 'freeze lifted']);
    expect([resume.code, resume.stdout]).toEqual([EXIT.ok, expect.stringContaining(`resumed ${id} at `)]);

    const done = await following;
    expect(done.code).toBe(EXIT.ok);
    expect(done.stdout).toContain('PROMOTED');
  });

  let out = '';
  for (let i = 0; i < 40; i++) {
    out = (await glidepath(['where', f.system])).stdout;
    if ((out.match(/ v2 /g) ?? []).length === 5) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  expect(out).toMatch(
    new RegExp(`${f.system}-api/prod-eu +v2 +since \\S+ promoted by alice \\(requested by ci-bot, release ${f.system}@v2\\)`),
  );
  expect(out).toMatch(
    new RegExp(`${f.system}-api/staging +v2 +since \\S+ promoted by automatic \\(requested by ci-bot, release ${f.system}@v2\\)`),
  );
  expect((out.match(/ v2 /g) ?? []).length).toBe(5);
});

it("where: not a service or system name exits 2 saying what to type; an unknown one names the namespace's retention", async () => {
  const bad = await glidepath(['where', 'deploy:shop-api/prod']);
  expect(bad.code).toBe(EXIT.invalidPlan);
  expect(bad.stderr).toContain(
    `where: "deploy:shop-api/prod" is not a service or system name (a plan's metadata.service or a release's ` +
      `metadata.system: lowercase letters, digits and '-'); for the service: glidepath where shop-api; for that ` +
      `run: glidepath status deploy:shop-api/prod\nNothing was sent.`,
  );
  const name = uniqueName('never-deployed');
  const none = await glidepath(['where', name]);
  expect(none.code).toBe(EXIT.ok);
  expect(none.stdout).toContain(
    `nothing deployed under ${name} within the namespace's retention: where reads Temporal visibility, which ` +
      `forgets runs closed longer ago than the retention period`,
  );
});

it('release --follow without a worker says no worker is answering, instead of printing nothing', async () => {
  const doc = parse(readFileSync(path.join(__dirname, '..', '..', 'examples', 'lambda-release.yaml'), 'utf8'));
  doc.metadata.system = uniqueName('idle');
  const file = path.join(dir, `${doc.metadata.system}.yaml`);
  writeFileSync(file, stringify(doc));
  const bin = path.join(__dirname, '..', '..', 'bin', 'glidepath');
  const child = spawn(bin, ['release', file, '--follow'], {
    env: { ...process.env, TEMPORAL_ADDRESS: address, GLIDEPATH_TASK_QUEUE: uniqueName('nobody-polls'), GLIDEPATH_USER: 'ci-bot' },
  });
  let stdout = '';
  await new Promise<void>((warned) =>
    child.stdout.on('data', (d) => {
      stdout += d;
      if (stdout.includes('no worker is answering yet')) warned();
    }),
  );
  child.kill('SIGTERM');
  expect(stdout).toContain(`started release:${doc.metadata.system}`);
  expect(stdout).toContain('no worker is answering yet: is `glidepath worker` running on this task queue?');
  await harness.client.workflow.getHandle(`release:${doc.metadata.system}`).terminate('test cleanup: no worker ever ran it');
});
