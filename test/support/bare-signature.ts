/**
 * The signature CLIs before SSH signatures sent: the bare ed25519 signature of the approval text, base64, signed
 * in-process with an unencrypted key. Runs in flight and older CLIs still answer gates with it.
 */
import { sign } from 'node:crypto';
import { type ApprovalSignature, type SignedFields, approvalPayload } from '../../workflows/approval-payload';
import type { TestSshKey } from './ssh-keys';

export function signBare(key: TestSshKey, fields: SignedFields): ApprovalSignature {
  const sig = sign(null, Buffer.from(approvalPayload(fields)), key.privateKey).toString('base64');
  return { sig, key: key.fingerprint, signedAt: fields.signedAt };
}
