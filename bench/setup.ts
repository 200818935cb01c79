/** What the bench runs against: a Temporal dev server, moto, the two workflow bundles, in-process workers. */
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LambdaClient } from '@aws-sdk/client-lambda';
import type { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, NativeConnection, Worker, bundleWorkflowCode } from '@temporalio/worker';
import { lambdaPlatform } from '../activities/lambda/lambda-platform';
import type { Platform } from '../activities/types';
import { createLambdaService } from '../test/support/lambda-fixture';
import { type Moto, awsConfig, startMoto } from '../test/support/moto';
import { startLocalTemporal } from '../test/support/local-temporal';
import { createWorker } from '../workers/worker';
import { bundleWorkflows } from '../workers/workflow-bundle';

export const root = path.join(__dirname, '..');
export const QUEUES = { glidepath: 'bench-glidepath', bare: 'bench-bare', idle: 'bench-idle' } as const;

/** A platform call seen by the in-process workers: when each started and ended, per service. */
export interface CallRecord {
  method: keyof Platform;
  service: string;
  weight?: number;
  startedAt: number;
  endedAt?: number;
}

export interface Bench {
  quick: boolean;
  env: TestWorkflowEnvironment;
  client: Client;
  address: string;
  moto: Moto;
  lambda: LambdaClient;
  connection: NativeConnection;
  glidepathBundle: string;
  bareBundle: string;
  /** "compiled" when bin/glidepath runs dist/ (fresh), else "sources (tsx)". */
  cliMode: string;
  calls: CallRecord[];
  stop: () => Promise<void>;
}

/** Runs `fn` over `items`, at most `limit` at a time. */
export async function inParallel<T, R>(items: T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i], i);
      }
    }),
  );
  return out;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function lambdaServices(bench: Bench, names: string[]): Promise<void> {
  await inParallel(names, 6, (name) => createLambdaService(bench.moto.endpoint, name));
}

function newestSource(dirs: string[]): number {
  let newest = 0;
  for (const dir of dirs)
    for (const f of readdirSync(path.join(root, dir), { recursive: true, withFileTypes: true })) {
      if (f.isFile() && f.name.endsWith('.ts')) newest = Math.max(newest, statSync(path.join(f.parentPath, f.name)).mtimeMs);
    }
  return newest;
}

const SOURCES = ['starters', 'plan', 'workflows', 'workers', 'activities', 'encryption'];

/** dist/ is what `npm run build` wrote from today's sources (bin/glidepath runs it then). */
export function distIsFresh(): boolean {
  const cli = path.join(root, 'dist', 'starters', 'cli.js');
  const bundle = path.join(root, 'dist', 'workflow-bundle.js');
  return existsSync(cli) && existsSync(bundle) && statSync(cli).mtimeMs > newestSource(SOURCES);
}

async function bundles(): Promise<{ glidepath: string; bare: string; temporary: string[] }> {
  const logger = new DefaultLogger('ERROR');
  const temporary: string[] = [];
  const write = (name: string, code: string) => {
    const file = path.join(os.tmpdir(), `glidepath-bench-${process.pid}-${name}.js`);
    writeFileSync(file, code);
    temporary.push(file);
    return file;
  };
  const bare = write('bare', (await bundleWorkflowCode({ workflowsPath: path.join(__dirname, 'bare-workflow.ts'), logger })).code);
  const glidepath = distIsFresh() ? path.join(root, 'dist', 'workflow-bundle.js') : write('glidepath', await bundleWorkflows());
  return { glidepath, bare, temporary };
}

export async function setUp(quick: boolean): Promise<Bench> {
  const [env, moto, bundled] = await Promise.all([startLocalTemporal(), startMoto(), bundles()]);
  const lambda = new LambdaClient(awsConfig(moto.endpoint));
  const connection = await NativeConnection.connect({ address: env.address });
  const calls: CallRecord[] = [];
  const platform = recorded(
    lambdaPlatform(() => lambda),
    calls,
  );
  const glidepathWorker = await createWorker({
    connection,
    namespace: 'default',
    taskQueue: QUEUES.glidepath,
    workflowBundle: { codePath: bundled.glidepath },
    dependencies: { platforms: { lambda: platform } },
  });
  const bareWorker = await Worker.create({
    connection,
    taskQueue: QUEUES.bare,
    workflowBundle: { codePath: bundled.bare },
    activities: platform,
    maxHeartbeatThrottleInterval: '1s',
  });
  const running = [glidepathWorker.run(), bareWorker.run()];
  return {
    quick,
    env,
    client: env.client,
    address: env.address,
    moto,
    lambda,
    connection,
    glidepathBundle: bundled.glidepath,
    bareBundle: bundled.bare,
    cliMode: distIsFresh() ? 'compiled (dist/)' : 'sources (tsx)',
    calls,
    stop: async () => {
      for (const w of [glidepathWorker, bareWorker]) if (w.getState() === 'RUNNING') w.shutdown();
      await Promise.allSettled(running);
      await connection.close();
      await Promise.allSettled([env.teardown(), moto.stop()]);
      for (const f of bundled.temporary) require('node:fs').rmSync(f, { force: true });
    },
  };
}

/** The platform, with each call's start and end recorded. */
function recorded(platform: Platform, calls: CallRecord[]): Platform {
  const wrap =
    <I extends { metadata?: { service: string }; task?: unknown; weight?: number }, O>(
      method: keyof Platform,
      call: (input: I) => Promise<O>,
    ) =>
    async (input: I): Promise<O> => {
      const record: CallRecord = { method, service: input.metadata?.service ?? '', weight: input.weight, startedAt: Date.now() };
      calls.push(record);
      try {
        return await call(input);
      } finally {
        record.endedAt = Date.now();
      }
    };
  return {
    deployCandidate: wrap('deployCandidate', platform.deployCandidate),
    waitCandidateReady: wrap('waitCandidateReady', platform.waitCandidateReady),
    previewCandidate: wrap('previewCandidate', platform.previewCandidate),
    setTrafficWeight: wrap('setTrafficWeight', platform.setTrafficWeight),
    promoteCandidate: wrap('promoteCandidate', platform.promoteCandidate),
    rollBack: wrap('rollBack', platform.rollBack),
    retirePrevious: wrap('retirePrevious', platform.retirePrevious),
    runMigration: wrap('runMigration', platform.runMigration),
  };
}
