/**
 * The real OpenSSH tools: keys made by `ssh-keygen` (with a passphrase or not), and an `ssh-agent` of the test's
 * own on a socket of its own, which `ssh-add` loads with a key's passphrase through SSH_ASKPASS (no terminal).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const hasOpenSsh = ['ssh-keygen', 'ssh-agent', 'ssh-add'].every((tool) => spawnSync(tool, ['-?']).error === undefined);

const dir = mkdtempSync(path.join(os.tmpdir(), 'glidepath-openssh-'));

/** A script ssh-keygen and ssh-add run for a passphrase: prints $GLIDEPATH_TEST_PASSPHRASE, or fails when unset. */
const askpass = path.join(dir, 'askpass');
writeFileSync(askpass, '#!/bin/sh\n[ -n "$GLIDEPATH_TEST_PASSPHRASE" ] || exit 1\nprintf "%s\\n" "$GLIDEPATH_TEST_PASSPHRASE"\n', {
  mode: 0o700,
});

/** The environment that makes OpenSSH answer its passphrase prompts with `passphrase` (or refuse them: undefined). */
export function askpassEnv(passphrase?: string): Record<string, string> {
  return { SSH_ASKPASS: askpass, SSH_ASKPASS_REQUIRE: 'force', DISPLAY: ':0', GLIDEPATH_TEST_PASSPHRASE: passphrase ?? '' };
}

export interface KeygenKey {
  file: string;
  publicLine: string;
  fingerprint: string;
}

/** `ssh-keygen -t <type> -N <passphrase>`: a key as a person makes one. */
export function makeKeygenKey(name: string, options: { passphrase?: string; type?: string } = {}): KeygenKey {
  const file = path.join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', options.type ?? 'ed25519', '-N', options.passphrase ?? '', '-C', `${name}@test`, '-f', file]);
  const publicLine = readFileSync(`${file}.pub`, 'utf8').trim();
  const fingerprint = execFileSync('ssh-keygen', ['-l', '-f', `${file}.pub`], { encoding: 'utf8' }).split(' ')[1];
  return { file, publicLine, fingerprint };
}

export interface SshAgent {
  /** SSH_AUTH_SOCK of this agent, and nothing of the test's own agent. */
  env: Record<string, string>;
  /** `ssh-add file`, typing `passphrase`. */
  add(file: string, passphrase: string): void;
  stop(): void;
}

/** An ssh-agent on its own socket: `ssh-agent -a` returns once the socket listens, with the agent's pid. */
export function startSshAgent(name: string): SshAgent {
  const socket = path.join(dir, `${name}.sock`);
  const out = execFileSync('ssh-agent', ['-s', '-a', socket], { encoding: 'utf8' });
  const pid = Number(/SSH_AGENT_PID=(\d+)/.exec(out)?.[1]);
  if (!pid) throw new Error(`ssh-agent printed no pid: ${out}`);
  const env = { SSH_AUTH_SOCK: socket };
  return {
    env,
    add: (file, passphrase) =>
      execFileSync('ssh-add', [file], { env: { ...process.env, ...env, ...askpassEnv(passphrase) }, stdio: ['ignore', 'pipe', 'pipe'] }),
    stop: () => process.kill(pid),
  };
}
