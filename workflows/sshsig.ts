/**
 * SSH signatures as `ssh-keygen -Y sign` writes them (OpenSSH's PROTOCOL.sshsig, the format git signs commits
 * with): the armored text read into its fields, and the bytes its signature covers. Pure and deterministic
 * (Uint8Array only, no Buffer, no TextDecoder): the approve/reject update validator reads them in workflow code.
 */
import { decodeBase64 } from '../plan/base64';

const BEGIN = '-----BEGIN SSH SIGNATURE-----';
const END = '-----END SSH SIGNATURE-----';
/** The six bytes "SSHSIG" that open both the blob and the signed data. */
const MAGIC = [0x53, 0x53, 0x48, 0x53, 0x49, 0x47];
const VERSION = 1;
/** An armored ed25519 signature is under 400 characters; this bounds what a validator parses. */
export const MAX_ARMORED_LENGTH = 2000;

export interface SshSignature {
  /** The signer's public key in the SSH wire encoding (string type, string key for ed25519): what a .pub line holds. */
  publicKey: Uint8Array;
  /** The public key's type, e.g. "ssh-ed25519". */
  keyType: string;
  namespace: string;
  /** Empty today; it is part of the signed data, so it is kept as it came. */
  reserved: Uint8Array;
  hashAlgorithm: string;
  /** The SSH signature's algorithm, e.g. "ssh-ed25519". */
  signatureType: string;
  /** The signature's own bytes (64 for ed25519). */
  signature: Uint8Array;
}

/** Whether `text` looks like an armored SSH signature (its markers), before it is parsed. */
export const isArmoredSshSignature = (text: string) => text.trimStart().startsWith(BEGIN);

/** Reads SSH wire-format fields (uint32 length, then the bytes); undefined past the end. */
class Reader {
  at = 0;
  constructor(private readonly bytes: Uint8Array) {}
  uint32(): number | undefined {
    if (this.at + 4 > this.bytes.length) return undefined;
    const b = this.bytes;
    const n = ((b[this.at] << 24) | (b[this.at + 1] << 16) | (b[this.at + 2] << 8) | b[this.at + 3]) >>> 0;
    this.at += 4;
    return n;
  }
  string(): Uint8Array | undefined {
    const length = this.uint32();
    if (length === undefined || this.at + length > this.bytes.length) return undefined;
    const out = this.bytes.subarray(this.at, this.at + length);
    this.at += length;
    return out;
  }
  get done(): boolean {
    return this.at === this.bytes.length;
  }
}

/** Printable ASCII as a string; undefined for any other byte (names in these fields are ASCII). */
function ascii(bytes: Uint8Array | undefined): string | undefined {
  if (bytes === undefined) return undefined;
  let out = '';
  for (const b of bytes) {
    if (b < 0x20 || b > 0x7e) return undefined;
    out += String.fromCharCode(b);
  }
  return out;
}

/** The fields of an armored SSH signature, or what is wrong with it. */
export function readArmoredSshSignature(text: string): SshSignature | { problem: string } {
  const trimmed = text.trim();
  if (trimmed.length > MAX_ARMORED_LENGTH) return { problem: `longer than ${MAX_ARMORED_LENGTH} characters` };
  if (!trimmed.startsWith(BEGIN) || !trimmed.endsWith(END)) return { problem: `not between "${BEGIN}" and "${END}"` };
  const blob = decodeBase64(trimmed.slice(BEGIN.length, trimmed.length - END.length).replace(/[\r\n]/g, ''));
  if (!blob) return { problem: 'its body is not base64' };
  if (blob.length < MAGIC.length || MAGIC.some((b, i) => blob[i] !== b)) return { problem: 'its body does not start with "SSHSIG"' };
  const r = new Reader(blob.subarray(MAGIC.length));
  const version = r.uint32();
  // Verifiers must refuse versions they do not know (PROTOCOL.sshsig).
  if (version !== VERSION) return { problem: `version ${version ?? 'missing'}, only version ${VERSION} is known` };
  const publicKey = r.string();
  const namespace = ascii(r.string());
  const reserved = r.string();
  const hashAlgorithm = ascii(r.string());
  const signatureBlob = r.string();
  if (!publicKey || namespace === undefined || !reserved || hashAlgorithm === undefined || !signatureBlob || !r.done)
    return { problem: 'its blob is cut short, has fields that are not ASCII, or has bytes after the signature' };
  const keyType = ascii(new Reader(publicKey).string());
  const s = new Reader(signatureBlob);
  const signatureType = ascii(s.string());
  const signature = s.string();
  if (keyType === undefined || signatureType === undefined || !signature) return { problem: 'its key or signature field is cut short' };
  // ed25519 signatures end with the signature; other types (sk-ssh-ed25519: flags and counter) are refused by type.
  if (signatureType === 'ssh-ed25519' && !s.done) return { problem: 'its signature field has bytes after the signature' };
  return { publicKey, keyType, namespace, reserved, hashAlgorithm, signatureType, signature };
}

/** The bytes the signature covers: "SSHSIG", then namespace, reserved, hash algorithm and the message's hash as strings. */
export function sshSignedData(sig: SshSignature, messageHash: Uint8Array): Uint8Array {
  const bytesOf = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
  const fields = [bytesOf(sig.namespace), sig.reserved, bytesOf(sig.hashAlgorithm), messageHash];
  const out = new Uint8Array(MAGIC.length + fields.reduce((n, f) => n + 4 + f.length, 0));
  out.set(MAGIC);
  let at = MAGIC.length;
  for (const f of fields) {
    out[at] = f.length >>> 24;
    out[at + 1] = (f.length >>> 16) & 0xff;
    out[at + 2] = (f.length >>> 8) & 0xff;
    out[at + 3] = f.length & 0xff;
    out.set(f, at + 4);
    at += 4 + f.length;
  }
  return out;
}
