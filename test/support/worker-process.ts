/** A real `glidepath worker` process, for tests that kill it. */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';

export interface WorkerProcess {
  child: ChildProcess;
  output: () => string;
  kill(signal: NodeJS.Signals): Promise<void>;
}

export async function spawnWorker(env: Record<string, string>): Promise<WorkerProcess> {
  const bin = path.join(__dirname, '..', '..', 'bin', 'glidepath');
  const child = spawn(bin, ['worker'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const deadline = Date.now() + 60_000;
  while (!/glidepath worker: task queue/.test(output)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`worker did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    child,
    output: () => output,
    kill: async (signal) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill(signal);
      await exited;
    },
  };
}
