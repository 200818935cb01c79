/** The real `glidepath` binary, run as CI and on-call run it: exit code, stdout and stderr. */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { inject } from 'vitest';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

const BIN = path.join(__dirname, '..', '..', 'bin', 'glidepath');

/**
 * Runs `glidepath <args>` with `env` over the test's environment; `onOutput` sees stdout as it arrives (to act while
 * --follow runs); `cli`: another command line that runs the CLI (the compiled one, say).
 */
export function runCli(
  args: string[],
  env: Record<string, string> = {},
  onOutput?: (stdout: string) => void,
  cli: string[] = [BIN],
): Promise<CliRun> {
  const child = spawn(cli[0], [...cli.slice(1), ...args], { env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
    onOutput?.(stdout);
  });
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr })));
}

/**
 * `glidepath <args>` as CI runs it against the tests' Temporal server, on the task queue of `taskQueue()` (read at each
 * call: a harness started in a beforeAll), as user ci-bot.
 */
export function harnessCli(taskQueue: () => string): (args: string[], onOutput?: (stdout: string) => void) => Promise<CliRun> {
  return (args, onOutput) =>
    runCli(
      args,
      {
        TEMPORAL_ADDRESS: inject('temporalAddress'),
        TEMPORAL_NAMESPACE: 'default',
        GLIDEPATH_TASK_QUEUE: taskQueue(),
        GLIDEPATH_USER: 'ci-bot',
      },
      onOutput,
    );
}
