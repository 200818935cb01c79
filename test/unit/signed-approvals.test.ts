/**
 * Signed approvals without a server: the text an approver signs, the bare ed25519 signature CLIs before SSH
 * signatures sent (Node's ed25519) checked by the workflow's pure-JS verifier, and each refusal the update validator
 * gives, with its reason, whatever the signature's form (test/unit/sshsig.test.ts: SSH signatures from ssh-keygen).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeBase64 } from '../../plan/base64';
import { readKeyFingerprint } from '../../starters/openssh-key';
import { type SignedFields, approvalPayload } from '../../workflows/approval-payload';
import { type SignedGate, signatureRefusal, verifies } from '../../workflows/approval-signatures';
import { checkApproval } from '../../workflows/message-input';
import { parseSshPublicKey } from '../../plan/ssh-public-key';
import { signBare } from '../support/bare-signature';
import { makeSshKey } from '../support/ssh-keys';
import { ALICE_APPROVES } from '../support/approval-fields';

const fields = ALICE_APPROVES;

describe('the signed text', () => {
  it('names every field, in one spelling, so no two answers share it', () => {
    expect(approvalPayload(fields)).toBe(
      'glidepath-approval-v1 ["deploy:payments/prod","run-1","policy:prod","approve","alice","2026-11-28T10:00:00.000Z"]',
    );
    const variants: SignedFields[] = [
      { ...fields, workflowId: 'deploy:payments/staging' },
      { ...fields, runId: 'run-2' },
      { ...fields, gate: 'policy:other' },
      { ...fields, decision: 'reject' },
      { ...fields, by: 'bob' },
      { ...fields, signedAt: '2026-11-28T10:00:01.000Z' },
      // A field cannot run into the next: the gate 'a","b' and the gate 'a' with by 'b' differ.
      { ...fields, gate: 'policy:prod","alice', by: '' },
    ];
    const texts = new Set([fields, ...variants].map(approvalPayload));
    expect(texts.size).toBe(variants.length + 1);
  });
});

describe('base64 as the workflow reads it', () => {
  it.each([
    ['', []],
    ['Zg==', [0x66]],
    ['Zm8=', [0x66, 0x6f]],
    ['Zm9v', [0x66, 0x6f, 0x6f]],
    ['Zm9vYg==', [0x66, 0x6f, 0x6f, 0x62]],
    ['/+8=', [0xff, 0xef]],
  ])('%j decodes', (text, bytes) => {
    expect([...(decodeBase64(text) ?? [-1])]).toEqual(bytes);
    expect(Buffer.from(bytes).toString('base64')).toBe(text);
  });

  it.each(['Zg=', 'Zh==', 'Zm9v!', 'Zm9vYg', 'Z===', '-_8=', 'Zg==Zg=='])('%j is refused', (text) => {
    expect(decodeBase64(text)).toBeUndefined();
  });
});

describe('bare signatures of older CLIs, verified in the workflow', () => {
  const alice = makeSshKey('alice');
  const mallory = makeSshKey('mallory');
  const allowed = parseSshPublicKey(alice.publicLine);
  if ('problem' in allowed) throw new Error(allowed.problem);
  const gate: SignedGate = { rule: 'prod', signers: { alice: [allowed], bob: [] } };
  const nowMs = Date.parse(fields.signedAt) + 5_000;
  const context = { workflowId: fields.workflowId, runId: fields.runId, gate: fields.gate, decision: fields.decision, nowMs };
  const refusal = (answer: Parameters<typeof signatureRefusal>[0], at = context, used: Set<string> = new Set()) =>
    signatureRefusal(answer, at, gate, used);

  it("reads the key's fingerprint as ssh-keygen names it", () => {
    expect(readKeyFingerprint(readFileSync(alice.file, 'utf8'))).toBe(alice.fingerprint);
    expect(allowed.fingerprint).toBe(alice.fingerprint);
  });

  it('a bare signature verifies in workflow code, and only for its own text and key', () => {
    const signature = signBare(alice, fields);
    expect(signature).toMatchObject({
      key: alice.fingerprint,
      signedAt: fields.signedAt,
      sig: expect.stringMatching(/^[A-Za-z0-9+/]{86}==$/),
    });
    expect(verifies(signature.sig, approvalPayload(fields), allowed.key)).toBe(true);
    expect(verifies(signature.sig, approvalPayload({ ...fields, decision: 'reject' }), allowed.key)).toBe(false);
    const other = parseSshPublicKey(mallory.publicLine) as { key: string };
    expect(verifies(signature.sig, approvalPayload(fields), other.key)).toBe(false);
    expect(verifies('not base64', approvalPayload(fields), allowed.key)).toBe(false);
    expect(verifies(signature.sig, approvalPayload(fields), Buffer.alloc(32, 0xff).toString('base64'))).toBe(false); // not a point
  });

  it('a fresh signature by an allowed key is taken', () => {
    expect(refusal({ by: 'alice', signature: signBare(alice, fields) })).toBeUndefined();
    const rejecting = { ...fields, decision: 'reject' as const };
    expect(refusal({ by: 'alice', signature: signBare(alice, rejecting) }, { ...context, decision: 'reject' })).toBeUndefined();
  });

  const forged = (change: Partial<SignedFields>) => ({ by: 'alice', signature: signBare(alice, { ...fields, ...change }) });
  const signedNow = signBare(alice, fields);
  it.each([
    [
      'unsigned (as from the Web UI)',
      { by: 'alice' },
      /^approval needs a signature: policy rule "prod" requires signed approvals .*--sign-key/,
    ],
    [
      'made for another gate',
      forged({ gate: 'policy:staging' }),
      /does not verify against alice's allowed key SHA256:.*another run, gate or decision/,
    ],
    ['made for another run', forged({ runId: 'run-0' }), /does not verify against alice's allowed key/],
    ['a reject sent as an approval', forged({ decision: 'reject' }), /does not verify/],
    ['by someone else, sent as alice', { by: 'alice', signature: signBare(alice, { ...fields, by: 'bob' }) }, /does not verify/],
    ['with its time changed', { by: 'alice', signature: { ...signedNow, signedAt: '2026-11-28T10:00:04.000Z' } }, /does not verify/],
    [
      'with its bytes changed',
      { by: 'alice', signature: { ...signedNow, sig: `${signedNow.sig.startsWith('A') ? 'B' : 'A'}${signedNow.sig.slice(1)}` } },
      /does not verify/,
    ],
    [
      'by a key the policy does not list',
      { by: 'alice', signature: signBare(mallory, fields) },
      /alice signed with key SHA256:\S+, which is not one of alice's allowed keys \(SHA256:/,
    ],
    [
      'expired',
      forged({ signedAt: '2026-11-28T09:50:04.000Z' }),
      /^the signature expired: made at 2026-11-28T09:50:04.000Z, a signature is good for 10m/,
    ],
    [
      'dated in the future',
      forged({ signedAt: '2026-11-28T10:01:06.000Z' }),
      /ahead of the run's time .* by more than 1m; check the signing machine's clock/,
    ],
  ])('refused: %s', (_, answer, reason) => {
    expect(refusal(answer)).toMatch(reason);
  });

  it('refused: a signature already used in this run (replayed), before anything else', () => {
    const signature = signBare(alice, fields);
    expect(refusal({ by: 'alice', signature }, context, new Set([signature.sig]))).toMatch(
      /already used in this run \(a replayed approval\)/,
    );
  });

  it('refused: an approver with no key', () => {
    expect(refusal({ by: 'bob', signature: signBare(alice, { ...fields, by: 'bob' }) })).toMatch(/bob has no key in the policy's signers/);
  });

  it('still good just inside the limits: 10 minutes old, or 1 minute ahead', () => {
    expect(refusal(forged({ signedAt: '2026-11-28T09:50:05.000Z' }))).toBeUndefined();
    expect(refusal(forged({ signedAt: '2026-11-28T10:01:05.000Z' }))).toBeUndefined();
  });
});

describe('the signature field of approve and reject', () => {
  const good = { sig: `${'A'.repeat(86)}==`, key: `SHA256:${'a'.repeat(43)}`, signedAt: '2026-11-28T10:00:00.000Z' };

  it('passes a well-formed one through, and nothing else of it', () => {
    const checked = checkApproval({ by: 'alice', signature: { ...good, extra: 1 } });
    expect(checked).toEqual({ success: true, data: { by: 'alice', reason: '', signature: good } });
  });

  it.each([
    ['not an object', 'sig', ['signature']],
    ['a short sig', { ...good, sig: 'AAAA' }, ['signature', 'sig']],
    ['a key that is no fingerprint', { ...good, key: 'ssh-ed25519 AAAA' }, ['signature', 'key']],
    ['a local time', { ...good, signedAt: '2026-11-28 10:00' }, ['signature', 'signedAt']],
    ['an impossible date', { ...good, signedAt: '2026-13-40T10:00:00Z' }, ['signature', 'signedAt']],
  ])('names the field of %s', (_, signature, path) => {
    const checked = checkApproval({ by: 'alice', signature });
    expect(checked.success).toBe(false);
    expect(checked.error?.issues.map((i) => i.path)).toEqual([path]);
  });
});
