/**
 * The worker `glidepath worker` runs, with one platform call held open once it is reached, for tests that
 * SIGKILL a worker in the middle of that call. GLIDEPATH_TEST_HOLD="<call>:<before|after>" picks the moment
 * (after: the real call has run, its result not yet returned); "held: <call>" is printed once it is in flight.
 * "<call>:<when>:<environment>" holds it only for the target of that environment (a release runs many).
 * GLIDEPATH_TEST_WORKFLOW_BUNDLE points at the tests' prebuilt workflow bundle.
 */
import type { Platform } from '../../activities/types';
import { temporalConfig } from '../../connection/temporal';
import { dependenciesFromEnvironment } from '../../workers/platforms';
import { connectWhenReachable } from '../../workers/wait-for-temporal';
import { createWorker } from '../../workers/worker';
import { holdAt } from './held-platform';

async function main(): Promise<void> {
  const [call, when, environment] = (process.env.GLIDEPATH_TEST_HOLD ?? '').split(':') as [keyof Platform, 'before' | 'after', string?];
  const dependencies = dependenciesFromEnvironment();
  for (const [type, platform] of Object.entries(dependencies.platforms)) {
    const held = holdAt(platform!, { call, when, environment });
    void held.reached.then(() => console.error(`held: ${call}`));
    dependencies.platforms[type as keyof typeof dependencies.platforms] = held.platform;
  }
  const { connectionOptions, namespace } = temporalConfig();
  const connection = await connectWhenReachable(connectionOptions);
  const bundle = process.env.GLIDEPATH_TEST_WORKFLOW_BUNDLE;
  const worker = await createWorker({ connection, namespace, dependencies, ...(bundle ? { workflowBundle: { codePath: bundle } } : {}) });
  console.error(`glidepath worker: task queue "${worker.options.taskQueue}" on ${connectionOptions.address} (holding ${call} ${when})`);
  await worker.run();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
