/**
 * Approvals signed as git signs commits: SSH signatures made by the real `ssh-keygen -Y sign` (through the CLI's
 * own signer) with a key without a passphrase, with a passphrase-protected key held by an ssh-agent this test
 * starts, and with the passphrase typed (through SSH_ASKPASS, there is no terminal here), each verified by the
 * workflow's pure-JS validator; tampered, wrong-namespace, wrong-key and other forms refused with the reason.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSshPublicKey } from '../../plan/ssh-public-key';
import { loadSigningKey, signApproval } from '../../starters/sign-approval';
import { UsageError } from '../../starters/usage-error';
import { type ApprovalSignature, type SignedFields, approvalPayload } from '../../workflows/approval-payload';
import { ApprovalSignatures, type SignedGate, signatureRefusal } from '../../workflows/approval-signatures';
import { checkApproval } from '../../workflows/message-input';
import { readArmoredSshSignature } from '../../workflows/sshsig';
import { type SshAgent, askpassEnv, hasOpenSsh, makeKeygenKey, startSshAgent } from '../support/ssh-agent';
import { makeSshKey } from '../support/ssh-keys';
import { ALICE_APPROVES } from '../support/approval-fields';

const fields = ALICE_APPROVES;
const context = {
  workflowId: fields.workflowId,
  runId: fields.runId,
  gate: fields.gate,
  decision: fields.decision,
  nowMs: Date.parse(fields.signedAt) + 5_000,
};
const PASSPHRASE = 'correct horse battery staple';

/** The environment of a person with no agent running (the test's own SSH_AUTH_SOCK left out). */
const { SSH_AUTH_SOCK: _, ...noAgent } = process.env;

