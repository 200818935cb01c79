/**
 * The Glidepath worker: runs deployment workflows and their platform activities.
 * `glidepath worker` starts it; SIGINT/SIGTERM drain it gracefully (in-flight activities finish or are
 * retried elsewhere; running plans continue on any other worker, or on this one when it is back).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { DataConverter } from '@temporalio/common';
import { type NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDependencies } from '../activities';
import { missingSinkSettings } from '../activities/notify';
import { encryptionSummary, glidepathDataConverter } from '../encryption/data-converter';
import { keyringFromEnvironment } from '../encryption/keys';
import { TASK_QUEUE, temporalConfig } from '../connection/temporal';
import { configuredPolicy } from '../plan/policy-load';
import { dependenciesFromEnvironment } from './platforms';
import { connectWhenReachable } from './wait-for-temporal';
import { limitWorkflowHeap, workflowCacheSize, workflowHeapMiB } from './workflow-cache';

export const WORKFLOWS_PATH = path.join(__dirname, '..', 'workflows', 'index.ts');
/**
 * The workflow bundles `npm run build` writes beside the compiled worker (dist/); when there, workers load the one
 * that matches their data converter (with a key, failures are encrypted by a converter baked into the bundle).
 */
export const prebuiltWorkflowBundle = (encrypted: boolean) =>
  path.join(__dirname, '..', encrypted ? 'workflow-bundle-encrypted.js' : 'workflow-bundle.js');

export interface GlidepathWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue?: string;
  dependencies: ActivityDependencies;
  /** A prebuilt workflow bundle (tests build it once); by default the one of `npm run build`, else bundled at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  identity?: string;
  /** Default: sized from the workflow thread's heap (workers/workflow-cache.ts). */
  maxCachedWorkflows?: number;
  /** Default: the keys the environment configures (encryption/keys.ts); a prebuilt bundle must match it. */
  dataConverter?: DataConverter;
}

export async function createWorker(options: GlidepathWorkerOptions): Promise<Worker> {
  const dataConverter = options.dataConverter ?? glidepathDataConverter();
  const prebuiltPath = prebuiltWorkflowBundle(dataConverter.failureConverterPath !== undefined);
  // GLIDEPATH_WORKFLOW_BUNDLE: a bundle built ahead (`npm run build`, or the tests' one), for workers started often.
  const fromEnvironment = process.env.GLIDEPATH_WORKFLOW_BUNDLE;
  const workflowBundle =
    options.workflowBundle ??
    (fromEnvironment ? { codePath: fromEnvironment } : existsSync(prebuiltPath) ? { codePath: prebuiltPath } : undefined);
  const heapMiB = workflowHeapMiB();
  limitWorkflowHeap(heapMiB); // before Worker.create starts the workflow thread
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue ?? TASK_QUEUE,
    activities: createActivities(options.dependencies),
    dataConverter,
    ...(workflowBundle ? { workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    ...(options.identity ? { identity: options.identity } : {}),
    shutdownGraceTime: '30s',
    // Heartbeats carry cancellations to activities: send them at least every second, so an abort reaches a
    // call in flight quickly (the default throttle is 80% of the heartbeat timeout, 8s here), and a lost worker is
    // noticed within the 10s heartbeat timeout (workflows/activities.ts).
    maxHeartbeatThrottleInterval: '1s',
    // Sized from the workflow thread's heap, so a worker holding more plans than fit evicts (and later replays)
    // instead of running out of memory (workers/workflow-cache.ts).
    maxCachedWorkflows: options.maxCachedWorkflows ?? workflowCacheSize(heapMiB),
    // A workflow task waits this long on the sticky queue of the worker that ran the plan last before any worker
    // may take it: how long a plan in a soak or at a gate waits after its worker died (SDK default 10s).
    stickyQueueScheduleToStartTimeout: '3s',
  });
}

export async function runWorker(): Promise<void> {
  const metricsAddress = process.env.GLIDEPATH_METRICS_ADDRESS;
  if (metricsAddress) {
    // Deployment metrics (workflows/metrics.ts) and the SDK's own, for Prometheus at http://<address>/metrics.
    Runtime.install({ telemetryOptions: { metrics: { prometheus: { bindAddress: metricsAddress } } } });
  }
  const policy = configuredPolicy(); // a broken policy file stops the worker here, naming the field
  workflowCacheSize(workflowHeapMiB()); // so do bad memory settings, before waiting for Temporal
  const keyring = keyringFromEnvironment(); // and a malformed key setting (KeyConfigurationError)
  const missing = missingSinkSettings(policy?.policy.notifications ?? [], process.env);
  // Not fatal: runs go on, and each delivery to these sinks fails (and shows in the run's status).
  if (missing.length) console.error(`glidepath worker: notification sinks name variables this worker lacks: ${missing.join(', ')}`);
  // Not fatal either (the sandbox and a team without rules run so), but never silent: runs get no rules at all.
  if (!policy && process.env.GLIDEPATH_POLICY_FILE !== 'none')
    console.error(
      'glidepath worker: no policy: GLIDEPATH_POLICY_FILE is not set, so runs get no required approvals, deploy windows, ' +
        "guardrails or scheduled freezes (emergency freezes still apply); set it to the platform team's policy file, or to none to say so",
    );
  const { connectionOptions, namespace } = temporalConfig();
  const connection = await connectWhenReachable(connectionOptions);
  try {
    const worker = await createWorker({
      connection,
      namespace,
      dependencies: dependenciesFromEnvironment(),
      dataConverter: glidepathDataConverter(keyring),
    });
    console.error(
      `glidepath worker: task queue "${worker.options.taskQueue}" on ${connectionOptions.address} (namespace ${namespace})` +
        (metricsAddress ? `, metrics on http://${metricsAddress}/metrics` : '') +
        (policy ? `; policy ${policy.file} version ${policy.version}` : '; no policy') +
        `; ${encryptionSummary(keyring)}`,
    );
    await worker.run(); // returns after SIGINT/SIGTERM once in-flight work drained
  } finally {
    await connection.close();
  }
}

if (require.main === module) {
  runWorker().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
