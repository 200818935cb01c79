/**
 * An approval signed as git signs commits: `ssh-keygen -Y sign -n glidepath-approval` over approval-payload.ts's
 * text, with a key on disk (passphrase or not), in ssh-agent, or wherever ssh-keygen finds it. The validator
 * checks the armored signature here, synchronously and deterministically in workflow code.
 */
import { decodeBase64 } from '../plan/base64';
import type { SignerKey } from '../plan/policy-types';
import { SIGNATURE_NAMESPACE } from './approval-payload';
import { sshHash, verifyEd25519 } from './ed25519';
import { readArmoredSshSignature, sshSignedData } from './sshsig';

const ED25519 = 'ssh-ed25519';

/** Why the armored SSH signature `text` is not `key`'s signature of `payload` in glidepath's namespace; undefined when it is. */
export function sshSignatureRefusal(text: string, payload: string, key: SignerKey, by: string): string | undefined {
  const sig = readArmoredSshSignature(text);
  if ('problem' in sig) return `the SSH signature cannot be read (${sig.problem}); send it whole, as ssh-keygen -Y sign wrote it`;
  if (sig.namespace !== SIGNATURE_NAMESPACE)
    return (
      `the SSH signature was made for the namespace "${sig.namespace}", not "${SIGNATURE_NAMESPACE}" ` +
      `(a signature made for something else, a git commit say, never answers a gate); sign with -n ${SIGNATURE_NAMESPACE}`
    );
  if (sig.keyType !== ED25519 || sig.signatureType !== ED25519)
    return `the SSH signature was made with a ${sig.keyType} key; approvals are signed with ssh-ed25519 keys`;
  // The key in the blob must be the allowed key the answer names: the signature is checked against that key only.
  const allowed = decodeBase64(key.key);
  const named = allowed && ed25519Blob(allowed);
  if (!named || !sameBytes(named, sig.publicKey))
    return `the SSH signature was made with another key than the one the answer names (${by}'s allowed key ${key.fingerprint})`;
  const hash = sshHash(sig.hashAlgorithm, new TextEncoder().encode(payload));
  if (!hash) return `the SSH signature's hash algorithm "${sig.hashAlgorithm}" is not sha512 or sha256`;
  if (!verifyEd25519(sig.signature, sshSignedData(sig, hash), allowed))
    return (
      `the signature does not verify against ${by}'s allowed key ${key.fingerprint}: it was made for another ` +
      `run, gate or decision, or altered`
    );
  return undefined;
}

/**
 * What names this signature among those a run took: its ed25519 bytes, so the same signature sent again with
 * other line breaks (or another armor) is still a replay. The text itself when it cannot be read.
 */
export function sshSignatureId(text: string): string {
  const sig = readArmoredSshSignature(text);
  if ('problem' in sig) return text;
  return `sshsig:${Array.from(sig.signature, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/** The SSH wire encoding of an ed25519 public key: string "ssh-ed25519", string key. */
function ed25519Blob(key: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + ED25519.length + 4 + key.length);
  out[3] = ED25519.length;
  out.set(
    Uint8Array.from(ED25519, (c) => c.charCodeAt(0)),
    4,
  );
  out[4 + ED25519.length + 3] = key.length;
  out.set(key, 8 + ED25519.length);
  return out;
}

const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);
