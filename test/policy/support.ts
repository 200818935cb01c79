/** Policy files and the glidepath CLI for the policy tests. */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';

const dir = mkdtempSync(path.join(os.tmpdir(), 'glidepath-policy-'));

/** Writes a policy file with these groups and rules; returns its path. */
export function policyFile(name: string, groups: Record<string, string[]>, rules: unknown[]): string {
  const file = path.join(dir, `${name}.yaml`);
  writeFileSync(file, stringify({ apiVersion: 'glidepath/v1', kind: 'Policy', groups, rules }));
  return file;
}

export function writeYaml(name: string, doc: unknown): string {
  const file = path.join(dir, name);
  writeFileSync(file, stringify(doc));
  return file;
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `glidepath <args>` with `env` added. */
export function glidepath(args: string[], env: Record<string, string>): Promise<CliRun> {
  const child = spawn(path.join(__dirname, '..', '..', 'bin', 'glidepath'), args, { env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr })));
}
