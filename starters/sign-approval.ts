/**
 * `glidepath approve|reject --sign-key <file>` (or GLIDEPATH_SIGNING_KEY): signs the answer as git signs commits,
 * through `ssh-keygen -Y sign -n glidepath-approval`, over approval-payload.ts's text for the run and gate it
 * answers. ssh-keygen finds the key: in ssh-agent when the agent holds it (the file may then be the .pub), else
 * from the file, asking for its passphrase on the terminal. A key that cannot sign stops the command before
 * anything is sent (exit 2).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { type ApprovalSignature, SIGNATURE_NAMESPACE, type SignedFields, approvalPayload } from '../workflows/approval-payload';
import { readArmoredSshSignature } from '../workflows/sshsig';
import { sshFingerprint } from '../plan/ssh-public-key';
import { KeyFileProblem, readKeyFingerprint } from './openssh-key';
import { UsageError } from './usage-error';

export interface SigningKey {
  /** The flag or variable that named the key, for errors. */
  field: string;
  /** The key file, `~` expanded: what ssh-keygen is given. */
  path: string;
  /** "SHA256:…", as `ssh-keygen -lf` prints it and the workflow looks the key up by. */
  fingerprint: string;
}

/** The key named by `--sign-key`, else by GLIDEPATH_SIGNING_KEY; undefined when neither is set (an unsigned answer). */
export function loadSigningKey(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): SigningKey | undefined {
  const [field, file] = flag !== undefined ? ['--sign-key', flag] : ['GLIDEPATH_SIGNING_KEY', env.GLIDEPATH_SIGNING_KEY];
  if (!file) return undefined;
  const path = file.replace(/^~(?=$|\/)/, os.homedir());
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(
      `${field}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}; give the ` +
        `path of your ed25519 key, e.g. ~/.ssh/id_ed25519 (or its .pub with the key in ssh-agent)`,
    );
  }
  try {
    return { field, path, fingerprint: readKeyFingerprint(text) };
  } catch (err) {
    if (err instanceof KeyFileProblem) throw new UsageError(`${field}: ${path}: ${err.message}`);
    throw err;
  }
}

/** The signature an approval carries for these fields: the armored SSH signature ssh-keygen wrote, as it wrote it. */
export async function signApproval(
  key: SigningKey,
  fields: SignedFields,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ApprovalSignature> {
  const armored = await sshKeygenSign(key, approvalPayload(fields), env);
  const read = readArmoredSshSignature(armored);
  if ('problem' in read)
    throw new UsageError(`${key.field}: ssh-keygen -Y sign wrote no SSH signature glidepath can read (${read.problem})`);
  // The fingerprint of the key that did sign (a .pub beside another private key, say), which the workflow checks.
  return { sig: armored, key: sshFingerprint(Buffer.from(read.publicKey)), signedAt: fields.signedAt };
}

/** `ssh-keygen -Y sign` of `message` on stdin; its prompts (passphrase, touch) reach the terminal, its errors the user. */
function sshKeygenSign(key: SigningKey, message: string, env: NodeJS.ProcessEnv): Promise<string> {
  const args = ['-Y', 'sign', '-n', SIGNATURE_NAMESPACE, '-f', key.path];
  const child = spawn('ssh-keygen', args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  child.stdin.end(message);
  return new Promise((resolve, reject) => {
    child.on('error', (err: NodeJS.ErrnoException) =>
      reject(
        new UsageError(
          `${key.field}: cannot run ssh-keygen (${err.code ?? err.message}); signing needs OpenSSH 8.2 or later ` +
            `(ssh-keygen -Y sign): install openssh-client`,
        ),
      ),
    );
    child.on('close', (code) => {
      if (code === 0) return resolve(stdout);
      const said = stderr
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l && l !== 'Signing data on standard input' && !l.startsWith('Enter passphrase'))
        .join('; ');
      reject(
        new UsageError(
          `${key.field}: ssh-keygen could not sign with ${key.path} (${said || `exit ${code}`}); ` +
            'add the key to ssh-agent (ssh-add) or run the command in a terminal to type its passphrase',
        ),
      );
    });
  });
}
