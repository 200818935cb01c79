/** A real `glidepath worker` process, for tests that kill it. */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { inject } from 'vitest';
import type { Platform } from '../../activities/types';
import { freePort } from './moto';

export interface WorkerProcess {
  child: ChildProcess;
  output: () => string;
  /** Resolves once the worker printed a line matching `pattern` (throws if it exits first). */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  kill(signal: NodeJS.Signals): Promise<void>;
}

export interface HeldCall {
  call: keyof Platform;
  when: 'before' | 'after';
  /** Only the call for the target of this environment. */
  environment?: string;
  /** The tests' prebuilt workflow bundle (saves bundling at start). */
  workflowBundle: string;
}

/**
 * The environment of a `glidepath worker` process on the tests' Temporal server, polling `taskQueue`, with AWS at
 * `awsEndpoint` (moto or the ECS simulator); `extra` adds to it.
 */
export function workerEnv(taskQueue: string, awsEndpoint: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_NAMESPACE: 'default',
    GLIDEPATH_TASK_QUEUE: taskQueue,
    AWS_ENDPOINT_URL: awsEndpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    ...extra,
  };
}

/**
 * `glidepath worker`; with `hold`, the same worker with that platform call held open once reached
 * (test/support/held-worker.ts), which prints "held: <call>" then.
 */
export async function spawnWorker(env: Record<string, string>, hold?: HeldCall): Promise<WorkerProcess> {
  const root = path.join(__dirname, '..', '..');
  const [command, args] = hold
    ? [process.execPath, ['--import', 'tsx', path.join(__dirname, 'held-worker.ts')]]
    : [path.join(root, 'bin', 'glidepath'), ['worker']];
  const holdEnv = hold
    ? {
        GLIDEPATH_TEST_HOLD: [hold.call, hold.when, hold.environment].filter(Boolean).join(':'),
        GLIDEPATH_TEST_WORKFLOW_BUNDLE: hold.workflowBundle,
      }
    : {};
  // The tests' prebuilt workflow bundle, as a deployed worker loads the image's: no webpack run at each start.
  const bundleEnv = { GLIDEPATH_WORKFLOW_BUNDLE: inject('workflowBundlePath') };
  const child = spawn(command, args, {
    cwd: root,
    env: { ...process.env, ...bundleEnv, ...env, ...holdEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const waitFor = async (pattern: RegExp, timeoutMs = 120_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(output)) {
      if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline)
        throw new Error(`worker never printed ${pattern}:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  await waitFor(/glidepath worker: task queue/);
  return {
    child,
    output: () => output,
    waitFor,
    kill: async (signal) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill(signal);
      await exited;
    },
  };
}

/** A `glidepath worker` serving Prometheus metrics on a free port; another port is tried if something took it first. */
export async function spawnWorkerWithMetrics(env: Record<string, string>): Promise<{ worker: WorkerProcess; metricsPort: number }> {
  for (let attempt = 1; ; attempt++) {
    const metricsPort = await freePort();
    try {
      return { worker: await spawnWorker({ ...env, GLIDEPATH_METRICS_ADDRESS: `127.0.0.1:${metricsPort}` }), metricsPort };
    } catch (err) {
      if (attempt >= 3) throw err;
    }
  }
}
