/**
 * ed25519 key pairs in the files `ssh-keygen -t ed25519` writes: the private key in the OpenSSH format and the
 * .pub line, made in Node so the tests need no ssh-keygen (test/unit/openssh-key.test.ts checks the files against
 * ssh-keygen where it exists).
 */
import { type KeyObject, createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const dir = mkdtempSync(path.join(os.tmpdir(), 'glidepath-keys-'));

export interface TestSshKey {
  /** Path of the OpenSSH private key file. */
  file: string;
  /** The .pub line, "ssh-ed25519 AAAA… comment". */
  publicLine: string;
  fingerprint: string;
  /** The private key in Node, for the bare signatures of CLIs before SSH signatures (bare-signature.ts). */
  privateKey: KeyObject;
}

const uint32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};
const field = (bytes: Buffer | string) => {
  const b = Buffer.from(bytes);
  return Buffer.concat([uint32(b.length), b]);
};

/**
 * A new key pair written as `name` and `name.pub`. `encrypted`: the header of a passphrase-protected key (its
 * private part random bytes, as it would look without the passphrase). `type`: another key type's name in the blob.
 */
export function makeSshKey(name: string, options: { encrypted?: boolean; type?: string } = {}): TestSshKey {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const pub = Buffer.from(publicKey.export({ format: 'jwk' }).x as string, 'base64url');
  const seed = Buffer.from(privateKey.export({ format: 'jwk' }).d as string, 'base64url');
  const type = options.type ?? 'ssh-ed25519';
  const publicBlob = Buffer.concat([field(type), field(pub)]);
  const check = uint32(randomBytes(4).readUInt32BE());
  let secret = Buffer.concat([check, check, field(type), field(pub), field(Buffer.concat([seed, pub])), field(`${name}@test`)]);
  const padding = Buffer.from([1, 2, 3, 4, 5, 6, 7].slice(0, (8 - (secret.length % 8)) % 8));
  secret = Buffer.concat([secret, padding]);
  if (options.encrypted) secret = randomBytes(secret.length);
  const body = Buffer.concat([
    Buffer.from('openssh-key-v1\0', 'latin1'),
    field(options.encrypted ? 'aes256-ctr' : 'none'),
    field(options.encrypted ? 'bcrypt' : 'none'),
    field(options.encrypted ? Buffer.concat([field(randomBytes(16)), uint32(16)]) : Buffer.alloc(0)),
    uint32(1),
    field(publicBlob),
    field(secret),
  ]);
  const lines = body.toString('base64').match(/.{1,70}/g) ?? [];
  const file = path.join(dir, name);
  writeFileSync(file, `-----BEGIN OPENSSH PRIVATE KEY-----\n${lines.join('\n')}\n-----END OPENSSH PRIVATE KEY-----\n`, { mode: 0o600 });
  const publicLine = `${type} ${publicBlob.toString('base64')} ${name}@test`;
  writeFileSync(`${file}.pub`, `${publicLine}\n`);
  const fingerprint = `SHA256:${createHash('sha256').update(publicBlob).digest('base64').replace(/=+$/, '')}`;
  return { file, publicLine, fingerprint, privateKey };
}
