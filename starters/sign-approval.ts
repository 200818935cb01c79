/**
 * `glidepath approve|reject --sign-key <file>` (or GLIDEPATH_SIGNING_KEY): signs the answer with the approver's
 * ed25519 key, as approval-payload.ts spells it, for the run and gate it answers. A key that cannot sign stops the
 * command before anything is sent (exit 2).
 */
import { sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { type ApprovalSignature, type SignedFields, approvalPayload } from '../workflows/approval-payload';
import { KeyFileProblem, type SigningKey, readOpenSshPrivateKey } from './openssh-key';
import { UsageError } from './usage-error';

/** The key named by `--sign-key`, else by GLIDEPATH_SIGNING_KEY; undefined when neither is set (an unsigned answer). */
export function loadSigningKey(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): SigningKey | undefined {
  const [field, file] = flag !== undefined ? ['--sign-key', flag] : ['GLIDEPATH_SIGNING_KEY', env.GLIDEPATH_SIGNING_KEY];
  if (!file) return undefined;
  const path = file.replace(/^~(?=$|\/)/, os.homedir());
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(
      `${field}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}; give the ` +
        `path of your ed25519 private key, e.g. ~/.ssh/id_ed25519`,
    );
  }
  try {
    return readOpenSshPrivateKey(text);
  } catch (err) {
    if (err instanceof KeyFileProblem) throw new UsageError(`${field}: ${path}: ${err.message}`);
    throw err;
  }
}

/** The signature an approval carries for these fields. */
export function signApproval(key: SigningKey, fields: SignedFields): ApprovalSignature {
  const sig = sign(null, Buffer.from(approvalPayload(fields)), key.privateKey).toString('base64');
  return { sig, key: key.fingerprint, signedAt: fields.signedAt };
}
