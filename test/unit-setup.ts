/**
 * The fast tier's only setup: the workflow bundle, built once, for the workflow tables that run on Temporal's
 * time-skipping test server (a binary each such file starts and stops itself). No dev server, no moto.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { bundleWorkflows } from '../workers/workflow-bundle';

export default async function setup(project: TestProject) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'glidepath-unit-bundle-'));
  const bundlePath = path.join(dir, 'workflows.js');
  writeFileSync(bundlePath, await bundleWorkflows());
  project.provide('workflowBundlePath', bundlePath);
  return () => rmSync(dir, { recursive: true, force: true });
}
