/**
 * An approver's OpenSSH ed25519 public key, as a line of `~/.ssh/id_ed25519.pub` ("ssh-ed25519 AAAA… comment"):
 * the 32-byte key the workflow verifies with, and its fingerprint as `ssh-keygen -lf` prints it. Worker and CLI
 * only (Buffer, node:crypto).
 */
import { createHash } from 'node:crypto';

export const ED25519 = 'ssh-ed25519';

export interface SshPublicKey {
  /** The raw 32-byte ed25519 key, base64. */
  key: string;
  /** "SHA256:…", the sha256 of the key blob, base64 without padding (OpenSSH's fingerprint). */
  fingerprint: string;
}

/** The fingerprint of an SSH public key blob (the base64 field of a .pub line, decoded). */
export const sshFingerprint = (blob: Buffer) => `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;

/** The SSH wire encoding of an ed25519 public key: string "ssh-ed25519", string key. */
export function ed25519Blob(key: Buffer): Buffer {
  const field = (bytes: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, bytes.length]), bytes]);
  return Buffer.concat([field(Buffer.from(ED25519)), field(key)]);
}

/** The key of a .pub line, or the reason it is not an ed25519 public key. */
export function parseSshPublicKey(line: string): SshPublicKey | { problem: string } {
  const example = 'expected a line of ~/.ssh/id_ed25519.pub: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA… you@laptop"';
  if (/PRIVATE KEY/.test(line))
    return { problem: 'this is a private key: the policy holds public keys only (the .pub file); remove it and rotate that key' };
  const [type, data] = line.trim().split(/\s+/);
  if (type !== ED25519)
    return { problem: `${type ? `a key of type "${type.slice(0, 40)}"` : 'no key'}: only ssh-ed25519 keys sign approvals; ${example}` };
  const blob = data && /^[A-Za-z0-9+/]+={0,2}$/.test(data) ? Buffer.from(data, 'base64') : undefined;
  if (blob?.length !== 51 || !blob.subarray(0, 19).equals(ed25519Blob(Buffer.alloc(32)).subarray(0, 19)))
    return { problem: `the base64 part is not an ssh-ed25519 key (cut or altered?); ${example}` };
  return { key: blob.subarray(19).toString('base64'), fingerprint: sshFingerprint(blob) };
}
