/**
 * The key `--sign-key` names, read for its public half before anything is sent (ssh-keygen signs with it later):
 * a private key file, encrypted or not, or its .pub line; a key that can never answer a gate is refused with what
 * to do instead. Through the real binary, such a key stops `approve` with exit 2 before anything is sent
 * (TEMPORAL_ADDRESS points at a closed port: a command that got past the key would exit 1;
 * test/policy/signed-approvals.test.ts signs with good keys against a real server).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSshPublicKey } from '../../plan/ssh-public-key';
import { EXIT } from '../../starters/exit-codes';
import { readKeyFingerprint } from '../../starters/openssh-key';
import { runCli } from '../support/cli';
import { makeSshKey } from '../support/ssh-keys';

const hasSshKeygen = spawnSync('ssh-keygen', ['-?']).error === undefined;
const read = (file: string) => readKeyFingerprint(readFileSync(file, 'utf8'));

/** A private key in PKCS #8 PEM, as `openssl genpkey` writes it: not the OpenSSH format. */
function pemFile(): string {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'glidepath-pem-')), 'key.pem');
  writeFileSync(file, '-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----\n');
  return file;
}

describe('reading the public half of a key file', () => {
  it.each([
    ['an unencrypted ed25519 key', () => makeSshKey('reader').file],
    ['an encrypted one (its public key is in the clear)', () => makeSshKey('locked', { encrypted: true }).file],
    ['a .pub line (the key in ssh-agent)', () => `${makeSshKey('public').file}.pub`],
  ])('%s: the fingerprint of its .pub line', (_, file) => {
    const name = file();
    const pub = readFileSync(name.endsWith('.pub') ? name : `${name}.pub`, 'utf8');
    expect(read(name)).toBe((parseSshPublicKey(pub) as { fingerprint: string }).fingerprint);
  });

  it.each([
    [
      'another key type',
      () => makeSshKey('rsa', { type: 'ssh-rsa' }).file,
      /a ssh-rsa key; approvals are signed with ed25519 keys: make an ed25519 key/,
    ],
    [
      'another key type, as a .pub line',
      () => `${makeSshKey('rsa-pub', { type: 'ssh-rsa' }).file}.pub`,
      /a ssh-rsa key; approvals are signed/,
    ],
    [
      'a hardware key',
      () => `${makeSshKey('sk', { type: 'sk-ssh-ed25519@openssh.com' }).file}.pub`,
      /a hardware \(FIDO\) key, sk-ssh-ed25519@openssh.com/,
    ],
    ['a PEM file', pemFile, /not an OpenSSH private key .* or public key/],
  ])('refuses %s, saying what to do', (_, file, message) => {
    expect(() => read(file())).toThrow(message);
  });

  it('refuses a damaged file', () => {
    const text = readFileSync(makeSshKey('damaged').file, 'utf8').replace(/\n(.{20})/, '\n');
    expect(() => readKeyFingerprint(text)).toThrow(/cut short|damaged|bad header/);
  });

  it.skipIf(!hasSshKeygen)('agrees with ssh-keygen: on its keys, with a passphrase or not, and it reads ours', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'glidepath-ssh-keygen-'));
    for (const passphrase of ['', 'secret words']) {
      const file = path.join(dir, `id_ed25519${passphrase ? '_locked' : ''}`);
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', passphrase, '-C', 'real@laptop', '-f', file]);
      const fingerprint = execFileSync('ssh-keygen', ['-l', '-f', file], { encoding: 'utf8' }).split(' ')[1];
      expect(read(file)).toBe(fingerprint);
      expect(read(`${file}.pub`)).toBe(fingerprint);
    }
    // ssh-keygen derives the same public key from our private key file.
    const ours = makeSshKey('ours');
    expect(execFileSync('ssh-keygen', ['-y', '-f', ours.file], { encoding: 'utf8' }).split(' ').slice(0, 2)).toEqual(
      ours.publicLine.split(' ').slice(0, 2),
    );
  });
});

describe('glidepath approve with a key that cannot sign', { timeout: 60_000 }, () => {
  const env = { TEMPORAL_ADDRESS: '127.0.0.1:9', GLIDEPATH_USER: 'alice' };

  it('--sign-key naming no file: exit 2, the flag, the cause and the fix; nothing sent', async () => {
    const r = await runCli(['approve', 'payments/prod', '--sign-key', '/nonexistent/id_ed25519'], env);
    expect(r.code, r.stderr).toBe(EXIT.invalidPlan);
    expect(r.stderr).toContain(
      '--sign-key: cannot read /nonexistent/id_ed25519: ENOENT; give the path of your ed25519 key, e.g. ' +
        '~/.ssh/id_ed25519 (or its .pub with the key in ssh-agent)',
    );
    expect(r.stderr).toContain('Nothing was sent.');
  });

  it('GLIDEPATH_SIGNING_KEY naming a key of another type: exit 2, naming the variable', async () => {
    const rsa = makeSshKey('env-rsa', { type: 'ssh-rsa' });
    const r = await runCli(['reject', 'payments/prod'], { ...env, GLIDEPATH_SIGNING_KEY: rsa.file });
    expect(r.code, r.stderr).toBe(EXIT.invalidPlan);
    expect(r.stderr).toContain(`GLIDEPATH_SIGNING_KEY: ${rsa.file}: a ssh-rsa key; approvals are signed with ed25519 keys`);
  });
});
