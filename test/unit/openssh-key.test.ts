/**
 * The approver's private key file as `ssh-keygen -t ed25519` writes it: read into a key that signs, or refused
 * with what to do instead; and through the real binary, a key that cannot sign stops `approve` with exit 2 before
 * anything is sent (TEMPORAL_ADDRESS points at a closed port: a command that got past the key would exit 1;
 * test/policy/signed-approvals.test.ts signs with good keys against a real server).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSshPublicKey } from '../../plan/ssh-public-key';
import { EXIT } from '../../starters/exit-codes';
import { readOpenSshPrivateKey } from '../../starters/openssh-key';
import { runCli } from '../support/cli';
import { makeSshKey } from '../support/ssh-keys';

const hasSshKeygen = spawnSync('ssh-keygen', ['-?']).error === undefined;
const read = (file: string) => readOpenSshPrivateKey(readFileSync(file, 'utf8'));

describe('reading an OpenSSH private key', () => {
  it('an unencrypted ed25519 key: its fingerprint is the one of its .pub line', () => {
    const key = makeSshKey('reader');
    expect(read(key.file).fingerprint).toBe(key.fingerprint);
    expect(parseSshPublicKey(key.publicLine)).toMatchObject({ fingerprint: key.fingerprint });
  });

  it.each([
    [
      'an encrypted key',
      () => makeSshKey('locked', { encrypted: true }).file,
      /encrypted with a passphrase \(aes256-ctr\).*does not use ssh-agent.*ssh-keygen -t ed25519 -N ""/,
    ],
    ['another key type', () => makeSshKey('rsa', { type: 'ssh-rsa' }).file, /a ssh-rsa key; approvals are signed with ed25519 keys/],
    ['the .pub file', () => `${makeSshKey('public').file}.pub`, /this is a public key \(\.pub\); give the private key file beside it/],
  ])('refuses %s, saying what to do', (_, file, message) => {
    expect(() => read(file())).toThrow(message);
  });

  it('refuses a damaged file', () => {
    const text = readFileSync(makeSshKey('damaged').file, 'utf8').replace(/\n(.{20})/, '\n');
    expect(() => readOpenSshPrivateKey(text)).toThrow(/cut short|damaged|bad header/);
  });

  it.skipIf(!hasSshKeygen)('agrees with ssh-keygen: on its keys, and it reads ours', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'glidepath-ssh-keygen-'));
    const file = path.join(dir, 'id_ed25519');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'real@laptop', '-f', file]);
    const fingerprint = execFileSync('ssh-keygen', ['-l', '-f', file], { encoding: 'utf8' }).split(' ')[1];
    expect(read(file).fingerprint).toBe(fingerprint);
    expect(parseSshPublicKey(readFileSync(`${file}.pub`, 'utf8'))).toMatchObject({ fingerprint });
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
    expect(r.stderr).toContain('--sign-key: cannot read /nonexistent/id_ed25519: ENOENT; give the path of your ed25519 private key');
    expect(r.stderr).toContain('Nothing was sent.');
  });

  it('GLIDEPATH_SIGNING_KEY naming an encrypted key: exit 2, naming the variable', async () => {
    const locked = makeSshKey('env-locked', { encrypted: true });
    const r = await runCli(['reject', 'payments/prod'], { ...env, GLIDEPATH_SIGNING_KEY: locked.file });
    expect(r.code, r.stderr).toBe(EXIT.invalidPlan);
    expect(r.stderr).toContain(`GLIDEPATH_SIGNING_KEY: ${locked.file}: the key is encrypted with a passphrase`);
  });
});
