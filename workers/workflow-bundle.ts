/**
 * How the workflow code is bundled: one place for `npm run build`, a worker that bundles at start, the tests and
 * the bench, so every worker runs the same code the same way.
 *
 * The workflow modules are preloaded: evaluated once when the worker builds its V8 context, then shared by every
 * workflow it runs (the SDK's `preloadModules`). Without it each workflow evaluates all of them again in its own
 * module cache when it starts or is replayed: memory and CPU for every plan held open (`npm run bench`:
 * rss_mb_per_open_plan, parking_plans_per_s). Sharing is safe because the workflow modules hold no state of their
 * own: every run's state lives in the objects its workflow function builds. The SDK deep-freezes shared modules,
 * so a module that tried to keep state would fail loudly in the tests rather than leak between runs. Keep it so:
 * no module-level `let`, no module-level collection that changes, no module-level regex with the `g` or `y` flag
 * used by `exec` or `test`.
 */
import path from 'node:path';
import { type BundleOptions, bundleWorkflowCode } from '@temporalio/worker';

export const WORKFLOWS_PATH = path.join(__dirname, '..', 'workflows', 'index.ts');

const quiet = () => undefined;
const quietLogger = { log: quiet, trace: quiet, debug: quiet, info: quiet, warn: console.warn, error: console.error };

/** The bundle options of the workflows; `extra` adds a failure converter or interceptors. */
export function workflowBundleOptions(extra: Omit<BundleOptions, 'workflowsPath'> = {}): BundleOptions {
  return { workflowsPath: WORKFLOWS_PATH, preloadModules: [WORKFLOWS_PATH], logger: quietLogger, ...extra };
}

/** The workflow bundle's code. */
export async function bundleWorkflows(extra: Omit<BundleOptions, 'workflowsPath'> = {}): Promise<string> {
  return (await bundleWorkflowCode(workflowBundleOptions(extra))).code;
}
