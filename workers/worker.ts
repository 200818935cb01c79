/**
 * The Glidepath worker: runs deployment workflows and their platform activities.
 * `glidepath worker` starts it; SIGINT/SIGTERM drain it gracefully (in-flight activities finish or are
 * retried elsewhere; running plans continue on any other worker, or on this one when it is back).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDependencies } from '../activities';
import { TASK_QUEUE, temporalConfig } from './connection';
import { dependenciesFromEnvironment } from './platforms';

export const WORKFLOWS_PATH = path.join(__dirname, '..', 'workflows', 'index.ts');
/** The workflow bundle `npm run build` writes beside the compiled worker (dist/); when it is there, workers load it. */
export const PREBUILT_WORKFLOW_BUNDLE = path.join(__dirname, '..', 'workflow-bundle.js');

export interface GlidepathWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue?: string;
  dependencies: ActivityDependencies;
  /** A prebuilt workflow bundle (tests build it once); by default the one of `npm run build`, else bundled at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  identity?: string;
}

export async function createWorker(options: GlidepathWorkerOptions): Promise<Worker> {
  const prebuilt = existsSync(PREBUILT_WORKFLOW_BUNDLE) ? { codePath: PREBUILT_WORKFLOW_BUNDLE } : undefined;
  const workflowBundle = options.workflowBundle ?? prebuilt;
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue ?? TASK_QUEUE,
    activities: createActivities(options.dependencies),
    ...(workflowBundle ? { workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    ...(options.identity ? { identity: options.identity } : {}),
    shutdownGraceTime: '30s',
  });
}

export async function runWorker(): Promise<void> {
  const metricsAddress = process.env.GLIDEPATH_METRICS_ADDRESS;
  if (metricsAddress) {
    // Deployment metrics (workflows/metrics.ts) and the SDK's own, for Prometheus at http://<address>/metrics.
    Runtime.install({ telemetryOptions: { metrics: { prometheus: { bindAddress: metricsAddress } } } });
  }
  const { connectionOptions, namespace } = temporalConfig();
  const connection = await NativeConnection.connect(connectionOptions);
  try {
    const worker = await createWorker({ connection, namespace, dependencies: dependenciesFromEnvironment() });
    console.error(
      `glidepath worker: task queue "${worker.options.taskQueue}" on ${connectionOptions.address} (namespace ${namespace})` +
        (metricsAddress ? `, metrics on http://${metricsAddress}/metrics` : ''),
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
