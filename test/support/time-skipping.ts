/** Temporal's time-skipping test server, for workflow rules that take hours of workflow time (soaks, windows, timeouts). */
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { inject } from 'vitest';
import type { ActivityDependencies } from '../../activities';
import { registerSearchAttributes } from '../../starters/register-search-attributes';
import { createWorker } from '../../workers/worker';
import { useForFile } from './file-scoped';
import { uniqueName } from './temporal';
import { tool } from './tools';

/** For a test file's top level: the server with Glidepath's search attributes, started before the file's tests and torn down after them. */
export const useTimeSkippingEnv = (): TestWorkflowEnvironment =>
  useForFile(
    async () => {
      const env = await TestWorkflowEnvironment.createTimeSkipping({
        server: { executable: { type: 'existing-path', path: tool('temporal-test-server') } },
      });
      await registerSearchAttributes(env.connection, 'default');
      return env;
    },
    (env) => env.teardown(),
  );

/** A worker on `env` polling a task queue of its own (named after `prefix`), loading the tests' prebuilt workflow bundle by default. */
export async function createEnvWorker(
  env: TestWorkflowEnvironment,
  prefix: string,
  dependencies: ActivityDependencies,
  workflowBundle = { codePath: inject('workflowBundlePath') },
): Promise<{ worker: Worker; taskQueue: string }> {
  const taskQueue = uniqueName(prefix);
  const worker = await createWorker({ connection: env.nativeConnection, namespace: 'default', taskQueue, workflowBundle, dependencies });
  return { worker, taskQueue };
}
