/**
 * The key `--sign-key` names, read only for its public half before anything is sent: an OpenSSH private key file
 * ("-----BEGIN OPENSSH PRIVATE KEY-----", encrypted or not: its public key is stored in the clear) or a .pub line
 * (the key itself then in ssh-agent). ssh-keygen signs with it later (sign-approval.ts); here a key that can never
 * answer a gate (another type, a damaged file) is refused, and every refusal is a KeyFileProblem saying what to do.
 */
import { ED25519, parseSshPublicKey, sshFingerprint } from '../plan/ssh-public-key';

export class KeyFileProblem extends Error {}

const MAGIC = 'openssh-key-v1\0';

const NEW_KEY = 'make an ed25519 key for approvals: ssh-keygen -t ed25519 -f ~/.ssh/glidepath_ed25519';

/** Reads the SSH wire format: uint32 lengths before each string. */
class Reader {
  private at = 0;
  constructor(private readonly bytes: Buffer) {}
  uint32(): number {
    if (this.at + 4 > this.bytes.length) throw new KeyFileProblem('the key file is cut short');
    const n = this.bytes.readUInt32BE(this.at);
    this.at += 4;
    return n;
  }
  string(): Buffer {
    const length = this.uint32();
    if (this.at + length > this.bytes.length) throw new KeyFileProblem('the key file is cut short');
    const out = this.bytes.subarray(this.at, this.at + length);
    this.at += length;
    return out;
  }
}

/** The fingerprint ("SHA256:…", as `ssh-keygen -lf` prints it) of the ed25519 key in a private key file or .pub line. */
export function readKeyFingerprint(text: string): string {
  if (text.startsWith('ssh-') || text.startsWith('sk-')) return publicLineFingerprint(text);
  const body = /-----BEGIN OPENSSH PRIVATE KEY-----([\s\S]*?)-----END OPENSSH PRIVATE KEY-----/.exec(text)?.[1];
  if (body === undefined)
    throw new KeyFileProblem(
      'not an OpenSSH private key ("-----BEGIN OPENSSH PRIVATE KEY-----") or public key ("ssh-ed25519 AAAA…"); ' +
        'give ~/.ssh/id_ed25519 or its .pub with the key in ssh-agent',
    );
  const bytes = Buffer.from(body.replace(/\s+/g, ''), 'base64');
  if (bytes.subarray(0, MAGIC.length).toString('latin1') !== MAGIC) throw new KeyFileProblem('not an OpenSSH private key (bad header)');
  const r = new Reader(bytes.subarray(MAGIC.length));
  r.string(); // cipher: ssh-keygen asks for the passphrase, or the agent signs
  r.string(); // kdf name
  r.string(); // kdf options
  if (r.uint32() !== 1) throw new KeyFileProblem('the file holds several keys; give a file with one ed25519 key');
  const publicBlob = r.string();
  const pub = new Reader(publicBlob);
  const type = pub.string().toString();
  if (type !== ED25519) throw new KeyFileProblem(wrongType(type));
  if (pub.string().length !== 32) throw new KeyFileProblem('the key file is damaged (its ed25519 public key is not 32 bytes)');
  return sshFingerprint(publicBlob);
}

function publicLineFingerprint(line: string): string {
  const type = line.trim().split(/\s+/)[0];
  if (type !== ED25519) throw new KeyFileProblem(wrongType(type));
  const key = parseSshPublicKey(line);
  if ('problem' in key) throw new KeyFileProblem(key.problem);
  return key.fingerprint;
}

const wrongType = (type: string) =>
  type.startsWith('sk-')
    ? `a hardware (FIDO) key, ${type}; approvals are signed with ssh-ed25519 keys held on disk or in ssh-agent: ${NEW_KEY}`
    : `a ${type} key; approvals are signed with ed25519 keys: ${NEW_KEY}`;
