/**
 * Signed approvals: at every approval gate of a run a signing rule matches (the policy's own gates and the plan's),
 * an answer must carry a signature of approval-payload.ts's text by one of the approver's keys in the policy, made
 * within SIGNATURE_VALID_MS of the workflow's time and not used before in this run: an SSH signature as
 * `ssh-keygen -Y sign` makes it (sshsig-verify.ts), or the bare ed25519 signature CLIs before it sent. Checked in
 * the approve/reject update validator: synchronous, deterministic (the workflow's own clock), pure JS (ed25519.ts).
 */
import { decodeBase64 } from '../plan/base64';
import { formatDuration } from '../plan/duration';
import type { SignerKey } from '../plan/policy-types';
import { type ApprovalSignature, type Decision, SIGNATURE_CLOCK_SKEW_MS, SIGNATURE_VALID_MS, approvalPayload } from './approval-payload';
import { verifyEd25519 } from './ed25519';
import { sshSignatureId, sshSignatureRefusal } from './sshsig-verify';
import { isArmoredSshSignature } from './sshsig';

/** The keys that may sign answers at the gate being waited at, and the rule that requires them. */
export interface SignedGate {
  rule: string;
  signers: Record<string, SignerKey[]>;
}

export interface SignedAnswer {
  by: string;
  signature?: ApprovalSignature;
}

export interface AnswerContext {
  workflowId: string;
  runId: string;
  gate: string;
  decision: Decision;
  nowMs: number;
}

export class ApprovalSignatures {
  /** Set while the run waits at a policy gate whose rule requires signed answers: that rule's approvers' keys. */
  gate?: SignedGate;
  /** Set for the whole run when a rule that requires signed answers matches it: its other gates need them too. */
  run?: SignedGate;
  /** Signatures already accepted in this run (rebuilt on replay by the update handlers). */
  private readonly used = new Set<string>();

  /** The rule and keys the gate being waited at checks answers against; undefined when it takes unsigned ones. */
  get required(): SignedGate | undefined {
    return this.gate ?? this.run;
  }

  /** Update validator: why this answer's signature is refused, and the rule that requires it; undefined when the gate takes it. */
  refusal(answer: SignedAnswer, at: AnswerContext): { rule: string; message: string } | undefined {
    const gate = this.required;
    const message = gate && signatureRefusal(answer, at, gate, this.used);
    return gate && message ? { rule: gate.rule, message } : undefined;
  }

  /** Update handler, after the validator took the answer: spends its signature; the key that signed, to record. */
  spend(answer: SignedAnswer): string | undefined {
    if (!this.required || !answer.signature) return undefined;
    this.used.add(signatureId(answer.signature.sig));
    return answer.signature.key;
  }
}

export function signatureRefusal(answer: SignedAnswer, at: AnswerContext, gate: SignedGate, used: ReadonlySet<string>): string | undefined {
  const { by, signature } = answer;
  if (!signature)
    return (
      `approval needs a signature: policy rule "${gate.rule}" requires signed approvals (an answer from the Web UI carries none); ` +
      `sign it: glidepath ${at.decision} ${at.workflowId} --by ${by} --sign-key ~/.ssh/id_ed25519`
    );
  if (used.has(signatureId(signature.sig))) return 'this signature was already used in this run (a replayed approval); sign a new answer';
  const signedAt = Date.parse(signature.signedAt);
  if (at.nowMs - signedAt > SIGNATURE_VALID_MS)
    return (
      `the signature expired: made at ${signature.signedAt}, a signature is ` +
      `good for ${formatDuration(SIGNATURE_VALID_MS)} (the run's time is ${new Date(at.nowMs).toISOString()}); sign again`
    );
  if (signedAt - at.nowMs > SIGNATURE_CLOCK_SKEW_MS)
    return (
      `the signature is dated ${signature.signedAt}, ahead of the ` +
      `run's time ${new Date(at.nowMs).toISOString()} by more than ${formatDuration(SIGNATURE_CLOCK_SKEW_MS)}; ` +
      `check the signing machine's clock`
    );
  const keys = gate.signers[by] ?? [];
  const named = keys.map((k) => k.fingerprint).join(', ');
  if (keys.length === 0) return `${by} has no key in the policy's signers; ask the policy owners to add yours under signers.${by}`;
  const key = keys.find((k) => k.fingerprint === signature.key);
  if (!key)
    return (
      `${by} signed with key ${signature.key}, which is not one of ${by}'s allowed keys (${named}); ` +
      `sign with one of those, or ask the policy owners to add yours under signers.${by}`
    );
  const payload = approvalPayload({ ...at, by, signedAt: signature.signedAt });
  if (isArmoredSshSignature(signature.sig)) return sshSignatureRefusal(signature.sig, payload, key, by);
  if (!verifies(signature.sig, payload, key.key))
    return (
      `the signature does not verify against ${by}'s allowed key ${key.fingerprint}: it was made for another ` +
      `run, gate or decision, or altered`
    );
  return undefined;
}

/** What names a signature among those the run took (an SSH signature by its ed25519 bytes, whatever its line breaks). */
const signatureId = (sig: string) => (isArmoredSshSignature(sig) ? sshSignatureId(sig) : sig);

/** Whether `sig` (base64, the bare form of CLIs before SSH signatures) is `publicKey`'s ed25519 signature of `text`. */
export function verifies(sig: string, text: string, publicKey: string): boolean {
  const signature = decodeBase64(sig);
  const key = decodeBase64(publicKey);
  return signature !== undefined && key !== undefined && verifyEd25519(signature, new TextEncoder().encode(text), key);
}
