/**
 * Pure-JS ed25519 verification and the SHA-2 hashes for workflow code (noble's, no WebCrypto, no Node): synchronous,
 * as update validators must be, and deterministic. Loaded at the first use: each workflow evaluates the modules
 * it loads, and most runs never verify a signature.
 */

type Noble = typeof import('@noble/ed25519');
type Sha2 = typeof import('@noble/hashes/sha2.js');

function sha2(): Sha2 {
  return require('@noble/hashes/sha2.js') as Sha2;
}

function ed25519(): Noble {
  const ed = require('@noble/ed25519') as Noble;
  // noble verifies synchronously only with a synchronous SHA-512.
  ed.hashes.sha512 ??= sha2().sha512;
  return ed;
}

/** Whether `signature` is `publicKey`'s ed25519 signature of `message` (RFC 8032, strict: no ZIP-215 leniency). */
export function verifyEd25519(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  if (signature.length !== 64 || publicKey.length !== 32) return false;
  try {
    return ed25519().verify(signature, message, publicKey, { zip215: false });
  } catch {
    return false; // a key that is not a curve point
  }
}

/** SHA-512 or SHA-256 of `message` by the name SSH gives them; undefined for any other name. */
export function sshHash(algorithm: string, message: Uint8Array): Uint8Array | undefined {
  if (algorithm === 'sha512') return sha2().sha512(message);
  if (algorithm === 'sha256') return sha2().sha256(message);
  return undefined;
}
