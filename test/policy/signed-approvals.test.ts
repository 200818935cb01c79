/**
 * A prod gate whose policy rule requires signed approvals, on the real Temporal server with Lambda on moto: 2
 * approvals from `sre`, each signed with the approver's ed25519 key from the policy's signers, as git signs commits
 * (`ssh-keygen -Y sign`). Unsigned (as the Web UI sends), wrong-key, forged, expired and replayed answers are
 * refused by the update validator with their reason and the run stays at its gate; signed answers pass: one in the
 * bare form of older CLIs, one through the real `glidepath approve --sign-key`. The plan's own approval gates of a
 * run the signing rule matches take only signed answers too: there, an approver whose key has a passphrase signs
 * through an ssh-agent the test starts (without it, ssh-keygen cannot sign and nothing is sent).
 */
import type { WorkflowHandle } from '@temporalio/client';
import { GetAliasCommand } from '@aws-sdk/client-lambda';
import { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { startDeployment } from '../../starters/deploy';
import { EXIT } from '../../starters/exit-codes';
import { loadSigningKey, signApproval } from '../../starters/sign-approval';
import type { SignedFields } from '../../workflows/approval-payload';
import type { ApprovalInput } from '../../workflows/messages';
import { approveUpdate, statusQuery } from '../../workflows/messages';
import { signBare } from '../support/bare-signature';
import { runCli } from '../support/cli';
import { createLambdaService, lambdaPlatformAt } from '../support/lambda-fixture';
import { canary, lambdaPlan } from '../support/plans';
import { type SshAgent, askpassEnv, makeKeygenKey, startSshAgent } from '../support/ssh-agent';
import { makeSshKey } from '../support/ssh-keys';
import { type Harness, recordHistory, startHarness, uniqueName, waitForStatus } from '../support/temporal';
import { writeYaml } from './support';
import { joinedPattern } from '../support/joined-pattern';

const endpoint = inject('motoEndpoint');
const keys = {
  bob: makeSshKey('bob'),
  carol: makeSshKey('carol'),
  alice: makeSshKey('alice'),
  mallory: makeSshKey('mallory'),
};
/** Erin's key has a passphrase (made by ssh-keygen): she signs through ssh-agent. */
const ERIN_PASSPHRASE = 'erin signs with care';
const erin = makeKeygenKey('erin-locked', { passphrase: ERIN_PASSPHRASE });
const GATE = 'policy:prod-signed';
let harness: Harness;
let agent: SshAgent;

beforeAll(async () => {
  const policy = writeYaml('signed-approvals.yaml', {
    apiVersion: 'glidepath/v1',
    kind: 'Policy',
    groups: { sre: ['bob', 'carol', 'alice'] },
    signers: {
      bob: [keys.bob.publicLine],
      carol: [keys.carol.publicLine],
      alice: [keys.alice.publicLine],
      erin: [erin.publicLine],
    },
    rules: [
      {
        name: 'prod-signed',
        match: { environment: 'prod' },
        approvals: { count: 2, from: ['sre'], requireSignature: true, timeout: '1h' },
      },
      {
        name: 'staging-signed',
        match: { environment: 'staging' },
        approvals: { count: 1, from: ['sre'], requireSignature: true, timeout: '1h' },
      },
    ],
  });
  harness = await startHarness({ platforms: { lambda: lambdaPlatformAt(endpoint) }, policyFile: policy });
  agent = startSshAgent('signed-approvals');
});
afterAll(async () => {
  agent?.stop();
  await harness?.close();
});

/** The fields `by` signs for this run's gate (what `glidepath approve` signs), with `change`. */
async function fieldsFor(handle: WorkflowHandle, by: string, change: { gate?: string; signedAt?: string }): Promise<SignedFields> {
  const { runId } = await handle.describe();
  return { workflowId: handle.workflowId, runId, gate: GATE, decision: 'approve', by, signedAt: new Date().toISOString(), ...change };
}

/** `by`'s answer signed with `key` through ssh-keygen, as `glidepath approve --sign-key` signs it. */
async function signed(handle: WorkflowHandle, by: string, key: keyof typeof keys, change: { gate?: string; signedAt?: string } = {}) {
  const signingKey = loadSigningKey(keys[key].file, {});
  if (!signingKey) throw new Error('no key');
  return { by, reason: 'checked', signature: await signApproval(signingKey, await fieldsFor(handle, by, change)) };
}

/** The same, in the bare form CLIs before SSH signatures sent (runs take it still). */
async function signedBare(handle: WorkflowHandle, by: string, key: keyof typeof keys) {
  return { by, reason: 'checked', signature: signBare(keys[key], await fieldsFor(handle, by, {})) };
}

const send = (handle: WorkflowHandle, input: ApprovalInput) => handle.executeUpdate(approveUpdate, { args: [input] });
const refusal = (handle: WorkflowHandle, input: ApprovalInput) =>
  send(handle, input).then(
    () => 'accepted',
    (err: Error) => String((err.cause as Error | undefined)?.message ?? err.message),
  );

it('signed approvals pass; unsigned, wrong-key, forged, expired and replayed ones are refused with the reason', async () => {
  const name = uniqueName('signed');
  const lambda = await createLambdaService(endpoint, name);
  const plan = lambdaPlan(name, canary({ setWeight: 20 }, { setWeight: 100 }));
  plan.metadata.environment = 'prod';
  plan.metadata.requestedBy = 'dave';

  await harness.run(async () => {
    const started = await startDeployment(harness.client, plan, harness.taskQueue);
    if (started.kind === 'conflict') throw new Error('conflict');
    const { handle } = started;
    const waiting = await waitForStatus(handle, (s) => s.gate?.name === GATE);
    expect(waiting).toMatchObject({ phase: 'AwaitingApproval', weight: 0, gate: { required: 2, signed: true } });
    const stillAtGate = async (approvedBy: string[]) =>
      expect(await handle.query(statusQuery)).toMatchObject({ phase: 'AwaitingApproval', weight: 0, gate: { name: GATE, approvedBy } });

    // As the Web UI sends it: no signature.
    expect(await refusal(handle, { by: 'bob', reason: 'from the UI' })).toMatch(
      /^approval needs a signature: policy rule "prod-signed" requires signed approvals .*glidepath approve deploy:\S+ --by bob --sign-key/,
    );
    await stillAtGate([]);

    // Through the CLI, signed with a key the policy does not list for bob.
    const cli = (args: string[]) =>
      runCli(['approve', handle.workflowId, ...args], {
        TEMPORAL_ADDRESS: inject('temporalAddress'),
        GLIDEPATH_TASK_QUEUE: harness.taskQueue,
      });
    const wrongKey = await cli(['--by', 'bob', '--reason', 'looks fine', '--sign-key', keys.mallory.file]);
    expect(wrongKey.code, wrongKey.stderr).toBe(EXIT.failed);
    expect(wrongKey.stderr).toContain(
      `approve refused: bob signed with key ${keys.mallory.fingerprint}, which is not one of bob's allowed keys (${keys.bob.fingerprint})`,
    );
    await stillAtGate([]);

    // Bob's own key, but made for another gate; alice's key, sent as bob.
    expect(await refusal(handle, await signed(handle, 'bob', 'bob', { gate: 'policy:staging' }))).toMatch(
      `the signature does not verify against bob's allowed key ${keys.bob.fingerprint}`,
    );
    expect(await refusal(handle, { ...(await signed(handle, 'alice', 'alice')), by: 'bob' })).toMatch(/^bob signed with key SHA256:/);
    await stillAtGate([]);

    // Signed eleven minutes ago by the workflow's clock.
    const old = new Date(Date.now() - 11 * 60_000).toISOString();
    expect(await refusal(handle, await signed(handle, 'bob', 'bob', { signedAt: old }))).toMatch(
      /^the signature expired: made at .*, a signature is good for 10m/,
    );
    await stillAtGate([]);

    // Bob's answer, signed as CLIs before SSH signatures did, passes; the same answer sent again (read from the
    // history, say) is a replay.
    const bobs = await signedBare(handle, 'bob', 'bob');
    expect((await send(handle, bobs)).accepted).toBe(`approved ${GATE} (1 of 2)`);
    expect(await refusal(handle, bobs)).toMatch(/already used in this run \(a replayed approval\)/);
    await stillAtGate(['bob']);

    // Carol approves through the real CLI with her key: the second approval, and the run goes on.
    const carols = await cli(['--by', 'carol', '--reason', 'canary plan reviewed', '--sign-key', keys.carol.file]);
    expect(carols.code, carols.stderr).toBe(EXIT.ok);
    expect(carols.stdout).toContain(`approved ${GATE}`);

    const result = await handle.result();
    expect(result.outcome).toBe('promoted');
    const approvals = result.status.actions.filter((a) => a.action === 'approve').map((a) => [a.by, a.signedWith]);
    expect(approvals).toEqual([
      ['bob', keys.bob.fingerprint],
      ['carol', keys.carol.fingerprint],
    ]);
    // The refusals left no trace: the history holds the two approvals that were taken, and nothing else sent.
    const { EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED } = temporal.api.enums.v1.EventType;
    const events = (await handle.fetchHistory()).events ?? [];
    expect(events.filter((e) => e.eventType === EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED)).toHaveLength(2);
    const alias = await lambda.send(new GetAliasCommand({ FunctionName: name, Name: 'live' }));
    expect(alias.FunctionVersion).toBe(result.status.candidateVersion);
    await recordHistory(handle, 'canary-policy-signed-approvals-promoted');
  });
});

it("the plan's own approval gate of a run a signing rule matches takes only signed answers", async () => {
  const name = uniqueName('signed-own');
  const lambda = await createLambdaService(endpoint, name);
  const plan = lambdaPlan(name, canary({ setWeight: 20 }, { approval: { name: 'go', approvers: ['erin'] } }, { setWeight: 100 }));
  plan.metadata.environment = 'staging';
  plan.metadata.requestedBy = 'dave';

  await harness.run(async () => {
    const started = await startDeployment(harness.client, plan, harness.taskQueue);
    if (started.kind === 'conflict') throw new Error('conflict');
    const { handle } = started;
    await waitForStatus(handle, (s) => s.gate?.name === 'policy:staging-signed');
    await send(handle, await signed(handle, 'bob', 'bob', { gate: 'policy:staging-signed' }));

    // Erin is no member of sre, but the plan names her and the policy holds her key.
    expect(await waitForStatus(handle, (s) => s.gate?.name === 'go')).toMatchObject({
      weight: 20,
      gate: { approvers: ['erin'], signed: true },
    });
    expect(await refusal(handle, { by: 'erin', reason: 'from the UI' })).toMatch(
      joinedPattern(
        /^approval needs a signature: policy rule "staging-signed" requires signed approvals /,
        /.*glidepath approve deploy:\S+ --by erin --sign-key/,
      ),
    );
    expect(await refusal(handle, await signed(handle, 'erin', 'mallory', { gate: 'go' }))).toMatch(/^erin signed with key SHA256:/);
    const stillAtGo = async () =>
      expect(await handle.query(statusQuery)).toMatchObject({ phase: 'AwaitingApproval', weight: 20, gate: { name: 'go' } });
    await stillAtGo();

    // Erin's key has a passphrase. With no agent holding it and no passphrase typed, ssh-keygen cannot sign: the
    // command stops with exit 2 and sends nothing.
    const erinApproves = (keyFile: string, env: Record<string, string>) =>
      runCli(['approve', handle.workflowId, '--by', 'erin', '--reason', 'smoke tests green', '--sign-key', keyFile], {
        TEMPORAL_ADDRESS: inject('temporalAddress'),
        GLIDEPATH_TASK_QUEUE: harness.taskQueue,
        SSH_AUTH_SOCK: '',
        ...askpassEnv(),
        ...env,
      });
    const locked = await erinApproves(erin.file, {});
    expect(locked.code, locked.stderr).toBe(EXIT.invalidPlan);
    expect(locked.stderr).toContain(`--sign-key: ssh-keygen could not sign with ${erin.file} (`);
    expect(locked.stderr).toContain('Nothing was sent.');
    await stillAtGo();

    // Her key loaded into ssh-agent (ssh-add asked for the passphrase once), the real CLI signs through the agent,
    // given only the .pub file, as git does with user.signingKey.
    agent.add(erin.file, ERIN_PASSPHRASE);
    const viaAgent = await erinApproves(`${erin.file}.pub`, agent.env);
    expect(viaAgent.code, viaAgent.stderr).toBe(EXIT.ok);
    expect(viaAgent.stdout).toContain('approved go');

    const result = await handle.result();
    expect(result.outcome).toBe('promoted');
    const approvals = result.status.actions.filter((a) => a.action === 'approve').map((a) => [a.gate, a.by, a.signedWith]);
    expect(approvals).toEqual([
      ['policy:staging-signed', 'bob', keys.bob.fingerprint],
      ['go', 'erin', erin.fingerprint],
    ]);
    // What the history holds of each answer taken: the armored SSH signature ssh-keygen wrote (public, no secret).
    const answers = ((await handle.fetchHistory()).events ?? []).flatMap((e) => {
      const data = e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.args?.payloads?.[0]?.data;
      return data ? [Buffer.from(data).toString()] : [];
    });
    expect(answers).toHaveLength(2);
    for (const answer of answers) expect(answer).toMatch(/-----BEGIN SSH SIGNATURE-----.*-----END SSH SIGNATURE-----/s);
    const alias = await lambda.send(new GetAliasCommand({ FunctionName: name, Name: 'live' }));
    expect(alias.FunctionVersion).toBe(result.status.candidateVersion);
    await recordHistory(handle, 'canary-policy-ssh-signed-approvals-promoted');
  });
});
