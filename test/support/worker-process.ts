/** A real `glidepath worker` process, for tests that kill it. */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, inject } from 'vitest';
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

/** A platform call held open once reached, after its change was made and before Temporal hears of it. */
export function heldAfter(call: HeldCall['call'], environment?: string): HeldCall {
  return { call, when: 'after', ...(environment ? { environment } : {}), workflowBundle: inject('workflowBundlePath') };
}

/** Where a `glidepath worker` process finds its work: the tests' Temporal server, polling `taskQueue`. */
const temporalEnv = (taskQueue: string) => ({
  TEMPORAL_ADDRESS: inject('temporalAddress'),
  TEMPORAL_NAMESPACE: 'default',
  GLIDEPATH_TASK_QUEUE: taskQueue,
});

/** The environment of a `glidepath worker` process polling `taskQueue`, with Kubernetes configured by `kubeconfig`. */
export function kubeWorkerEnv(taskQueue: string, kubeconfig: string): Record<string, string> {
  return { ...temporalEnv(taskQueue), KUBECONFIG: kubeconfig };
}

/**
 * The environment of a `glidepath worker` process on the tests' Temporal server, polling `taskQueue`, with AWS at
 * `awsEndpoint` (moto or the ECS simulator); `extra` adds to it.
 */
export function workerEnv(taskQueue: string, awsEndpoint: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...temporalEnv(taskQueue),
    AWS_ENDPOINT_URL: awsEndpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    ...extra,
  };
}

/**
 * `glidepath worker`; with `hold`, the same worker with that platform call held open once reached
 * (test/support/held-worker.ts), which prints "held: <call>" then; `worker`: another command line that runs one
 * (the compiled CLI's, say).
 */
export async function spawnWorker(env: Record<string, string>, hold?: HeldCall, worker?: string[]): Promise<WorkerProcess> {
  const root = path.join(__dirname, '..', '..');
  const [command, ...args] = hold
    ? [process.execPath, '--import', 'tsx', path.join(__dirname, 'held-worker.ts')]
    : (worker ?? [path.join(root, 'bin', 'glidepath'), 'worker']);
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

export interface WorkerProcesses {
  /** A client on the tests' Temporal server, to start and follow the runs the workers drive. */
  client(): Client;
  /** `spawnWorker`, killed after the file's tests if still running. */
  spawn(env: Record<string, string>, hold?: HeldCall, worker?: string[]): Promise<WorkerProcess>;
  /** `spawnWorkerWithMetrics`, likewise. */
  spawnWithMetrics(env: Record<string, string>): Promise<{ worker: WorkerProcess; metricsPort: number }>;
}

/**
 * For a test file's top level: connects to the tests' Temporal server before its tests, and after them kills the
 * workers it spawned that still run, with `signal` (SIGKILL where one may still hold a call open, which a graceful
 * shutdown would wait for), and closes the connection (registers that beforeAll and afterAll).
 */
export function useWorkerProcesses(signal: NodeJS.Signals = 'SIGTERM'): WorkerProcesses {
  let connection: Connection | undefined;
  const spawned: WorkerProcess[] = [];
  beforeAll(async () => {
    connection = await Connection.connect({ address: inject('temporalAddress') });
  });
  afterAll(async () => {
    await Promise.all(spawned.map((w) => w.kill(signal)));
    await connection?.close();
  });
  return {
    client: () => new Client({ connection: connection!, namespace: 'default' }),
    spawn: async (env, hold, command) => {
      const worker = await spawnWorker(env, hold, command);
      spawned.push(worker);
      return worker;
    },
    spawnWithMetrics: async (env) => {
      const started = await spawnWorkerWithMetrics(env);
      spawned.push(started.worker);
      return started;
    },
  };
}
