/**
 * `npm run build`, second step: bundles the workflows once, from the same sources the tests bundle, into
 * dist/workflow-bundle.js, and with the encrypting failure converter baked in (workers with a key need it) into
 * dist/workflow-bundle-encrypted.js. The compiled worker loads one of them instead of running webpack at start.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { bundleWorkflows } from '../workers/workflow-bundle';

async function main(): Promise<void> {
  const root = path.join(__dirname, '..');
  const bundles: Array<[string, string | undefined]> = [
    ['workflow-bundle.js', undefined],
    ['workflow-bundle-encrypted.js', path.join(root, 'encryption', 'failure-converter.js')],
  ];
  for (const [name, failureConverterPath] of bundles) {
    const out = path.join(root, 'dist', name);
    const code = await bundleWorkflows(failureConverterPath ? { failureConverterPath } : {});
    mkdirSync(path.dirname(out), { recursive: true });
    writeFileSync(out, code);
    console.error(`workflow bundle: ${path.relative(root, out)} (${Math.round(code.length / 1024)} KiB)`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
