/**
 * Real servers for the whole test run: a Temporal dev server (with the search attributes registered),
 * a moto server for the AWS APIs, and the workflow bundle built once.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { bundleWorkflows } from '../workers/workflow-bundle';
import { startMoto } from './support/moto';
import { startLocalTemporal } from './support/local-temporal';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    motoEndpoint: string;
    workflowBundlePath: string;
  }
}

export default async function setup(project: TestProject) {
  const [temporal, moto, bundle] = await Promise.all([startLocalTemporal(), startMoto(), bundleWorkflows()]);
  const bundlePath = path.join(mkdtempSync(path.join(os.tmpdir(), 'glidepath-bundle-')), 'workflows.js');
  writeFileSync(bundlePath, bundle);
  project.provide('temporalAddress', temporal.address);
  project.provide('motoEndpoint', moto.endpoint);
  project.provide('workflowBundlePath', bundlePath);
  return async () => {
    await Promise.allSettled([temporal.teardown(), moto.stop()]);
  };
}
