/**
 * `npm run build`, second step: bundles the workflows once, from the same sources the tests bundle, into
 * dist/workflow-bundle.js. The compiled worker (dist/workers/worker.js) loads it instead of running webpack at start.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';

const quiet = () => undefined;
const quietLogger = { log: quiet, trace: quiet, debug: quiet, info: quiet, warn: console.warn, error: console.error };

async function main(): Promise<void> {
  const root = path.join(__dirname, '..');
  const out = path.join(root, 'dist', 'workflow-bundle.js');
  const { code } = await bundleWorkflowCode({ workflowsPath: path.join(root, 'workflows', 'index.ts'), logger: quietLogger });
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, code);
  console.error(`workflow bundle: ${path.relative(root, out)} (${Math.round(code.length / 1024)} KiB)`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
