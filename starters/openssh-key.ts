/**
 * An approver's private key as `ssh-keygen -t ed25519` writes it (the OpenSSH format, "-----BEGIN OPENSSH PRIVATE
 * KEY-----"), read into a Node key that signs. Unencrypted ed25519 keys only: glidepath does not ask for
 * passphrases, and does not talk to ssh-agent. Every refusal is a KeyFileProblem saying what to do instead.
 */
import { type KeyObject, createPrivateKey } from 'node:crypto';
import { ED25519, ed25519Blob, sshFingerprint } from '../plan/ssh-public-key';

export class KeyFileProblem extends Error {}

export interface SigningKey {
  privateKey: KeyObject;
  /** "SHA256:…", as `ssh-keygen -lf` prints it and the workflow looks the key up by. */
  fingerprint: string;
}

const MAGIC = 'openssh-key-v1\0';
/** PKCS #8 for an Ed25519 private key (RFC 8410), up to its 32-byte seed. */
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

const NEW_KEY = 'make a key for approvals without a passphrase: ssh-keygen -t ed25519 -N "" -f ~/.ssh/glidepath_ed25519';

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

export function readOpenSshPrivateKey(text: string): SigningKey {
  const body = /-----BEGIN OPENSSH PRIVATE KEY-----([\s\S]*?)-----END OPENSSH PRIVATE KEY-----/.exec(text)?.[1];
  if (body === undefined) {
    if (text.startsWith('ssh-')) throw new KeyFileProblem('this is a public key (.pub); give the private key file beside it');
    throw new KeyFileProblem('not an OpenSSH private key ("-----BEGIN OPENSSH PRIVATE KEY-----")');
  }
  const bytes = Buffer.from(body.replace(/\s+/g, ''), 'base64');
  if (bytes.subarray(0, MAGIC.length).toString('latin1') !== MAGIC) throw new KeyFileProblem('not an OpenSSH private key (bad header)');
  const r = new Reader(bytes.subarray(MAGIC.length));
  const cipher = r.string().toString();
  r.string(); // kdf name
  r.string(); // kdf options
  if (cipher !== 'none')
    throw new KeyFileProblem(
      `the key is encrypted with a passphrase (${cipher}); glidepath signs with unencrypted keys only and does not ` +
        `use ssh-agent; ${NEW_KEY}`,
    );
  if (r.uint32() !== 1) throw new KeyFileProblem('the file holds several keys; give a file with one ed25519 key');
  const publicBlob = r.string();
  const type = new Reader(publicBlob).string().toString();
  if (type !== ED25519) throw new KeyFileProblem(`a ${type} key; approvals are signed with ed25519 keys: ${NEW_KEY}`);
  const secret = new Reader(r.string());
  const [check1, check2] = [secret.uint32(), secret.uint32()];
  if (check1 !== check2) throw new KeyFileProblem('the key file is damaged (its check numbers differ)');
  secret.string(); // key type again
  const publicKey = secret.string();
  const pair = secret.string(); // the 32-byte seed, then the public key
  if (publicKey.length !== 32 || pair.length !== 64 || !pair.subarray(32).equals(publicKey))
    throw new KeyFileProblem('the key file is damaged (its ed25519 key is not 32 bytes, or does not match its public key)');
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, pair.subarray(0, 32)]), format: 'der', type: 'pkcs8' });
  // The seed must give the public key the file names: the policy lists that one.
  const derived = Buffer.from(privateKey.export({ format: 'jwk' }).x as string, 'base64url');
  if (!derived.equals(publicKey)) throw new KeyFileProblem('the key file is damaged (its private key does not give its public key)');
  return { privateKey, fingerprint: sshFingerprint(ed25519Blob(publicKey)) };
}
