/**
 * What an approver signs: one run, one gate, one decision, by one person, at one time. The CLI signs these bytes
 * with the approver's ed25519 key through `ssh-keygen -Y sign -n glidepath-approval` and the workflow's update
 * validator verifies them (approval-signatures.ts), so a signature answers nothing but the gate, run and decision it
 * names. Pure: shared by the CLI and workflows.
 */

/** How long a signature is good for after it was made: a signed approval sent later is refused as expired. */
export const SIGNATURE_VALID_MS = 10 * 60_000;
/** How far ahead of the workflow's clock a signature's time may be (the signer's clock runs a little fast). */
export const SIGNATURE_CLOCK_SKEW_MS = 60_000;

/** The namespace of approvals' SSH signatures (`ssh-keygen -Y sign -n …`): one made for git, say, never answers a gate. */
export const SIGNATURE_NAMESPACE = 'glidepath-approval';

export type Decision = 'approve' | 'reject';

export interface SignedFields {
  workflowId: string;
  runId: string;
  gate: string;
  decision: Decision;
  by: string;
  /** ISO instant at which the approver signed. */
  signedAt: string;
}

/** The signature an approval carries: `{"by": …, "signature": {"sig": …, "key": …, "signedAt": …}}`. */
export interface ApprovalSignature {
  /**
   * The signature of `approvalPayload(…)`: the armored SSH signature `ssh-keygen -Y sign -n glidepath-approval`
   * wrote ("-----BEGIN SSH SIGNATURE-----…"), or, from CLIs before it, the bare 64-byte ed25519 signature, base64.
   */
  sig: string;
  /** Fingerprint of the signing key ("SHA256:…", as `ssh-keygen -lf` prints it): which of the signer's keys to check. */
  key: string;
  signedAt: string;
}

/**
 * The signed text: a fixed prefix (a signature made for anything else never verifies here), then the fields as
 * a JSON array, which has one spelling for any values: no field can run into the next.
 */
export function approvalPayload(f: SignedFields): string {
  return `glidepath-approval-v1 ${JSON.stringify([f.workflowId, f.runId, f.gate, f.decision, f.by, f.signedAt])}`;
}
