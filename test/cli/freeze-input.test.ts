/**
 * Bad input to `glidepath freeze` and `unfreeze`, with the real binary against the real Temporal dev server: exit
 * 2, naming the flag, the cause and the fix, with nothing sent and no freeze workflow started. The CLI checks
 * with the freeze workflow's own rules (freezeRequestProblem); commander's usage errors exit 2 too.
 */
import { expect, inject, it } from 'vitest';
import { EXIT } from '../../starters/exit-codes';
import { freezeWorkflowId } from '../../workflows/freeze-messages';
import { runCli } from '../support/cli';
import { startHarness, uniqueName } from '../support/temporal';

const taskQueue = uniqueName('freeze-input');
const glidepath = (args: string[], user = 'oncall') =>
  runCli(args, {
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_NAMESPACE: 'default',
    GLIDEPATH_TASK_QUEUE: taskQueue,
    GLIDEPATH_USER: user,
  });

it.each([
  [
    'an environment in capitals',
    ['freeze', '--env', 'Prod', '--reason', 'incident 42'],
    '--env: "Prod" is not an environment name: use lowercase letters',
  ],
  [
    'a service in capitals',
    ['freeze', '--env', 'prod', '--service', 'Payments', '--reason', 'x'],
    '--service: "Payments" is not a service name',
  ],
  ['a blank reason', ['freeze', '--env', 'prod', '--reason', '   '], '--reason: empty: say why, e.g. "incident 42"'],
  [
    'an environment with a space',
    ['unfreeze', '--env', 'prod east', '--reason', 'resolved'],
    '--env: "prod east" is not an environment name',
  ],
  [
    'a name with a text-direction character',
    ['freeze', '--env', 'prod', '--reason', 'x', '--by', 'eve\u202emallory'],
    '--by (or $GLIDEPATH_USER',
  ],
  ['a reason too long', ['freeze', '--env', 'prod', '--reason', 'x'.repeat(1001)], '--reason: 1001 characters: at most 1000'],
])('%s exits 2 naming the flag and the fix; nothing is sent', async (_, args, message) => {
  const run = await glidepath(args);
  expect(run.code).toBe(EXIT.invalidPlan);
  expect(run.stderr).toContain(message);
  expect(run.stderr).toContain('Nothing was sent.');
});

it('a missing --reason or --env, or an unknown option, exits 2 with the usage; --help exits 0', async () => {
  const noReason = await glidepath(['freeze', '--env', 'prod']);
  expect(noReason.code).toBe(EXIT.invalidPlan);
  expect(noReason.stderr).toContain("required option '--reason <text>' not specified");
  expect(noReason.stderr).toContain('Usage: glidepath freeze [options]');
  expect(await glidepath(['unfreeze', '--reason', 'resolved'])).toMatchObject({
    code: EXIT.invalidPlan,
    stderr: expect.stringContaining("required option '--env <environment>' not specified"),
  });
  expect(await glidepath(['freeze', '--env', 'prod', '--reason', 'x', '--until', 'friday'])).toMatchObject({
    code: EXIT.invalidPlan,
    stderr: expect.stringContaining("unknown option '--until'"),
  });
  expect(await glidepath(['freeze', '--help'])).toMatchObject({ code: EXIT.ok, stdout: expect.stringContaining('--reason <text>') });
});

it('after all of them, no freeze workflow was started', async () => {
  const harness = await startHarness({ platforms: {} });
  try {
    await expect(harness.client.workflow.getHandle(freezeWorkflowId(taskQueue)).describe()).rejects.toThrow(/not found/i);
  } finally {
    await harness.close();
  }
});