describe.skipIf(!hasOpenSsh)('SSH signatures from ssh-keygen, checked by the workflow', () => {
  // alice has two keys in the policy: one without a passphrase (made in Node), one with (made by ssh-keygen).
  const plain = makeSshKey('sshsig-plain');
  const locked = makeKeygenKey('sshsig-locked', { passphrase: PASSPHRASE });
  const mallory = makeKeygenKey('sshsig-mallory');
  const allowed = [plain.publicLine, locked.publicLine].map((line) => parseSshPublicKey(line) as { key: string; fingerprint: string });
  const gate: SignedGate = { rule: 'prod', signers: { alice: allowed } };
  const refusal = (signature: ApprovalSignature) => signatureRefusal({ by: 'alice', signature }, context, gate, new Set());
  let agent: SshAgent;

  beforeAll(() => {
    agent = startSshAgent('sshsig-unit');
    agent.add(locked.file, PASSPHRASE);
  });
  afterAll(() => agent?.stop());

  /** What `glidepath approve --sign-key <file>` signs, in `env`. */
  const sign = (file: string, env: NodeJS.ProcessEnv, change: Partial<SignedFields> = {}) =>
    signApproval(loadSigningKey(file, {}) as NonNullable<ReturnType<typeof loadSigningKey>>, { ...fields, ...change }, env);

  it.each([
    ['a key without a passphrase, no agent', () => plain.file, () => noAgent, plain],
    [
      'a passphrase-protected key held by ssh-agent, named by its .pub',
      () => `${locked.file}.pub`,
      () => ({ ...noAgent, ...agent.env }),
      locked,
    ],
    [
      'a passphrase-protected key held by ssh-agent, named by its private file',
      () => locked.file,
      () => ({ ...noAgent, ...agent.env }),
      locked,
    ],
    ['a passphrase-protected key, its passphrase typed', () => locked.file, () => ({ ...noAgent, ...askpassEnv(PASSPHRASE) }), locked],
  ])('%s: an armored SSH signature the workflow takes', async (_, file, env, key) => {
    const signature = await sign(file(), env());
    expect(signature).toMatchObject({
      key: key.fingerprint,
      signedAt: fields.signedAt,
      sig: expect.stringMatching(/^-----BEGIN SSH SIGNATURE-----\n/),
    });
    expect(readArmoredSshSignature(signature.sig)).toMatchObject({
      namespace: 'glidepath-approval',
      hashAlgorithm: 'sha512',
      keyType: 'ssh-ed25519',
    });
    expect(checkApproval({ by: 'alice', signature })).toMatchObject({ success: true });
    expect(refusal(signature)).toBeUndefined();
    expect(signatureRefusal({ by: 'alice', signature }, { ...context, decision: 'reject' }, gate, new Set())).toMatch(
      /does not verify against alice's allowed key/,
    );
  });

  it('a passphrase-protected key with no agent and no passphrase: ssh-keygen says why, exit 2 (UsageError)', async () => {
    const failed = sign(locked.file, { ...noAgent, ...askpassEnv() });
    await expect(failed).rejects.toThrow(UsageError);
    await expect(failed).rejects.toThrow(
      /^--sign-key: ssh-keygen could not sign with .*sshsig-locked \(.+\); add the key to ssh-agent \(ssh-add\)/,
    );
  });

  /** ssh-keygen run by hand over the approval text: other namespaces and hash algorithms than the CLI's. */
  const keygen = (file: string, args: string[], change: Partial<SignedFields> = {}) =>
    execFileSync('ssh-keygen', ['-Y', 'sign', '-f', file, ...args], {
      input: approvalPayload({ ...fields, ...change }),
      env: noAgent,
      encoding: 'utf8',
      stdio: ['pipe', 'pipe', 'pipe'],
    });
  const asAlice = (sig: string, key = plain.fingerprint): ApprovalSignature => ({ sig, key, signedAt: fields.signedAt });

  it('takes sha256 as well as sha512 (ssh-keygen -O hashalg=sha256)', () => {
    const sig = keygen(plain.file, ['-n', 'glidepath-approval', '-O', 'hashalg=sha256']);
    expect(readArmoredSshSignature(sig)).toMatchObject({ hashAlgorithm: 'sha256' });
    expect(refusal(asAlice(sig))).toBeUndefined();
  });

  /** The armored signature with its blob changed by `edit`, armored again. */
  const reArmor = (sig: string, edit: (blob: Buffer) => Buffer) => {
    const blob = Buffer.from(sig.replace(/-----[A-Z ]+-----/g, '').replace(/\s/g, ''), 'base64');
    const lines =
      edit(Buffer.from(blob))
        .toString('base64')
        .match(/.{1,70}/g) ?? [];
    return `-----BEGIN SSH SIGNATURE-----\n${lines.join('\n')}\n-----END SSH SIGNATURE-----\n`;
  };
  const good = () => keygen(plain.file, ['-n', 'glidepath-approval']);

  it.each([
    ['made for git (-n git)', () => asAlice(keygen(plain.file, ['-n', 'git'])), /made for the namespace "git", not "glidepath-approval"/],
    [
      'made for another gate',
      () => asAlice(keygen(plain.file, ['-n', 'glidepath-approval'], { gate: 'policy:staging' })),
      /does not verify against alice's allowed key SHA256:/,
    ],
    ['made for another time than it says', () => ({ ...asAlice(good()), signedAt: '2026-11-28T10:00:01.000Z' }), /does not verify/],
    [
      'with a byte of its ed25519 signature flipped',
      () =>
        asAlice(
          reArmor(good(), (b) => {
            b[b.length - 1] ^= 1;
            return b;
          }),
        ),
      /does not verify against alice's allowed key/,
    ],
    [
      'with its namespace rewritten (same length)',
      () =>
        asAlice(reArmor(good(), (b) => Buffer.from(b.toString('latin1').replace('glidepath-approval', 'glidepath-approvaL'), 'latin1'))),
      /namespace "glidepath-approvaL"/,
    ],
    [
      'by a key the policy does not list, naming it',
      () => asAlice(keygen(mallory.file, ['-n', 'glidepath-approval']), mallory.fingerprint),
      /alice signed with key SHA256:\S+, which is not one of alice's allowed keys/,
    ],
    [
      "by a key the policy does not list, naming alice's key",
      () => asAlice(keygen(mallory.file, ['-n', 'glidepath-approval'])),
      /made with another key than the one the answer names \(alice's allowed key SHA256:/,
    ],
    [
      "alice's signature with its key field swapped for her other key",
      () => asAlice(good(), locked.fingerprint),
      /made with another key than the one the answer names/,
    ],
    [
      'of version 2',
      () =>
        asAlice(
          reArmor(good(), (b) => {
            b.writeUInt32BE(2, 6);
            return b;
          }),
        ),
      /cannot be read \(version 2, only version 1 is known\)/,
    ],
    ['cut short', () => asAlice(reArmor(good(), (b) => b.subarray(0, b.length - 10))), /cannot be read \(its blob is cut short/],
    ['with its armor cut', () => asAlice(good().replace('-----END SSH SIGNATURE-----', '')), /cannot be read \(not between/],
  ])('refused: %s', (_, signature, reason) => {
    expect(refusal(signature())).toMatch(reason);
  });

  it('refused: a signature by a key of another type', () => {
    const ecdsa = makeKeygenKey('sshsig-ecdsa', { type: 'ecdsa' });
    expect(refusal(asAlice(keygen(ecdsa.file, ['-n', 'glidepath-approval'])))).toMatch(
      /made with a ecdsa-sha2-nistp256 key; approvals are signed with ssh-ed25519 keys/,
    );
  });

  it('refused: a signature the run took, sent again with other line breaks (a replay)', () => {
    const sig = good();
    const signatures = new ApprovalSignatures();
    signatures.gate = gate;
    expect(signatures.refusal({ by: 'alice', signature: asAlice(sig) }, context)).toBeUndefined();
    // The update handler spends what the validator took.
    expect(signatures.spend({ by: 'alice', signature: asAlice(sig) })).toBe(plain.fingerprint);
    const rewrapped = reArmor(sig, (b) => b).replace(/\n/g, '\r\n');
    expect(rewrapped).not.toBe(sig);
    expect(signatures.refusal({ by: 'alice', signature: asAlice(rewrapped) }, context)?.message).toMatch(
      /already used in this run \(a replayed approval\)/,
    );
  });
});

describe('the shape of an SSH signature in an answer', () => {
  const base = { key: `SHA256:${'a'.repeat(43)}`, signedAt: '2026-11-28T10:00:00.000Z' };
  it('an armored signature passes the shape check; the validator reads it', () => {
    expect(
      checkApproval({ by: 'alice', signature: { ...base, sig: '-----BEGIN SSH SIGNATURE-----\nAAAA\n-----END SSH SIGNATURE-----\n' } }),
    ).toMatchObject({ success: true });
  });
  it.each([
    ['over 2000 characters', `-----BEGIN SSH SIGNATURE-----\n${'A'.repeat(2000)}\n-----END SSH SIGNATURE-----`],
    ['neither armored nor a bare signature', 'U1NIU0lH'],
  ])('refuses one %s, naming the field', (_, sig) => {
    const checked = checkApproval({ by: 'alice', signature: { ...base, sig } });
    expect(checked.error?.issues.map((i) => [i.path, i.message])).toEqual([
      [['signature', 'sig'], expect.stringContaining('ssh-keygen -Y sign -n glidepath-approval')],
    ]);
  });
});
