/**
 * `glidepath deploy --follow` when the worker answers with a key the CLI lacks (the worker was rotated to k2 first):
 * the real binary prints the key error and exits as `status` does, instead of "no worker is answering".
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';
import { glidepathDataConverter } from '../../encryption/data-converter';
import { EXIT } from '../../starters/exit-codes';
import { runCli } from '../support/cli';
import { encryptingWorkflowBundle, keyringOf, newKeys } from '../support/encryption';
import { createLambdaService, lambdaPlatformAt } from '../support/lambda-fixture';
import { canary, lambdaPlan } from '../support/plans';
import { type Harness, inPhase, startHarness, uniqueName, waitForStatus } from '../support/temporal';

const endpoint = inject('motoEndpoint');
const address = inject('temporalAddress');
const keys = newKeys('k1', 'k2');
let harness: Harness;

beforeAll(async () => {
  harness = await startHarness({ platforms: { lambda: lambdaPlatformAt(endpoint) } }, address, {
    dataConverter: glidepathDataConverter(keyringOf(keys.k2, keys.k1)),
    workflowBundlePath: await encryptingWorkflowBundle(),
  });
}, 120_000);
afterAll(async () => harness?.close());

it('deploy --follow without the key the worker answers with: the key error and exit 1, not "no worker is answering"', async () => {
  const service = uniqueName('follow-key');
  await createLambdaService(endpoint, service);
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'glidepath-follow-key-')), 'plan.yaml');
  writeFileSync(file, stringify(lambdaPlan(service, canary({ setWeight: 10 }, { approval: { name: 'go', approvers: ['alice'] } }))));

  const run = await harness.run(() =>
    runCli(['deploy', file, '--follow'], {
      TEMPORAL_ADDRESS: address,
      TEMPORAL_NAMESPACE: 'default',
      GLIDEPATH_TASK_QUEUE: harness.taskQueue,
      GLIDEPATH_ENCRYPTION_KEYS: keys.k1,
      GLIDEPATH_USER: 'ci', // the plan's requestedBy: who runs the CLI must be who the plan names
    }),
  );

  expect(run.stdout).toContain(`started deploy:${service}/test`);
  expect(run.stdout).not.toContain('no worker is answering');
  expect(run.stderr).toContain(
    'glidepath: payload encrypted with key "k2", which is not configured (configured: k1); add key "k2" to ' +
      'GLIDEPATH_ENCRYPTION_KEYS to read it',
  );
  expect(run.code).toBe(EXIT.failed);
  // The run itself is fine: the worker reads it, and a CLI with both keys reads its status.
  const handle = harness.client.workflow.getHandle(`deploy:${service}/test`);
  const status = await harness.run(async () => {
    await waitForStatus(handle, inPhase('AwaitingApproval'));
    return runCli(['status', `${service}/test`], { TEMPORAL_ADDRESS: address, GLIDEPATH_ENCRYPTION_KEYS: `${keys.k2},${keys.k1}` });
  });
  expect(status.stdout).toContain('waiting:  approval "go"');
  await handle.terminate('test cleanup: left at its gate');
});
